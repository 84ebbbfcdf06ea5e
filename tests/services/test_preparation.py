"""Preparing meetings, annotations with history, notes, the roster and the audit log."""

from datetime import date

import pytest

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.consensus import quorum
from mdt_desktop.domain.enums import Analyte, AttendanceStatus, Interpretation, Role
from mdt_desktop.domain.errors import NotFoundError, RefusedError, ValidationError
from mdt_desktop.services.annotations import AnnotationService
from mdt_desktop.services.audit_log import AuditLogService, changes
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.notes import NoteService
from mdt_desktop.services.roster import RosterAdmin, RosterService
from tests.conftest import AS_OF


@pytest.fixture
def people(demo_db):
    roster = RosterService(demo_db).clinicians()
    by_role = {}
    for clinician in roster:
        by_role.setdefault(clinician.role, Actor(clinician.id, clinician.name))
    return by_role


@pytest.fixture
def admin(demo_db, config):
    return MeetingAdminService(demo_db, config)


def test_create_a_meeting_with_a_consultant_chair(demo_db, config, admin, people):
    coordinator, consultant = people[Role.COORDINATOR], people[Role.IBD_CONSULTANT]
    meeting_id = admin.create_meeting(date(2026, 12, 30), consultant.id, coordinator)
    meeting = MeetingService(demo_db, config).get(meeting_id)
    assert (meeting.chair, meeting.status.value) == (consultant.name, "planned")
    with pytest.raises(ValidationError, match="already a meeting on 30 Dec 2026"):
        admin.create_meeting(date(2026, 12, 30), consultant.id, coordinator)
    with pytest.raises(ValidationError, match="is not an IBD consultant"):
        admin.create_meeting(date(2027, 1, 27), people[Role.IBD_NURSE].id, coordinator)


def test_candidates_are_added_moved_and_removed(demo_db, config, admin, people):
    coordinator = people[Role.COORDINATOR]
    meetings = MeetingService(demo_db, config)
    meeting_id = meetings.find_id(AS_OF.strftime("%Y-%m"))
    listed = [c.patient.hospital_number for c in meetings.get(meeting_id).cases]
    extra = next(f"DEMO{n}" for n in range(10001, 10121) if f"DEMO{n}" not in listed)
    case_id = admin.add_candidate(meeting_id, extra, coordinator)
    with pytest.raises(ValidationError, match="already on this meeting's list"):
        admin.add_candidate(meeting_id, extra, coordinator)
    with pytest.raises(NotFoundError, match="No patient with hospital number 'NOPE'"):
        admin.add_candidate(meeting_id, "NOPE", coordinator)
    admin.move_candidate(case_id, 1, coordinator)
    order = [c.patient.hospital_number for c in meetings.get(meeting_id).cases]
    assert order == [extra, *listed]
    assert [c.position for c in meetings.get(meeting_id).cases] == list(range(1, len(order) + 1))
    admin.remove_candidate(case_id, coordinator)
    assert [c.patient.hospital_number for c in meetings.get(meeting_id).cases] == listed
    with pytest.raises(ValidationError, match="position: between 1 and"):
        admin.move_candidate(meetings.get(meeting_id).cases[0].id, 99, coordinator)


def test_attendance_and_quorum(demo_db, config, admin, people):
    meetings = MeetingService(demo_db, config)
    meeting_id = meetings.find_id(AS_OF.strftime("%Y-%m"))
    coordinator = people[Role.COORDINATOR]
    admin.set_attendance(
        meeting_id,
        {
            people[Role.IBD_NURSE].id: AttendanceStatus.PRESENT,
            people[Role.PHARMACIST].id: AttendanceStatus.APOLOGIES,
        },
        coordinator,
    )
    warnings = quorum(meetings.get(meeting_id).attendance).warnings
    assert warnings == ("No IBD consultant is present.", "No pharmacist is present.")
    admin.set_attendance(
        meeting_id,
        {
            people[Role.IBD_CONSULTANT].id: AttendanceStatus.PRESENT,
            people[Role.PHARMACIST].id: AttendanceStatus.PRESENT,
        },
        coordinator,
    )
    assert quorum(meetings.get(meeting_id).attendance).quorate
    admin.set_attendance(meeting_id, {people[Role.IBD_NURSE].id: None}, coordinator)
    assert people[Role.IBD_NURSE].name not in {a.name for a in meetings.get(meeting_id).attendance}


def test_suggested_candidates(demo_db, config, admin):
    meetings = MeetingService(demo_db, config)
    meeting_id = meetings.find_id(AS_OF.strftime("%Y-%m"))
    listed = {c.patient.hospital_number for c in meetings.get(meeting_id).cases}
    recent = {c.patient.hospital_number for c in meetings.get(meetings.find_id("2026-10")).cases}
    suggestions = admin.suggestions(meeting_id)
    assert suggestions, "the demo has patients to suggest"
    numbers = {s.patient.hospital_number for s in suggestions}
    assert not numbers & listed
    assert not numbers & recent
    assert all(s.months_intensified >= 6 for s in suggestions)
    assert [s.months_intensified for s in suggestions] == sorted(
        (s.months_intensified for s in suggestions), reverse=True
    )


