"""Checklist answers: stored with who and when and an audit row; refused where they must be."""

import pytest
from sqlalchemy import select

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.enums import ChecklistResult
from mdt_desktop.domain.errors import RefusedError, ValidationError
from mdt_desktop.models import AuditEventRow, ChecklistAnswerRow
from mdt_desktop.services.audit import verify_chain
from mdt_desktop.services.checklist_answers import ChecklistService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.roster import RosterService
from tests.conftest import AS_OF

MET, NOT_MET = ChecklistResult.MET, ChecklistResult.NOT_MET


@pytest.fixture
def roster(demo_db):
    return {c.role.value: Actor(c.id, c.name) for c in RosterService(demo_db).clinicians()}


@pytest.fixture
def planned(demo_db, config):
    service = MeetingService(demo_db, config)
    return service.board(service.find_id(AS_OF.strftime("%Y-%m")))


def item(detail, key):
    return next(a for a in detail.case.checklist if a.item_key == key)


def test_confirmation_is_stored_with_who_and_when_and_audited(demo_db, config, planned, roster):
    detail = planned.cases[0]
    nurse = roster["ibd_nurse"]
    ChecklistService(demo_db, config).answer(
        detail.case.id, "life_events", MET, "No pregnancy planned", nurse
    )
    updated = MeetingService(demo_db, config).case_detail(detail.case.id)
    answer = item(updated, "life_events")
    assert answer.confirmed is MET
    assert answer.answered_by == nurse.name
    assert answer.answered_at is not None
    assert answer.override_reason == "No pregnancy planned"
    with demo_db.read() as session:
        audit = session.scalars(select(AuditEventRow).order_by(AuditEventRow.id.desc())).first()
        assert (audit.actor, audit.entity, audit.patient_id) == (
            nurse.name,
            "checklist_answer",
            detail.case.patient.id,
        )
        assert audit.after["confirmed"] == "met"
        assert verify_chain(session).intact


def test_contradicting_the_automatic_result_needs_a_reason(demo_db, config, planned, roster):
    detail = planned.cases[0]
    met = next(a for a in detail.case.checklist if a.automatic is MET)
    service = ChecklistService(demo_db, config)
    with pytest.raises(ValidationError, match="give the reason"):
        service.answer(detail.case.id, met.item_key, NOT_MET, "  ", roster["ibd_consultant"])
    service.answer(
        detail.case.id,
        met.item_key,
        NOT_MET,
        "Symptoms at clinic yesterday",
        roster["ibd_consultant"],
    )
    answer = item(MeetingService(demo_db, config).case_detail(detail.case.id), met.item_key)
    assert (answer.automatic, answer.confirmed) == (MET, NOT_MET)


def test_clearing_returns_to_automatic(demo_db, config, planned, roster):
    detail = planned.cases[0]
    service = ChecklistService(demo_db, config)
    service.answer(detail.case.id, "life_events", MET, "", roster["ibd_nurse"])
    service.answer(detail.case.id, "life_events", None, "", roster["ibd_nurse"])
    answer = item(MeetingService(demo_db, config).case_detail(detail.case.id), "life_events")
    assert answer.confirmed is None
    with demo_db.read() as session:
        rows = session.scalars(
            select(AuditEventRow).where(
                AuditEventRow.entity == "checklist_answer",
                AuditEventRow.patient_id == detail.case.patient.id,
            )
        ).all()
    assert [r.action for r in rows][-2:] == ["create", "update"]
    assert rows[-1].before["confirmed"] == "met"


def test_signed_off_meetings_refuse_answers(demo_db, config, roster):
    service = MeetingService(demo_db, config)
    signed = service.board(service.find_id("2026-10"))
    with pytest.raises(RefusedError, match="signed off"):
        ChecklistService(demo_db, config).answer(
            signed.cases[0].case.id, "crp", MET, "", roster["ibd_consultant"]
        )


@pytest.mark.parametrize("role", ["coordinator"])
def test_roles_that_may_not_answer(demo_db, config, planned, roster, role):
    with pytest.raises(RefusedError, match="may not confirm checklist items"):
        ChecklistService(demo_db, config).answer(
            planned.cases[0].case.id, "crp", MET, "", roster[role]
        )


def test_someone_not_on_the_roster_is_refused(demo_db, config, planned):
    with pytest.raises(RefusedError, match="not an active member"):
        ChecklistService(demo_db, config).answer(
            planned.cases[0].case.id, "crp", MET, "", Actor(999, "Stranger")
        )


def test_unknown_item_and_a_failed_write_leave_nothing(demo_db, config, planned, roster):
    with demo_db.read() as session:
        before = len(session.scalars(select(ChecklistAnswerRow)).all())
    with pytest.raises(ValidationError, match="not in the checklist"):
        ChecklistService(demo_db, config).answer(
            planned.cases[0].case.id, "tea", MET, "", roster["ibd_nurse"]
        )
    with demo_db.read() as session:
        assert len(session.scalars(select(ChecklistAnswerRow)).all()) == before
