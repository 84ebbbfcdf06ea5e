"""The administrators' monthly summary on the demo database, checked against the meetings."""

from __future__ import annotations

import csv
import sqlite3
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.enums import CaseStatus, Outcome, Role
from mdt_desktop.domain.errors import RefusedError, ValidationError
from mdt_desktop.domain.history import current_anti_tnf
from mdt_desktop.domain.monthly_summary import administrations_per_year
from mdt_desktop.models import ActionRow
from mdt_desktop.services.chase import ChaseService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.monthly_summary import MonthlySummaryService
from mdt_desktop.services.open_actions import OpenActionService
from mdt_desktop.services.patients import PatientService
from mdt_desktop.services.roster import RosterService
from tests.conftest import AS_OF


@pytest.fixture
def service(demo_db, config):
    return MonthlySummaryService(demo_db, config)


def member(db, role):
    clinician = next(c for c in RosterService(db).clinicians() if c.role is role)
    return Actor(clinician.id, clinician.name)


def every_action(db, config):
    meetings = MeetingService(db, config)
    for item in meetings.list_meetings():
        meeting = meetings.get(item.id)
        for case in meeting.cases:
            for action in case.actions:
                yield meeting, case, action


def test_the_month_counts_its_cases_and_decisions(service, demo_db, config):
    summary = service.summary("2026-10", AS_OF)
    meeting = MeetingService(demo_db, config).find("2026-10")
    (figures,) = summary.meetings
    assert figures.meeting_date == meeting.meeting_date
    assert figures.listed == len(meeting.cases) == summary.listed
    assert figures.discussed == sum(c.status is CaseStatus.DISCUSSED for c in meeting.cases)
    assert figures.deferred == sum(c.status is CaseStatus.DEFERRED for c in meeting.cases)
    assert figures.pending == figures.listed - figures.discussed - figures.deferred
    expected = dict.fromkeys(Outcome, 0)
    for case in meeting.cases:
        if case.decision:
            expected[case.decision.outcome] += 1
    assert summary.decisions == expected
    assert list(summary.decisions) == list(Outcome)  # every type shown, zeros included


def test_outstanding_data_is_the_chase_list_on_the_meeting_date(service, demo_db, config):
    summary = service.summary("2026-11", AS_OF)
    chase = ChaseService(demo_db, config).find("2026-11")
    (figures,) = summary.meetings
    assert (figures.outstanding_items, figures.outstanding_patients) == (
        len(chase.rows),
        chase.patients,
    )
    assert sum(summary.outstanding_by_item.values()) == len(chase.rows)


def test_administrations_avoided_follow_the_regimens_before_and_after(service, demo_db, config):
    summary = service.summary("2026-10", AS_OF)
    meeting = MeetingService(demo_db, config).find("2026-10")
    de_escalated = [
        c for c in meeting.cases if c.decision and c.decision.outcome is Outcome.DE_ESCALATE
    ]
    assert len(summary.reductions) == len(de_escalated) >= 2
    expected_total = 0.0
    for case in de_escalated:
        decision = case.decision
        record = PatientService(demo_db).get_record(case.patient.hospital_number)
        day = min(meeting.meeting_date, decision.effective_date - timedelta(days=1))
        before = current_anti_tnf(record.medications, day).regimen
        (reduction,) = [
            r for r in summary.reductions if r.hospital_number == case.patient.hospital_number
        ]
        assert reduction.before == before
        assert reduction.after == decision.target_regimen
        assert reduction.effective == decision.effective_date
        assert reduction.started  # the demo starts every decided regimen
        avoided = administrations_per_year(before) - administrations_per_year(
            decision.target_regimen
        )
        assert reduction.administrations_avoided == pytest.approx(avoided)
        expected_total += avoided
    assert summary.administrations_avoided == pytest.approx(expected_total)
    assert sum(s.decisions for s in summary.savings) == len(de_escalated)
    assert {s.drug for s in summary.savings} == {r.drug for r in summary.reductions}


def test_actions_overdue_come_from_every_meeting(service, demo_db, config):
    summary = service.summary("2026-10", AS_OF)
    expected = {
        (case.patient.hospital_number, action.description, action.due)
        for _meeting, case, action in every_action(demo_db, config)
        if action.due and action.due < AS_OF and action.done_at is None
    }
    assert expected  # the demo leaves some letters unwritten
    found = {(a.hospital_number, a.description, a.due) for a in summary.actions_overdue}
    assert found == expected
    assert any(a.meeting_date.month != 10 for a in summary.actions_overdue)
    days = [a.days_overdue for a in summary.actions_overdue]
    assert days == sorted(days, reverse=True)
    assert all(a.days_overdue == (AS_OF - a.due).days for a in summary.actions_overdue)


def test_an_action_done_after_the_summary_date_was_still_open_on_it(service, demo_db, config):
    summary = service.summary("2026-10", AS_OF)
    first = summary.actions_overdue[0]
    with demo_db.write() as session:
        action_id = session.scalar(
            select(ActionRow.id).where(
                ActionRow.description == first.description,
                ActionRow.due_date == first.due,
                ActionRow.done_at.is_(None),
            )
        )
        session.execute(
            update(ActionRow)
            .where(ActionRow.id == action_id)
            .values(done_at=datetime.combine(AS_OF, datetime.min.time()) + timedelta(hours=10))
        )
    assert (
        len(service.summary("2026-10", AS_OF).actions_overdue) == len(summary.actions_overdue) - 1
    )
    day_before = AS_OF - timedelta(days=1)
    earlier = service.summary("2026-10", day_before)
    assert any(a.due == first.due for a in earlier.actions_overdue)
    assert all(a.due < day_before for a in earlier.actions_overdue)