def trough_of(demo_db, config):
    meetings = MeetingService(demo_db, config)
    board = meetings.board(meetings.find_id(AS_OF.strftime("%Y-%m")))
    detail = board.cases[0]
    obs = next(
        o
        for o in reversed(detail.record.observations)
        if o.analyte in (Analyte.INFLIXIMAB_LEVEL, Analyte.ADALIMUMAB_LEVEL)
    )
    crp = next(o for o in detail.record.observations if o.analyte is Analyte.CRP)
    return detail, obs, crp


def test_annotations_keep_their_history(demo_db, config, people):
    detail, obs, crp = trough_of(demo_db, config)
    pharmacist = people[Role.PHARMACIST]
    service = AnnotationService(demo_db)
    first = service.annotate(
        obs.id,
        Interpretation.WITHIN_TARGET,
        "Adequate",
        "No change",
        pharmacist,
        case_id=detail.case.id,
    )
    second = service.annotate(
        obs.id,
        Interpretation.ABOVE_TARGET,
        "Recalculated: above",
        "Consider de-escalation",
        pharmacist,
        case_id=detail.case.id,
        supersedes_id=first,
    )
    history = [a for a in service.history(obs.id) if a.id in (first, second)]
    assert [(a.interpretation, a.supersedes_id) for a in history] == [
        (Interpretation.WITHIN_TARGET, None),
        (Interpretation.ABOVE_TARGET, first),
    ]
    with pytest.raises(RefusedError, match="already been revised"):
        service.annotate(
            obs.id, Interpretation.BELOW_TARGET, "x", "y", pharmacist, supersedes_id=first
        )
    shown = MeetingService(demo_db, config).case_detail(detail.case.id).case.annotations
    shown_ids = {a.id for a in shown if a.observation_id == obs.id}
    assert second in shown_ids
    assert first not in shown_ids  # superseded: kept in the history, not shown as current
    with pytest.raises(ValidationError, match="only drug levels and antibodies"):
        service.annotate(crp.id, Interpretation.WITHIN_TARGET, "x", "y", pharmacist)


def test_notes(demo_db, config, people):
    detail, _, _ = trough_of(demo_db, config)
    NoteService(demo_db).add(
        detail.case.id, "  Keen to reduce infusions.  ", people[Role.IBD_NURSE]
    )
    notes = MeetingService(demo_db, config).case_detail(detail.case.id).case.notes
    assert [(n.author, n.text) for n in notes][-1] == (
        people[Role.IBD_NURSE].name,
        "Keen to reduce infusions.",
    )
    with pytest.raises(ValidationError, match="write something"):
        NoteService(demo_db).add(detail.case.id, "   ", people[Role.IBD_NURSE])
    with pytest.raises(RefusedError, match="clinical note"):
        MeetingAdminService(demo_db, config).remove_candidate(
            detail.case.id, people[Role.COORDINATOR]
        )
    assert MeetingService(demo_db, config).case_detail(detail.case.id).case.notes == notes


def test_roster_changes_are_audited_and_never_delete(demo_db, people):
    admin = RosterAdmin(demo_db)
    coordinator = people[Role.COORDINATOR]
    new = admin.add("  Dr  New   Person (DEMO) ", Role.IBD_CLINICIAN, coordinator)
    admin.update(new, coordinator, role=Role.IBD_CONSULTANT, active=False)
    everyone = {c.id: c for c in RosterService(demo_db).clinicians(active_only=False)}
    assert (everyone[new].name, everyone[new].role, everyone[new].active) == (
        "Dr New Person (DEMO)",
        Role.IBD_CONSULTANT,
        False,
    )
    assert new not in {c.id for c in RosterService(demo_db).clinicians()}
    with pytest.raises(RefusedError, match="cannot deactivate yourself"):
        admin.update(coordinator.id, coordinator, active=False)
    entries = AuditLogService(demo_db).entries(actor_id=coordinator.id, limit=5)
    assert entries[0].entity == "clinician"
    assert "active: True → False" in entries[0].changes


def test_audit_log_filters(demo_db, config):
    meetings = MeetingService(demo_db, config)
    meeting_id = meetings.find_id("2026-10")
    case = meetings.get(meeting_id).cases[0]
    log = AuditLogService(demo_db)
    by_patient = log.entries(hospital_number=case.patient.hospital_number)
    assert by_patient
    assert {e.patient for e in by_patient} == {case.patient.hospital_number}
    by_meeting = log.entries(meeting_id=meeting_id)
    assert {e.meeting for e in by_meeting} == {date(2026, 10, 28)}
    assert any(e.action == "sign_off" for e in by_meeting)
    assert [e.id for e in log.entries(limit=3)] == sorted(
        (e.id for e in log.entries(limit=3)), reverse=True
    )


def test_change_summaries():
    assert (
        changes({"outcome": "defer", "x": 1}, {"outcome": "de_escalate", "x": 1})
        == "outcome: defer → de_escalate"
    )
    assert changes(None, {"text": "note"}) == "text: note"
    assert changes({"status": "present"}, None) == "status: present (removed)"
