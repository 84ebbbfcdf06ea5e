"""The follow-up worklist on the demo database, and listing a patient for the next meeting."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.enums import Drug
from mdt_desktop.domain.errors import NotFoundError, RefusedError, ValidationError
from mdt_desktop.domain.flare import FlareStatus
from mdt_desktop.domain.followup import FollowUpRules, in_first_year, in_recapture_watch
from mdt_desktop.domain.outcomes import FailureReason, OutcomeRules, episodes
from mdt_desktop.domain.records import Administration
from mdt_desktop.models import AuditEventRow, PatientRow
from mdt_desktop.services.followup import LISTING_REASON, FollowUpService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.outcomes import OutcomeService
from mdt_desktop.services.patients import PatientService
from mdt_desktop.services.roster import RosterService
from tests.conftest import AS_OF
from tests.ehr_cohort import AS_OF as EHR_AS_OF
from tests.ehr_cohort import Case, crp, patient_record, statement, write
from tests.factories import insert_observation

COORDINATOR, NURSE = "Sam Patel", "Kate Doyle"
NEXT_MEETING = AS_OF + timedelta(days=1)  # the demo's planned meeting, 25 Nov 2026


def actor(db, name):
    member = next(c for c in RosterService(db).clinicians() if name in c.name)
    return Actor(member.id, member.name)


@pytest.fixture
def service(demo_db, config):
    return FollowUpService(demo_db, config)


def expected_patients(db, config):
    """Who is in their first year, found one patient at a time with the domain functions."""
    outcome_rules = OutcomeRules.from_config(config)
    rules = FollowUpRules.from_thresholds(config.thresholds)
    with db.read() as session:
        numbers = list(session.scalars(select(PatientRow.hospital_number)))
    found = set()
    for number in numbers:
        record = PatientService(db).get_record(number)
        if any(
            in_first_year(e, AS_OF, rules) or in_recapture_watch(e, AS_OF, rules)
            for e in episodes(record, AS_OF, outcome_rules)
        ):
            found.add(number)
    return found


def test_worklist_lists_the_de_escalated_patients_in_their_first_year(service, demo_db, config):
    rows = service.worklist(AS_OF)
    assert {r.hospital_number for r in rows} == expected_patients(demo_db, config)
    assert len(rows) >= 5
    for row in rows:
        # months since the de-escalation: at most 12, or re-escalated within 12 (then watched)
        end = row.re_escalated_on or AS_OF
        assert 0 <= (end - row.since).days / 30.4375 <= 12
        assert row.after.intensity.value < row.before.intensity.value
        assert row.checks  # every row is followed against a plan
        assert (row.re_escalated_on is None) is (row.recapture_text == "")
    assert [r.priority for r in rows] == sorted(r.priority for r in rows)


def test_failed_de_escalations_are_left_out_unless_watched_for_recapture(service, demo_db, config):
    outcome_rules = OutcomeRules.from_config(config)
    failed = {
        number: e
        for number in ("DEMO10017",)
        for e in episodes(PatientService(demo_db).get_record(number), AS_OF, outcome_rules)
        if e.failed
    }
    assert failed["DEMO10017"].reason is FailureReason.RE_ESCALATION  # the demo re-escalates it
    rows = {r.hospital_number: r for r in service.worklist(AS_OF)}
    audit = OutcomeService(demo_db, config).audit(AS_OF)
    other_failures = {
        e.hospital_number
        for e in audit.episodes
        if e.failed and e.reason is not FailureReason.RE_ESCALATION
    }
    assert other_failures  # steroids, surgery…: the failure is final, nothing to watch
    assert not other_failures & set(rows)
    re_escalated = failed["DEMO10017"].failed_on
    # re-escalated within the recapture window (6 months): watched until it closes
    assert re_escalated + timedelta(days=round(6 * 30.4375)) >= AS_OF
    watched = rows["DEMO10017"]
    assert watched.re_escalated_on == re_escalated
    assert watched.recapture_until == re_escalated + timedelta(days=183)
    if watched.recaptured is None:
        assert watched.recapture_text == (
            f"Re-escalated {re_escalated:%d %b %Y}: recapture pending until "
            f"{re_escalated + timedelta(days=183):%d %b %Y}"
        )


def test_checks_come_from_the_decision_or_else_the_default_plan(service):
    rows = service.worklist(AS_OF)
    decided = [r for r in rows if r.plan_source.startswith("MDT decision of ")]
    imported = [r for r in rows if r.plan_source.startswith("Default plan from ")]
    assert decided
    assert imported
    assert len(decided) + len(imported) == len(rows)
    assert all("no MDT decision recorded" in r.plan_source for r in imported)
    assert any(r.overdue for r in imported)  # the longest-followed have missed some results


def test_worklist_reads_in_a_few_queries(service, demo_db):
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(demo_db.engine, "before_cursor_execute", count)
    try:
        rows = service.worklist(AS_OF)
    finally:
        event.remove(demo_db.engine, "before_cursor_execute", count)
    assert len(rows) > 5
    # periods, results, events, doses given, patients, discussed reviews, decided plans (two)
    # and listings, whatever the number of patients: not one query per patient
    assert len(statements) <= 10


def test_a_flare_is_flagged_with_its_evidence_and_sorted_first(service, demo_db):
    number = service.worklist(AS_OF)[-1].hospital_number
    with demo_db.write() as session:
        patient_id = session.scalar(
            select(PatientRow.id).where(PatientRow.hospital_number == number)
        )
        for analyte, value, unit in (("faecal_calprotectin", 900, "ug/g"), ("crp", 40, "mg/L")):
            insert_observation(
                session,
                patient_id,
                analyte=analyte,
                value=value,
                unit=unit,
                original_value=str(value),
                original_unit=unit,
                collected_at=datetime(2026, 11, 20, 9, 0),
            )
    first = service.worklist(AS_OF)[0]
    assert first.hospital_number == number
    assert first.status is FlareStatus.FLARE
    assert first.flare.met >= 2
    assert "Faecal calprotectin: 900 ug/g on 20 Nov 2026 — met (> 250 ug/g) [S20, S21]" in (
        first.flare.lines()
    )


def test_coordinator_adds_a_patient_to_the_next_planned_meeting(service, demo_db, config):
    number = service.worklist(AS_OF)[0].hospital_number
    meeting = service.add_to_next_meeting(number, actor(demo_db, COORDINATOR), AS_OF)
    assert meeting.meeting_date == NEXT_MEETING
    listed = MeetingService(demo_db, config).get(meeting.id)
    case = next(c for c in listed.cases if c.patient.hospital_number == number)
    assert case.position == len(listed.cases)  # at the end of the list
    row = next(r for r in service.worklist(AS_OF) if r.hospital_number == number)
    assert row.listed_on == NEXT_MEETING
    with demo_db.read() as session:
        last = session.scalars(select(AuditEventRow).order_by(AuditEventRow.id.desc())).first()
    assert (last.action, last.entity) == ("create", "case_review")
    assert last.actor.startswith(COORDINATOR)
    assert last.after["reason"] == LISTING_REASON


def test_adding_twice_says_the_patient_is_already_listed(service, demo_db):
    number = service.worklist(AS_OF)[0].hospital_number
    coordinator = actor(demo_db, COORDINATOR)
    service.add_to_next_meeting(number, coordinator, AS_OF)
    with pytest.raises(ValidationError, match="already on the list of the MDT of 25 Nov 2026"):
        service.add_to_next_meeting(number, coordinator, AS_OF)


def test_a_nurse_may_not_list_patients(service, demo_db):
    number = service.worklist(AS_OF)[0].hospital_number
    with pytest.raises(RefusedError, match="may not prepare meetings"):
        service.add_to_next_meeting(number, actor(demo_db, NURSE), AS_OF)


def test_without_a_planned_meeting_the_error_says_to_plan_one(service, demo_db):
    number = service.worklist(AS_OF)[0].hospital_number
    after = NEXT_MEETING + timedelta(days=1)
    assert service.next_meeting(after) is None
    with pytest.raises(NotFoundError, match="no planned meeting on or after 26 Nov 2026"):
        service.add_to_next_meeting(number, actor(demo_db, COORDINATOR), after)


def test_the_worklist_shows_the_last_contact_and_flags_a_patient_gone_quiet(db, config):
    """Two patients de-escalated on 1 Dec 2025 (IFX q4w -> q8w), statements still "active".
    EHR21's last result is 15 Dec 2025: 344 days (11.3 months) before 24 Nov 2026, more than
    9 months: gone quiet. EHR22 had an infusion recorded on 3 Nov 2026 (21 days): not quiet."""
    de_escalated = date(2025, 12, 1)
    periods = (
        statement(Drug.INFLIXIMAB_IV, 5, 28, date(2024, 2, 5), de_escalated),
        statement(Drug.INFLIXIMAB_IV, 5, 56, de_escalated),
    )
    quiet = patient_record(21, periods, (crp(date(2025, 12, 15)),), seen_until=date(2024, 1, 1))
    seen = patient_record(
        22,
        periods,
        (crp(date(2025, 12, 15)),),
        administrations=(Administration(None, Drug.INFLIXIMAB_IV, date(2026, 11, 3), 5.0),),
        seen_until=date(2024, 1, 1),
    )
    write(db, [Case(quiet), Case(seen)])
    ordered = FollowUpService(db, config).worklist(EHR_AS_OF)
    rows = {r.hospital_number: r for r in ordered}
    assert rows["EHR21"].quiet
    assert rows["EHR21"].contact_text == "Result (C-reactive protein) on 15 Dec 2025"
    assert not rows["EHR22"].quiet
    assert rows["EHR22"].contact_text == "Dose given (Infliximab IV) on 03 Nov 2026"
    assert ordered[0].hospital_number == "EHR21"  # gone quiet: listed first (no flare flags)
