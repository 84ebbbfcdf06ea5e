"""The demo's audit trail is the app's: every kind of change it records has the shape the services
write when a meeting is run by hand, and no audit time lies after the demo's as-of date."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, time, timedelta

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.consensus import ActionInput, DecisionInput, target_options
from mdt_desktop.domain.enums import (
    AttendanceStatus,
    ChecklistResult,
    Interpretation,
    MeetingStatus,
    Outcome,
    Position,
    Role,
)
from mdt_desktop.domain.history import current_anti_tnf
from mdt_desktop.domain.positions import PositionInput
from mdt_desktop.models.db import open_database
from mdt_desktop.services.annotations import ANNOTATED, AnnotationService
from mdt_desktop.services.audit import verify_chain
from mdt_desktop.services.checklist_answers import ChecklistService
from mdt_desktop.services.clock import SetClock
from mdt_desktop.services.decisions import DecisionService
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.notes import NoteService
from mdt_desktop.services.patients import PatientService
from mdt_desktop.services.positions import PositionService
from mdt_desktop.services.roster import RosterAdmin, RosterService
from mdt_desktop.services.signoff import SignOffService
from tests.conftest import AS_OF

FEED = ("import", "patient")  # the demo's stand-in for the hospital feed (services/record_feed.py)


def shapes(path, after_id=0):
    """{(action, entity): {(has entity id, before keys, after keys)}} of the audit rows."""
    raw = sqlite3.connect(path)
    try:
        rows = raw.execute(
            "SELECT action, entity, entity_id, json(before), json(after) FROM audit_events "
            "WHERE id > ?",
            (after_id,),
        ).fetchall()
    finally:
        raw.close()
    found: dict[tuple[str, str], set] = {}
    for action, entity, entity_id, before, after in rows:
        found.setdefault((action, entity), set()).add(
            (entity_id is not None, _keys(before), _keys(after))
        )
    return found


def _keys(payload):
    loaded = None if payload is None else json.loads(payload)
    return None if loaded is None else frozenset(loaded)


def last_audit_id(path):
    raw = sqlite3.connect(path)
    try:
        return raw.execute("SELECT max(id) FROM audit_events").fetchone()[0]
    finally:
        raw.close()


def run_a_meeting_by_hand(db, config):
    """This month's planned meeting, run through the services as its users would run it."""
    meetings = MeetingService(db, config)
    planned = next(m for m in meetings.list_meetings() if m.status is MeetingStatus.PLANNED)
    day = planned.meeting_date
    clock = SetClock(datetime.combine(day, time(9, 0)))
    roster = RosterService(db).clinicians()
    people = {c.role: Actor(c.id, c.name) for c in reversed(roster)}
    coordinator, pharmacist = people[Role.COORDINATOR], people[Role.PHARMACIST]
    nurse = people[Role.IBD_NURSE]
    board = meetings.get(planned.id)
    chair = Actor(board.chair_id, next(c.name for c in roster if c.id == board.chair_id))
    admin = MeetingAdminService(db, config, clock=clock)
    RosterAdmin(db, clock=clock).add("Dr Hand (DEMO)", Role.IBD_CLINICIAN, coordinator)
    admin.create_meeting(day + timedelta(days=35), chair.id, coordinator, "Room 2")
    suggestion = admin.suggestions(planned.id)[0]
    admin.add_candidate(planned.id, suggestion.patient.hospital_number, coordinator)
    cases = meetings.get(planned.id).cases
    first = cases[0]
    record = PatientService(db).get_record(first.patient.hospital_number)
    level = max(
        (o for o in record.observations if o.analyte in ANNOTATED and o.collected_at.date() < day),
        key=lambda o: o.collected_at,
    )
    AnnotationService(db, clock=clock).annotate(
        level.id, Interpretation.WITHIN_TARGET, "Adequate", "", pharmacist, case_id=first.id
    )
    clock.set(datetime.combine(day, time(13, 0)))
    statuses = {c.id: AttendanceStatus.PRESENT for c in RosterService(db).clinicians()}
    admin.set_attendance(planned.id, statuses, coordinator)
    NoteService(db, clock=clock).add(first.id, "Seen in clinic.", nurse)
    checklist = ChecklistService(db, config, clock=clock)
    for item in config.checklist[:3]:
        checklist.answer(first.id, item.key, ChecklistResult.MET, "Confirmed", nurse)
    current = current_anti_tnf(record.medications, day, config.regimens)
    assert current is not None
    target = target_options(current.regimen, config.regimens, Outcome.DE_ESCALATE)[0]
    decisions = DecisionService(db, config.regimens, clock=clock)
    action = ActionInput("Book the new regimen", coordinator.id, day + timedelta(days=7))
    decided = decisions.record(
        first.id,
        DecisionInput(
            Outcome.DE_ESCALATE,
            "In remission",
            target,
            day + timedelta(days=14),
            next_review=day + timedelta(days=180),
            actions=(action,),
        ),
        chair,
    )
    voters = [c for c in RosterService(db).clinicians() if c.role is not Role.OBSERVER]
    PositionService(db, clock=clock).record(
        first.id, [PositionInput(c.id, Position.AGREE) for c in voters], chair
    )
    for case in cases[1:]:
        decisions.record(case.id, DecisionInput(Outcome.CONTINUE_INTENSIFIED, "Not yet"), chair)
    clock.set(datetime.combine(day, time(16, 30)))
    SignOffService(db, config, clock=clock).sign_off(planned.id, chair)
    clock.set(datetime.combine(day + timedelta(days=2), time(10, 0)))
    decisions.amend(
        decided,
        DecisionInput(
            Outcome.DE_ESCALATE,
            "In remission",
            target,
            day + timedelta(days=14),
            next_review=day + timedelta(days=90),
        ),
        "Review sooner",
        chair,
    )
    action_id = meetings.get(planned.id).cases[0].actions[0].id
    decisions.complete_action(action_id, coordinator)


def test_the_demo_writes_every_kind_of_change_as_the_services_do(demo_path, demo_master, config):
    before = last_audit_id(demo_path)
    db = open_database(demo_path)
    try:
        run_a_meeting_by_hand(db, config)
    finally:
        db.close()
    by_hand = shapes(demo_path, before)
    demo = shapes(demo_master)
    assert set(demo) - {FEED} <= set(by_hand), set(demo) - {FEED} - set(by_hand)
    for kind, found in demo.items():
        if kind != FEED:
            assert found <= by_hand[kind], (kind, found - by_hand[kind])


def test_no_audit_time_is_after_the_as_of_date_and_the_chain_holds(demo_master):
    raw = sqlite3.connect(demo_master)
    try:
        times = [row[0] for row in raw.execute("SELECT occurred_at FROM audit_events ORDER BY id")]
    finally:
        raw.close()
    stamps = [datetime.fromisoformat(t) for t in times]
    assert max(stamps).date() <= AS_OF
    assert stamps == sorted(stamps)  # written in the order things happened
    db = open_database(demo_master, read_only=True)
    try:
        with db.read() as session:
            assert verify_chain(session).intact
    finally:
        db.close()
