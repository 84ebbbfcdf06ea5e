"""How patients are named (in full, or initials and number on the room screen), and the site's
contact details for letters: DEMO placeholders, overridden key by key, every mistake named."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from mdt_desktop.domain.config import load_clinical_config
from mdt_desktop.domain.enums import IbdType, Sex
from mdt_desktop.domain.errors import ConfigurationError
from mdt_desktop.domain.identifiers import (
    Identifiers,
    identity_line,
    patient_label,
    patient_name,
    search_text,
)
from mdt_desktop.domain.records import Patient
from mdt_desktop.paths import resource_path

PATIENT = Patient(
    None,
    "DEMO10001",
    "Example",
    "Jane",
    date(1980, 2, 29),
    Sex.FEMALE,
    IbdType.CROHNS,
    date(2010, 5, 1),
    nhs_number="9434765919",
)


def test_the_room_screen_shows_initials_number_age_and_sex_only():
    line = identity_line(PATIENT, 46, "female", Identifiers.INITIALS)
    assert line == "JE · DEMO10001 · 46 y · female"
    for hidden in ("Example", "EXAMPLE", "Jane", "943 476 5919", "9434765919", "1980"):
        assert hidden not in line


def test_full_identifiers_name_the_patient_and_the_nhs_number():
    line = identity_line(PATIENT, 46, "female", Identifiers.FULL)
    assert line == "EXAMPLE, Jane · DEMO10001 · NHS 943 476 5919 · 46 y · female"
    assert patient_label(PATIENT, Identifiers.INITIALS) == "JE (DEMO10001)"
    assert patient_name(PATIENT, Identifiers.FULL) == "EXAMPLE, Jane"


def test_pseudonyms_need_the_key_of_the_reports():
    with pytest.raises(ValueError, match="key"):
        patient_name(PATIENT, Identifiers.PSEUDONYMS)


def test_a_filter_can_still_find_the_full_name():
    assert "EXAMPLE, Jane" in search_text(PATIENT)
    assert "DEMO10001" in search_text(PATIENT)


# --- site.toml --------------------------------------------------------------------------------


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    folder = tmp_path / "resources"
    shutil.copytree(resource_path(), folder, ignore=shutil.ignore_patterns("*.png", "*.ttf"))
    return folder


def test_the_shipped_contact_details_are_demo_placeholders(config):
    site = config.site
    assert site.is_demo
    assert "DEMO" in site.team
    assert site.phone.startswith("01632 960")  # Ofcom's drama range
    assert site.email.endswith("@example.org")


def test_a_site_file_replaces_the_placeholders_key_by_key(shipped, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.toml").write_text(
        'team = "IBD Team"\nphone = "01632 960 123"\n', encoding="utf-8"
    )
    contact = load_clinical_config(shipped, site).site
    assert contact.team == "IBD Team"
    assert contact.phone == "01632 960 123"
    assert contact.placeholders == ("organisation", "address", "email")
    assert contact.is_demo  # still partly placeholders: the letters say so
    (site / "site.toml").write_text(
        'team = "IBD Team"\norganisation = "Trust"\naddress = ["1 Road", "Town"]\n'
        'phone = "01632 960 123"\nemail = "ibd@example.net"\n',
        encoding="utf-8",
    )
    contact = load_clinical_config(shipped, site).site
    assert not contact.is_demo
    assert contact.lines() == ("IBD Team", "Trust", "1 Road", "Town")


def test_every_mistake_in_the_site_file_is_named(shipped, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.toml").write_text(
        'team = ""\naddress = "one line"\nemail = "nobody"\nfax = "1"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigurationError) as raised:
        load_clinical_config(shipped, site)
    message = str(raised.value)
    assert "site.toml [team]: required" in message
    assert "site.toml [address]: required: a list of 1 to 6" in message
    assert "[email]: 'nobody' is not an e-mail address" in message
    assert "unknown keys ['fax']" in message
