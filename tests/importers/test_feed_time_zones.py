"""Time zones (docs/clinical.md, "Time"): aware times become the site's wall clock.

An aware timestamp (FHIR ``Z`` or ``+01:00``, HL7 ``+0000``) is converted to the site's zone
(Europe/London by default) and stored without a zone; a naive one is taken as site time. Dates
with a time part are converted before they are cut to a date; "future" and "before 1900" are
judged after the conversion. The same instant from two feeds is one stored result.

Europe/London keeps GMT (UTC+0) in winter and British Summer Time (UTC+1) from 01:00 UTC on the
last Sunday of March (30 March 2025) to 01:00 UTC on the last Sunday of October (26 October
2025). Every expected time below is worked out from that by hand.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mdt_desktop.configuration import site_zone
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import Analyte
from mdt_desktop.importers.codes import CodeTable
from mdt_desktop.importers.csv_reader import parse_csv
from mdt_desktop.importers.fhir_reader import read_fhir
from mdt_desktop.importers.hl7_reader import parse_hl7
from mdt_desktop.importers.times import parse_date, parse_datetime, parse_hl7_time
from mdt_desktop.models.db import Database
from mdt_desktop.services.bundle import admin_services
from mdt_desktop.services.imports import ImportRejected, ImportService
from tests.importers.conftest import FIXTURES, NOW

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
MEDICATIONS = FIXTURES / "feed_medication_statements.json"
OBSERVATIONS = FIXTURES / "feed_observations.json"
ORU = FIXTURES / "feed_oru_r01.hl7"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # summer: 23:30 UTC + 1 h = 00:30 BST the next day
        ("2025-06-01T23:30:00Z", datetime(2025, 6, 2, 0, 30)),
        ("2025-06-02T00:30:00+01:00", datetime(2025, 6, 2, 0, 30)),
        # winter: GMT is UTC
        ("2025-01-15T23:30:00Z", datetime(2025, 1, 15, 23, 30)),
        ("2025-01-16T00:30:00+01:00", datetime(2025, 1, 15, 23, 30)),
        # spring change, 30 March 2025: 00:59 UTC is still GMT, 01:00 UTC is 02:00 BST
        ("2025-03-30T00:59:00Z", datetime(2025, 3, 30, 0, 59)),
        ("2025-03-30T01:00:00Z", datetime(2025, 3, 30, 2, 0)),
        # autumn change, 26 October 2025: 00:30 UTC is 01:30 BST, 01:30 UTC is 01:30 GMT
        ("2025-10-26T00:30:00Z", datetime(2025, 10, 26, 1, 30)),
        ("2025-10-26T01:30:00Z", datetime(2025, 10, 26, 1, 30)),
        # 09:40 at UTC-4 is 13:40 UTC, 14:40 BST
        ("2025-06-02T09:40:00-04:00", datetime(2025, 6, 2, 14, 40)),
        # no offset: already site time
        ("2025-06-02T08:40:00", datetime(2025, 6, 2, 8, 40)),
        ("2025-06-02", datetime(2025, 6, 2)),
    ],
)
def test_iso_times_become_site_wall_clock(text: str, expected: datetime) -> None:
    assert parse_datetime(text, now=NOW, zone=LONDON) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20250601233000+0000", datetime(2025, 6, 2, 0, 30)),  # 23:30 UTC = 00:30 BST
        ("202506020030+0100", datetime(2025, 6, 2, 0, 30)),
        ("20250115233000+0000", datetime(2025, 1, 15, 23, 30)),  # GMT
        ("20250602003000", datetime(2025, 6, 2, 0, 30)),  # naive: site time
        ("20250602053000.25-0430", datetime(2025, 6, 2, 11, 0)),  # 05:30 + 4:30 = 10:00 UTC
    ],
)
def test_hl7_times_become_site_wall_clock(text: str, expected: datetime) -> None:
    assert parse_hl7_time(text, now=NOW, zone=LONDON) == expected


@pytest.mark.parametrize("text", ["20250602003000+2500", "20250602003000+0160"])
def test_an_hl7_offset_that_is_no_offset_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a time zone offset"):
        parse_hl7_time(text, now=NOW, zone=LONDON)


def test_another_site_zone() -> None:
    # New York keeps EDT (UTC-4) on 1 June: 23:30 UTC is 19:30
    assert parse_datetime("2025-06-01T23:30:00Z", now=NOW, zone=NEW_YORK) == datetime(
        2025, 6, 1, 19, 30
    )
    assert parse_date("2025-06-02T00:30:00+01:00", now=NOW, zone=NEW_YORK) == date(2025, 6, 1)


def test_a_date_is_cut_after_the_conversion() -> None:
    # 23:30 UTC on 1 September is 00:30 BST on 2 September: the date is the 2nd, not the 1st
    assert parse_date("2024-09-01T23:30:00Z", now=NOW, zone=LONDON) == date(2024, 9, 2)


def test_future_and_before_1900_are_judged_after_the_conversion() -> None:
    now = datetime(2025, 6, 1, 12, 0)  # a result is refused after now + 1 day: 2 June 12:00
    # 11:30 at UTC-2 is 13:30 UTC, 14:30 BST on 2 June: later than 12:00, so in the future,
    # although its wall-clock 11:30 is not
    with pytest.raises(ValueError, match="is in the future"):
        parse_datetime("2025-06-02T11:30:00-02:00", now=now, zone=LONDON)
    assert parse_datetime("2025-06-02T11:30:00+02:00", now=now, zone=LONDON) == datetime(
        2025, 6, 2, 10, 30
    )
    # 00:30 at +02:00 on 1 January 1900 is 22:30 UTC on 31 December 1899 (London kept GMT)
    with pytest.raises(ValueError, match="is before 1900"):
        parse_datetime("1900-01-01T00:30:00+02:00", now=now, zone=LONDON)


def test_the_csv_and_hl7_readers_convert_too(codes: CodeTable) -> None:
    csv = parse_csv(
        "hospital_number,collected_at,test,value,unit\n"
        "DEMO1001,2025-06-01T23:30:00Z,1988-5,14,mg/L\n",
        "labs.csv",
        codes,
        now=NOW,
        zone=LONDON,
    )
    hl7 = parse_hl7(
        "MSH|^~\\&|LAB|H|MDT|IBD|20250602||ORU^R01|X1|P|2.5.1\r"
        "PID|1||DEMO1001^^^H^MR\r"
        "OBX|1|NM|1988-5^CRP^LN||14|mg/L||H|||F|||20250601233000+0000\r",
        "labs.hl7",
        codes,
        now=NOW,
        zone=LONDON,
    )
    assert [r.collected_at for r in csv.results + hl7.results] == [datetime(2025, 6, 2, 0, 30)] * 2


def observation_rows(path: Path) -> list[tuple[str, str, float, str | None]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT analyte, collected_at, value, abnormal_flag FROM observations "
            "ORDER BY collected_at, analyte, value"
        ).fetchall()


def test_the_same_instant_from_two_feeds_is_one_stored_result(
    db: Database, tmp_path: Path, codes: CodeTable
) -> None:
    service = ImportService(db, codes, zone=LONDON)
    service.run([MEDICATIONS], None, now=NOW)  # the patient DEMO20001 and her drugs
    # The CRP of 23:30 UTC on 1 June comes three times: FHIR "Z", FHIR "+01:00" and HL7 "+0000".
    report = service.run([OBSERVATIONS, ORU], None, now=NOW)
    assert report.ok
    rows = observation_rows(tmp_path / "test.sqlite3")
    crp = [row for row in rows if row[0] == Analyte.CRP.value]
    assert crp == [("crp", "2025-06-02 00:30:00.000000", 14.0, "H")]
    # observations file: 8 results, of which the second CRP repeats the first: 7;
    # HL7: CRP and WBC of 1 June repeat the FHIR ones, the ATI of 12 May and of 17 February
    # repeat the FHIR ones; the infliximab level of 12 May is new: 7 + 1 = 8
    assert len(rows) == 8
    assert report.new_records == 8
    again = service.run([OBSERVATIONS, ORU], None, now=NOW)
    assert (again.written, again.new_records) == (False, 0)


def test_two_instants_of_the_autumn_hour_that_repeats_are_not_merged_silently(
    db: Database, tmp_path: Path, codes: CodeTable
) -> None:
    """01:30 BST and 01:30 GMT on 26 October 2025 are one wall-clock time an hour apart.

    Times are stored as the site's wall clock, so the two cannot both be stored: two different
    values are a problem, never one value silently kept.
    """
    service = ImportService(db, codes, zone=LONDON)
    service.run([MEDICATIONS], None, now=NOW)
    path = tmp_path / "fold.csv"
    path.write_text(
        "hospital_number,collected_at,test,value,unit\n"
        "DEMO20001,2025-10-26T00:30:00Z,1988-5,14,mg/L\n"
        "DEMO20001,2025-10-26T01:30:00Z,1988-5,9,mg/L\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as caught:
        service.run([path], None, now=NOW)
    (problem,) = caught.value.report.problems
    assert (problem.where.place, problem.field) == ("line 3", "value")
    assert "a different value for the same test and time is at fold.csv, line 2" in problem.reason


def test_the_zone_is_the_callers(db: Database, tmp_path: Path, codes: CodeTable) -> None:
    service = ImportService(db, codes, zone=NEW_YORK)
    service.run([MEDICATIONS], None, now=NOW)
    service.run([OBSERVATIONS], None, now=NOW)
    crp = [r for r in observation_rows(tmp_path / "test.sqlite3") if r[0] == "crp"]
    # 23:30 UTC on 1 June is 19:30 EDT (UTC-4)
    assert crp == [("crp", "2025-06-01 19:30:00.000000", 14.0, "H")]


def test_dates_of_medications_and_doses_given_are_cut_after_the_conversion(
    codes: CodeTable,
) -> None:
    parsed = read_fhir(MEDICATIONS, codes, now=NOW, zone=LONDON)
    q8w = next(m for m in parsed.medications if m.interval_days == 56)
    # effectivePeriod.end 2024-09-01T23:30:00Z is 00:30 BST on 2 September
    assert q8w.end == date(2024, 9, 2)
    # effectiveDateTime 2025-03-30T23:30:00Z: BST began that morning, so 00:30 on 31 March
    # (the infusion given just after midnight, as the EHR recorded it)
    assert [a.given_on for a in parsed.administrations] == [
        date(2025, 2, 17),
        date(2025, 3, 31),
        date(2025, 7, 1),
    ]


def test_the_services_take_the_site_zone_from_the_configuration(
    db: Database, tmp_path: Path, config: ClinicalConfig, codes: CodeTable
) -> None:
    assert site_zone() == LONDON  # the shipped site.toml (time_zone = Europe/London)
    services = admin_services(
        db, dataclasses.replace(config, time_zone="America/New_York"), tmp_path
    )
    services.imports.run([MEDICATIONS], None, now=NOW)
    services.imports.run([OBSERVATIONS], None, now=NOW)
    crp = [r for r in observation_rows(tmp_path / "test.sqlite3") if r[0] == "crp"]
    assert crp == [("crp", "2025-06-01 19:30:00.000000", 14.0, "H")]
