"""Re-review after de-escalation through the services, on the demo (seed 7, as of 24 Nov 2026).

The demo's MDT of 26 Aug 2026 de-escalated DEMO10017 (since re-escalated) and DEMO10073, and
the one of 30 Sep 2026 DEMO10076 (calprotectin rising since: an early warning). A December meeting
planned on 30 Dec 2026 should see the three again; DEMO10073's 3-month re-checks fall due in
December without results yet.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.enums import MeetingStatus, Role
from mdt_desktop.domain.rereview import RereviewTag
from mdt_desktop.models import PatientRow
from mdt_desktop.services.json_views import meeting_json
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.roster import RosterService
from tests.factories import insert_observation

DECEMBER = date(2026, 12, 30)
IN_RANGE = {  # analyte: (value, unit, comparator)
    "faecal_calprotectin": (48.0, "ug/g", None),
    "crp": (1.8, "mg/L", None),
    "hbi": (1.0, "score", None),
    "partial_mayo": (0.0, "score", None),
    "infliximab_level": (5.2, "ug/mL", None),
    "adalimumab_level": (8.1, "ug/mL", None),
    "anti_drug_antibodies": (2.5, "ug/mL-eq", "<"),
    "ius_bowel_wall_mm": (2.4, "mm", None),
}


def actor_of(db, role):
    person = next(c for c in RosterService(db).clinicians() if c.role is role)
    return person, Actor(person.id, person.name)


@pytest.fixture
def admin(demo_db, config):
    return MeetingAdminService(demo_db, config)


@pytest.fixture
def december(demo_db, admin):
    chair, _ = actor_of(demo_db, Role.IBD_CONSULTANT)
    _, coordinator = actor_of(demo_db, Role.COORDINATOR)
    return admin.create_meeting(DECEMBER, chair.id, coordinator)


def numbers(found):
    return [(s.patient.hospital_number, s.rereview.tag) for s in found]


def test_the_next_month_re_surfaces_de_escalated_patients(admin, december):
    found = admin.rereviews(december)
    assert numbers(found) == [
        ("DEMO10017", RereviewTag.RELAPSING),
        ("DEMO10076", RereviewTag.RELAPSING),
        ("DEMO10073", RereviewTag.DATA_MISSING),
    ]
    relapsed = found[0].rereview
    assert relapsed.summary == "Re-escalated on 21 Nov 2026"
    assert relapsed.reason == "Re-review after de-escalation (26 Aug 2026): relapsing"
    missing = found[2].rereview
    assert missing.summary.startswith("Missing: ")
    assert all(c.check.due <= DECEMBER for c in missing.checks)


def test_listed_patients_are_not_offered_and_signed_off_meetings_offer_none(
    demo_db, config, admin, december
):
    _, coordinator = actor_of(demo_db, Role.COORDINATOR)
    admin.add_candidate(december, "DEMO10073", coordinator, "Listed by the coordinator")
    assert "DEMO10073" not in [n for n, _ in numbers(admin.rereviews(december))]
    october = MeetingService(demo_db, config).find_id("2026-10")
    assert admin.rereviews(october) == []


def test_the_board_tags_listed_re_reviews_and_results_make_them_stable(
    demo_db, config, admin, december
):
    _, coordinator = actor_of(demo_db, Role.COORDINATOR)
    missing = next(s for s in admin.rereviews(december) if s.patient.hospital_number == "DEMO10073")
    admin.add_candidate(december, "DEMO10073", coordinator, missing.rereview.reason)
    admin.add_candidate(december, "DEMO10001", coordinator)
    meetings = MeetingService(demo_db, config)
    board = meetings.board(december)
    tagged = {d.case.patient.hospital_number: d.rereview for d in board.cases}
    assert tagged["DEMO10001"] is None
    assert tagged["DEMO10073"] is not None
    assert tagged["DEMO10073"].tag is RereviewTag.DATA_MISSING

    with demo_db.write() as session:  # the December re-check results arrive
        patient_id = session.query(PatientRow.id).filter_by(hospital_number="DEMO10073").scalar()
        for check in missing.rereview.checks:
            for analyte in check.check.analytes:
                value, unit, comparator = IN_RANGE[analyte]
                insert_observation(
                    session,
                    patient_id,
                    analyte=analyte,
                    value=value,
                    unit=unit,
                    comparator=comparator,
                    original_value=f"{comparator or ''}{value:g}",
                    original_unit=unit,
                    collected_at=datetime.combine(check.check.due, time(9, 30)),
                )
    detail = next(d for d in meetings.board(december).cases if d.case.patient.id == patient_id)
    assert detail.rereview is not None
    assert detail.rereview.tag is RereviewTag.STABLE
    assert meetings.case_detail(detail.case.id).rereview == detail.rereview


def test_a_signed_off_meeting_board_carries_no_live_tag(demo_db, config):
    meetings = MeetingService(demo_db, config)
    board = meetings.board(meetings.find_id("2026-10"))
    assert board.meeting.status is MeetingStatus.SIGNED_OFF
    assert all(d.rereview is None for d in board.cases)


def test_meeting_json_carries_the_re_review(demo_db, config, admin, december):
    _, coordinator = actor_of(demo_db, Role.COORDINATOR)
    admin.add_candidate(december, "DEMO10017", coordinator, "Re-review")
    admin.add_candidate(december, "DEMO10001", coordinator)
    board = MeetingService(demo_db, config).board(december)
    cases = {c["hospital_number"]: c for c in meeting_json(board.meeting, board.cases)["cases"]}
    assert cases["DEMO10001"]["rereview"] is None
    review = cases["DEMO10017"]["rereview"]
    assert review["tag"] == "relapsing"
    assert review["decided_on"] == "2026-08-26"
    assert review["summary"] == "Re-escalated on 21 Nov 2026"
    assert all({"label", "due", "state", "missing"} <= set(c) for c in review["checks"])
