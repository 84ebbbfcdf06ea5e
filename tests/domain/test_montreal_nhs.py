"""Montreal tokens and NHS numbers."""

import pytest

from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.domain.montreal import Montreal, montreal_age_band, parse_montreal
from mdt_desktop.domain.nhs import format_nhs_number, normalise_nhs_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A2 L3 B1p", Montreal(age="A2", location="L3", behaviour="B1", perianal=True)),
        ("A1 L3+L4 B2", Montreal(age="A1", location="L3", upper_gi=True, behaviour="B2")),
        ("E3", Montreal(extent="E3")),
        ("E2 S1", Montreal(extent="E2")),
        ("A3, L1, B3, p", Montreal(age="A3", location="L1", behaviour="B3", perianal=True)),
    ],
)
def test_parse_montreal(text, expected):
    assert parse_montreal(text) == expected


@pytest.mark.parametrize("text", ["A4 L1", "A2 L3 B4", "A1 A2", "L1 L2", "X9"])
def test_bad_montreal_tokens_are_named(text):
    with pytest.raises(ValidationError, match="Montreal"):
        parse_montreal(text)


def test_montreal_code_round_trips():
    m = Montreal(age="A2", location="L3", upper_gi=True, behaviour="B2", perianal=True)
    assert m.code == "A2 L3+L4 B2p"
    assert parse_montreal(m.code) == m
    assert m.description == "ileocolonic, upper GI, stricturing, perianal"


@pytest.mark.parametrize(
    ("age", "band"), [(10, "A1"), (16, "A1"), (17, "A2"), (40, "A2"), (41, "A3")]
)
def test_age_band_boundary_is_documented(age, band):
    assert montreal_age_band(age) == band


def test_nhs_number_check_digit():
    assert normalise_nhs_number("943 476 5919") == "9434765919"
    assert format_nhs_number("9434765919") == "943 476 5919"


@pytest.mark.parametrize("raw", ["9434765918", "943476591", "94347659190", "943476591X"])
def test_invalid_nhs_numbers(raw):
    with pytest.raises(ValidationError, match="NHS number"):
        normalise_nhs_number(raw)