def test_a_month_without_a_meeting_still_lists_overdue_actions(service):
    summary = service.summary("2026-07", AS_OF)
    assert summary.meetings == ()
    assert summary.listed == 0
    assert sum(summary.decisions.values()) == 0
    assert summary.reductions == ()
    assert summary.actions_overdue  # across meetings, whatever the month
    assert summary.as_json()["meetings"] == []


@pytest.mark.parametrize("month", ["2026-13", "October", "2026-1", ""])
def test_a_malformed_month_is_refused(service, month):
    with pytest.raises(ValidationError, match="YYYY-MM"):
        service.summary(month, AS_OF)


def test_the_default_month_is_that_of_the_latest_meeting_held(service):
    assert service.latest_month(AS_OF) == date(2026, 10, 1)  # 25 Nov is still to come
    assert service.latest_month(date(2026, 11, 25)) == date(2026, 11, 1)
    assert service.latest_month(date(2020, 5, 17)) == date(2020, 5, 1)  # no meeting yet


def test_json_has_the_figures(service):
    document = service.summary("2026-10", AS_OF).as_json()
    assert document["month"] == "2026-10"
    assert document["as_of"] == AS_OF.isoformat()
    assert set(document) >= {
        "meetings",
        "listed",
        "discussed",
        "deferred",
        "decisions",
        "outstanding_data",
        "actions_overdue",
        "administrations_avoided_per_year",
        "by_drug",
        "de_escalations",
    }
    assert set(document["decisions"]) == {o.value for o in Outcome}
    assert document["actions_overdue"] == len(document["overdue_actions"])
    assert document["administrations_avoided_per_year"] == pytest.approx(
        sum(d["administrations_avoided_per_year"] for d in document["by_drug"]), abs=0.11
    )


def test_the_coordinator_saves_pdf_and_csv_and_both_are_audited(
    service, demo_db, demo_path, tmp_path
):
    summary = service.summary("2026-10", AS_OF)
    coordinator = member(demo_db, Role.COORDINATOR)
    pdf = service.save(summary, tmp_path / "summary.pdf", coordinator)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf.path).pages).split())
    assert "Monthly summary — October 2026" in text
    assert "Decisions by type" in text
    assert "De-escalate" in text
    assert f"{summary.administrations_avoided:.1f}" in text
    assert summary.actions_overdue[0].hospital_number in text
    assert "hospital numbers only, no names" in text
    assert "(DEMO)," not in text  # no patient is named ("FAMILY (DEMO), Given")
    saved = service.save(summary, tmp_path / "summary.csv", coordinator)
    with saved.path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    totals = {r["item"]: r["value"] for r in rows if r["section"] == "totals"}
    assert totals["candidates listed"] == str(summary.listed)
    assert totals["actions overdue"] == str(len(summary.actions_overdue))
    decisions = {r["item"]: int(r["value"]) for r in rows if r["section"] == "decisions"}
    assert decisions == {o.label: n for o, n in summary.decisions.items()}
    with sqlite3.connect(demo_path) as connection:
        audited = connection.execute(
            "SELECT actor, entity, after FROM audit_events WHERE action = 'export'"
        ).fetchall()
    assert [(a, e) for a, e, _ in audited] == [(coordinator.name, "monthly_summary")] * 2
    assert '"month": "2026-10"' in audited[0][2]


def test_a_nurse_may_not_save_it(service, demo_db, tmp_path):
    summary = service.summary("2026-10", AS_OF)
    with pytest.raises(RefusedError, match="may not export"):
        service.save(summary, tmp_path / "s.pdf", member(demo_db, Role.IBD_NURSE))
    assert not (tmp_path / "s.pdf").exists()


def test_the_pdf_is_reproducible(service, tmp_path):
    from mdt_desktop.reports.minutes import BuildOptions

    summary = service.summary("2026-10", AS_OF)
    options = BuildOptions(generated=datetime(2026, 11, 24, 9, 0), invariant=True)
    first = service.save(summary, tmp_path / "a.pdf", None, options).path.read_bytes()
    second = service.save(summary, tmp_path / "b.pdf", None, options).path.read_bytes()
    assert first == second


def test_overdue_actions_agree_with_the_meeting_screen_on_the_same_reference_date(
    service, demo_db, config
):
    # The meeting screen counts an earlier meeting's action overdue when it was due before the
    # meeting date and is not done; the summary, when due before "Actions overdue on" and not
    # done by the end of that day. On the same day (the planned meeting's, 25 Nov 2026) they
    # count the same actions.
    meetings = MeetingService(demo_db, config)
    planned = meetings.get(meetings.find_id(AS_OF.strftime("%Y-%m")))
    on = planned.meeting_date
    listed = OpenActionService(demo_db).for_meeting(planned.id)
    screen = {a.id for a in listed if a.overdue(on)}
    summary = service.summary("2026-11", on)
    assert screen  # the demo has overdue actions at its planned meeting
    assert len(summary.actions_overdue) == len(screen)
    assert {(a.hospital_number, a.due) for a in summary.actions_overdue} == {
        (a.patient.hospital_number, a.due) for a in listed if a.id in screen
    }
