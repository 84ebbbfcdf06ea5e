"""One helper counts things in words: never "1 days" (issue: "for 1 days")."""

import pytest

from mdt_desktop.domain.enums import Evidence
from mdt_desktop.domain.thresholds import Threshold
from mdt_desktop.domain.wording import count, plural, unit_text


@pytest.mark.parametrize(
    ("number", "noun", "expected"),
    [
        (1, "day", "1 day"),
        (0, "day", "0 days"),
        (2, "day", "2 days"),
        (1.5, "month", "1.5 months"),
        (3.0, "patient", "3 patients"),
        (1, "match", "1 match"),
        (2, "match", "2 matches"),
        (1_000_000, "result", "1000000 results"),
    ],
)
def test_count(number, noun, expected):
    assert count(number, noun) == expected


def test_plural_and_units_of_time():
    assert plural("check", 1) == "check"
    assert plural("check", 2) == "checks"
    assert unit_text(1, "days") == "1 day"
    assert unit_text(6, "months") == "6 months"
    assert unit_text(250, "ug/g") == "250 ug/g"


def test_a_threshold_of_one_day_reads_in_the_singular():
    one = Threshold("x", "x", 1, "days", ("LOCAL",), Evidence.LOCAL_POLICY)
    assert one.describe() == "1 day"
