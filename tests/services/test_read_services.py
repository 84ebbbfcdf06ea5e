"""Reading patients and meetings from the demo database."""

import pytest

from mdt_desktop.domain.enums import MeetingStatus
from mdt_desktop.domain.errors import NotFoundError, ValidationError
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.patients import PatientService


def test_patient_record_and_reviews(demo_db, config):
    meetings = MeetingService(demo_db, config)
    case = meetings.find("2026-10").cases[0]
    service = PatientService(demo_db)
    record = service.get_record(case.patient.hospital_number)
    assert record.patient == case.patient
    assert record.observations
    assert record.medications
    assert [r.meeting_date.isoformat() for r in service.reviews(case.patient.hospital_number)] == [
        "2026-10-28"
    ]


def test_unknown_patient(demo_db):
    with pytest.raises(NotFoundError, match="No patient with hospital number 'NOPE1'"):
        PatientService(demo_db).get_record(" NOPE1 ")


def test_meetings_by_month_and_by_date(demo_db, config):
    service = MeetingService(demo_db, config)
    listed = service.list_meetings()
    assert [m.status for m in listed] == [MeetingStatus.PLANNED] + [MeetingStatus.SIGNED_OFF] * 3
    by_month = service.find("2026-11")
    assert service.find(by_month.meeting_date.isoformat()) == by_month


@pytest.mark.parametrize(
    ("spec", "error", "message"),
    [
        ("2026-13", ValidationError, "give a month as YYYY-MM"),
        ("November", ValidationError, "give a month as YYYY-MM"),
        ("2026-02-30", ValidationError, "not a valid date"),
        ("2025-01", NotFoundError, "No meeting in 2025-01"),
        ("2026-11-02", NotFoundError, "No meeting on 2026-11-02"),
    ],
)
def test_bad_meeting_specs(demo_db, config, spec, error, message):
    with pytest.raises(error, match=message):
        MeetingService(demo_db, config).find(spec)
