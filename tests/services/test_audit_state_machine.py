"""Audit completeness: random sequences of real service calls by random roster members.

Every call either fails with an MdtError and changes nothing at all (no audit row, no row of any
MDT table, no medication history), or succeeds and leaves audit rows that name the person acting
and the entity that changed. After every step the hash chain is intact, the log only grows, and
every checklist answer, decision, note and drug-level annotation created during the run has an
audit row whose latest version matches what is stored (the items that sign-off stores for nobody
answered have "freeze" rows).

Actors are drawn from the whole roster (and two strangers), so many calls are refused by the role
matrix, the chair rule or the sign-off lock; a composite rule runs a meeting to sign-off so that
the lock and amendments are exercised too.

Each run works on its own copy of the demo database (``demo_master``).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import func, select, text

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.catalogue import DRUG_LEVEL_ANALYTES, DRUGS
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.consensus import ActionInput, DecisionInput, propose_target
from mdt_desktop.domain.enums import (
    Analyte,
    AttendanceStatus,
    ChecklistResult,
    DrugClass,
    Interpretation,
    MeetingStatus,
    Outcome,
    Role,
)
from mdt_desktop.domain.errors import MdtError
from mdt_desktop.domain.history import current_anti_tnf
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.models import (
    ActionRow,
    AnnotationRow,
    AttendanceRow,
    AuditEventRow,
    CaseNoteRow,
    CaseReviewRow,
    ChecklistAnswerRow,
    DecisionRow,
    MedicationPeriodRow,
    MeetingRow,
    ObservationRow,
    PatientRow,
)
from mdt_desktop.models.db import Database, open_database
from mdt_desktop.services.annotations import AnnotationService
from mdt_desktop.services.audit import verify_chain
from mdt_desktop.services.checklist_answers import ChecklistService
from mdt_desktop.services.decisions import DecisionService
from mdt_desktop.services.mapping import medication_from_row
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.notes import NoteService
from mdt_desktop.services.roster import RosterAdmin, RosterService
from mdt_desktop.services.signoff import SignOffService

pytestmark = pytest.mark.slow  # a hypothesis state machine over the services

# Tables a service call may write. A refused call must leave every one of them as it was.
WATCHED = (
    "meetings",
    "clinicians",
    "attendance",
    "case_reviews",
    "checklist_answers",
    "decisions",
    "actions",
    "case_notes",
    "drug_level_annotations",
    "medication_periods",
)
# Rows created during a run must each have an audit row under this entity name.
AUDITED = {
    "checklist_answers": "checklist_answer",
    "decisions": "decision",
    "case_notes": "case_note",
    "drug_level_annotations": "drug_level_annotation",
}
ANNOTATED = (*DRUG_LEVEL_ANALYTES, Analyte.ANTI_DRUG_ANTIBODIES)
MISSING_ID = 987_654  # an id no table uses
STRANGERS = (Actor(None, "Visiting fellow"), Actor(MISSING_ID, "Former registrar"))

# Free text as typed or pasted: any character but surrogates. Control characters (NUL...) are
# refused with a ValidationError before anything is written (models/text_guard.py).
TYPED = st.characters(blacklist_categories=("Cs",))
ACTION_TEXT = st.one_of(
    st.sampled_from(["", " ", "Check the trough level in 8 weeks", "Letter to the GP"]),
    st.text(TYPED, min_size=1, max_size=30),
)
# Free text: mostly worth keeping, sometimes blank, now and then at or over a length limit.
SOME_TEXT = st.integers(0, 9).flatmap(
    lambda n: (
        st.sampled_from(["", "   ", "\t\n"])
        if n == 0
        else st.sampled_from(["x" * 2000, "x" * 2001, "y" * 4000, "y" * 4001, " " + "z" * 2000])
        if n == 1
        else st.sampled_from(["Agreed at the meeting", "Patient keen to step down", "  trailing  "])
        if n < 5
        else st.text(TYPED, min_size=1, max_size=40)
    )
)


def mostly(data: st.DataObject, label: str, usual: list[Any], *others: list[Any]) -> Any:
    """Draw from *usual* three times in four (when it has anything), else from any of *others*."""
    every = [item for group in others for item in group]
    if usual and (not every or data.draw(st.integers(0, 3), label=f"{label}: unusual") < 3):
        return data.draw(st.sampled_from(usual), label=label)
    return data.draw(st.sampled_from(every or usual), label=label)


@dataclass(frozen=True)
class Snapshot:
    """What the watched tables hold, and where the audit log ends."""

    audit_rows: int
    last_audit_id: int
    counts: dict[str, int]
    digests: dict[str, int]  # hash() of every row: equal within one process


@dataclass(frozen=True)
class Expect:
    """What the audit rows of one successful call must look like."""

    entities: frozenset[str]
    main: str  # at least one row has this entity (and entity_id, when given)
    entity_id: int | None = None
    rows: int | None = None  # exactly this many audit rows, when known
    patient_id: int | None = None
    meeting_id: int | None = None


class AuditMachine(RuleBasedStateMachine):
    """Drives the services of one private demo database."""

    master: ClassVar[Path]
    config: ClassVar[ClinicalConfig]

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="mdt-audit-machine-"))
        path = self.folder / "demo.sqlite3"
        shutil.copy(self.master, path)
        self.db: Database | None = None
        self.db = open_database(path)
        db, config = self.db, self.config
        self.checklist = ChecklistService(db, config)
        self.decisions = DecisionService(db)
        self.notes = NoteService(db)
        self.annotations = AnnotationService(db)
        self.admin = MeetingAdminService(db, config)
        self.signoff = SignOffService(db, config)
        self.roster_admin = RosterAdmin(db)
        self.planned_id = MeetingService(db, config).find_id("2026-11")
        self.members = [
            Actor(c.id, c.name) for c in RosterService(db).clinicians(active_only=False)
        ]
        self.roles = {c.id: c.role for c in RosterService(db).clinicians(active_only=False)}
        self.item_keys = [item.key for item in config.checklist]
        with db.read() as session:
            self.hospital_numbers = list(
                session.scalars(select(PatientRow.hospital_number).order_by(PatientRow.id))
            )
            self.start_ids = {
                table: session.scalar(text(f"SELECT coalesce(max(id), 0) FROM {table}"))
                for table in AUDITED
            }
        self.audit_rows = self.snapshot().audit_rows

    def teardown(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- observing the database ------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        assert self.db is not None
        counts, digests = {}, {}
        with self.db.read() as session:
            for table in WATCHED:
                rows = tuple(
                    tuple(row)
                    for row in session.execute(text(f"SELECT * FROM {table} ORDER BY id"))
                )
                counts[table] = len(rows)
                digests[table] = hash(rows)
            audit_rows = session.scalar(select(func.count()).select_from(AuditEventRow))
            last = session.scalar(select(func.max(AuditEventRow.id)))
        return Snapshot(audit_rows or 0, last or 0, counts, digests)

    def new_audit_rows(self, after_id: int) -> list[AuditEventRow]:
        assert self.db is not None
        with self.db.read() as session:
            return list(
                session.scalars(
                    select(AuditEventRow)
                    .where(AuditEventRow.id > after_id)
                    .order_by(AuditEventRow.id)
                )
            )

    def read(self, statement: Any) -> list[Any]:
        assert self.db is not None
        with self.db.read() as session:
            return [tuple(row) for row in session.execute(statement)]

    # --- one call --------------------------------------------------------------------------------

    def perform(self, name: str, actor: Actor, call: Any, expect: Any) -> Any:
        """Run *call*; check what it left behind, refused or not. Return its result or None.

        *expect* maps the call's result to an Expect (or is one).
        """
        before = self.snapshot()
        try:
            result = call()
        except MdtError as error:
            refusal: MdtError | None = error
        else:
            refusal = None
        if refusal is not None:
            event(f"{name}: {type(refusal).__name__}")
            assert self.snapshot() == before, f"{name} by {actor.name} failed but left changes"
            return None
        event(f"{name}: done")
        expected = expect(result) if callable(expect) else expect
        after = self.snapshot()
        rows = self.new_audit_rows(before.last_audit_id)
        assert after.audit_rows == before.audit_rows + len(rows)
        if expected.rows is not None:
            assert len(rows) == expected.rows, f"{name}: {[(r.action, r.entity) for r in rows]}"
        if expected.rows != 0:
            assert rows, f"{name} by {actor.name} succeeded without an audit row"
            assert any(
                r.entity == expected.main
                and (expected.entity_id is None or r.entity_id == expected.entity_id)
                for r in rows
            ), f"{name}: no audit row for {expected.main} {expected.entity_id}"
        else:
            assert after == before, f"{name}: a change without an audit row"
        for row in rows:
            assert (row.actor, row.actor_id) == (actor.name, actor.id), (name, row.actor)
            assert row.entity in expected.entities, (name, row.entity)
            if expected.patient_id is not None and row.patient_id is not None:
                assert row.patient_id == expected.patient_id, (name, row.entity)
            if expected.meeting_id is not None:
                assert row.meeting_id == expected.meeting_id, (name, row.entity)
        return result

    # --- drawing arguments -----------------------------------------------------------------------

    def actor(self, data: st.DataObject, *roles: Role) -> Actor:
        """Anyone on the roster (or a stranger); half the time someone with one of *roles*."""
        fitting = [a for a in self.members if self.roles[a.id] in roles]
        anyone = st.sampled_from([*self.members, *STRANGERS])
        if fitting:
            return data.draw(st.one_of(st.sampled_from(fitting), anyone), label="actor")
        return data.draw(anyone, label="actor")

    def chair_or_anyone(self, data: st.DataObject, meeting_id: int) -> Actor:
        chair_id = self.read(select(MeetingRow.chair_id).where(MeetingRow.id == meeting_id))[0][0]
        chair = next(a for a in self.members if a.id == chair_id)
        return data.draw(
            st.one_of(st.just(chair), st.sampled_from([*self.members, *STRANGERS])),
            label="actor",
        )

    def meeting(self, data: st.DataObject) -> tuple[int, date]:
        """(meeting id, date): mostly this month's meeting, else any (signed off or new)."""
        rows = self.read(select(MeetingRow.id, MeetingRow.meeting_date).order_by(MeetingRow.id))
        planned = [r for r in rows if r[0] == self.planned_id]
        return mostly(data, "meeting", planned, rows)

    def case(self, data: st.DataObject) -> tuple[int, int, int]:
        """(case id, patient id, meeting id): mostly of open meetings, else any or none."""
        query = select(CaseReviewRow.id, CaseReviewRow.patient_id, CaseReviewRow.meeting_id).join(
            MeetingRow, CaseReviewRow.meeting_id == MeetingRow.id
        )
        every = self.read(query.order_by(CaseReviewRow.id))
        opened = self.read(
            query.where(MeetingRow.status != MeetingStatus.SIGNED_OFF.value).order_by(
                CaseReviewRow.id
            )
        )
        return mostly(data, "case", opened, every, [(MISSING_ID, 0, 0)])

    def current_regimen(self, case_id: int) -> tuple[Regimen | None, date]:
        """The anti-TNF regimen the meeting reviews, as the chair sees it (not its own changes)."""
        assert self.db is not None
        with self.db.read() as session:
            case = session.get_one(CaseReviewRow, case_id)
            on = case.meeting.meeting_date
            own = {d.id for d in case.decisions}
            rows = [
                p
                for p in session.scalars(
                    select(MedicationPeriodRow).where(
                        MedicationPeriodRow.patient_id == case.patient_id
                    )
                )
                if DRUGS[medication_from_row(p).drug].drug_class is DrugClass.ANTI_TNF
                and p.phase == "maintenance"
                and p.decision_id not in own
            ]
            closed = [p for p in rows if p.closed_by_decision_id in own]
            if closed:
                return medication_from_row(closed[-1]).regimen, on
            period = current_anti_tnf([medication_from_row(p) for p in rows], on)
            return (period.regimen if period else None), on

    def chair_id(self, data: st.DataObject) -> int:
        """Mostly an IBD consultant; sometimes anyone, or no one on the roster."""
        ids = [a.id for a in self.members if a.id is not None]
        consultants = [i for i in ids if self.roles[i] is Role.IBD_CONSULTANT]
        return mostly(data, "chair", consultants, ids, [MISSING_ID])

    def decision_input(self, data: st.DataObject, case_id: int) -> DecisionInput:
        current, on = self.current_regimen(case_id)
        outcome = data.draw(st.sampled_from(Outcome), label="outcome")
        proposed = propose_target(current, self.config.regimens)
        odd = data.draw(st.integers(0, 9), label="odd target") == 0
        if outcome is Outcome.DE_ESCALATE:
            target = current if odd else proposed  # the current regimen is no step down
        else:
            target = (proposed or current) if odd else None  # this outcome keeps the regimen
        days = data.draw(st.integers(-20, 400), label="effective in days")
        ids = [a.id for a in self.members if a.id is not None]
        actions = data.draw(
            st.lists(
                st.builds(
                    ActionInput,
                    description=ACTION_TEXT,
                    owner_id=st.sampled_from([*ids, MISSING_ID]),
                    due=st.none() | st.integers(-10, 90).map(lambda n: on + timedelta(days=n)),
                ),
                max_size=2,
            ),
            label="actions",
        )
        return DecisionInput(
            outcome=outcome,
            rationale=data.draw(SOME_TEXT, label="rationale"),
            target=target,
            effective_date=on + timedelta(days=days) if days < 390 else None,
            dissent=data.draw(st.sampled_from(["", "Dr X preferred to wait"]), label="dissent"),
            next_review=data.draw(
                st.none() | st.integers(-10, 200).map(lambda n: on + timedelta(days=n)),
                label="next review",
            ),
            actions=tuple(actions),
        )

    # --- rules -----------------------------------------------------------------------------------

    @rule(data=st.data())
    def answer_checklist_item(self, data: st.DataObject) -> None:
        case_id, patient_id, meeting_id = self.case(data)
        key = data.draw(st.sampled_from([*self.item_keys, "no_such_item"]), label="item")
        result = data.draw(st.none() | st.sampled_from(ChecklistResult), label="result")
        reason = data.draw(SOME_TEXT, label="reason")
        actor = self.actor(data, Role.IBD_NURSE, Role.IBD_CONSULTANT, Role.RADIOLOGIST)

        def expect(_: None) -> Expect:
            answer = self.read(
                select(ChecklistAnswerRow.id, ChecklistAnswerRow.confirmed).where(
                    ChecklistAnswerRow.case_review_id == case_id,
                    ChecklistAnswerRow.item_key == key,
                )
            )
            assert answer, "an answer that succeeded was not stored"
            assert answer[0][1] == (result.value if result else None)
            return Expect(
                frozenset({"checklist_answer"}),
                "checklist_answer",
                answer[0][0],
                rows=1,
                patient_id=patient_id,
                meeting_id=meeting_id,
            )

        self.perform(
            "answer",
            actor,
            lambda: self.checklist.answer(case_id, key, result, reason, actor),
            expect,
        )

    @rule(data=st.data())
    def record_decision(self, data: st.DataObject) -> None:
        case_id, patient_id, meeting_id = self.case(data)
        if case_id == MISSING_ID:
            decision = DecisionInput(Outcome.OTHER, "No such case")
            actor = self.actor(data, Role.IBD_CONSULTANT)
        else:
            decision = self.decision_input(data, case_id)
            actor = self.chair_or_anyone(data, meeting_id)
        self.perform(
            "record decision",
            actor,
            lambda: self.decisions.record(case_id, decision, actor),
            lambda decision_id: Expect(
                frozenset({"decision", "case_review", "medication_period", "action", "meeting"}),
                "decision",
                decision_id,
                patient_id=patient_id,
                meeting_id=meeting_id,
            ),
        )

    @rule(data=st.data())
    def defer_case(self, data: st.DataObject) -> None:
        case_id, patient_id, meeting_id = self.case(data)
        reason = data.draw(SOME_TEXT, label="reason")
        actor = (
            self.chair_or_anyone(data, meeting_id)
            if case_id != MISSING_ID
            else self.actor(data, Role.IBD_CONSULTANT)
        )
        self.perform(
            "defer",
            actor,
            lambda: self.decisions.defer(case_id, reason, actor),
            Expect(
                frozenset({"case_review"}),
                "case_review",
                case_id,
                rows=1,
                patient_id=patient_id,
                meeting_id=meeting_id,
            ),
        )

    @rule(data=st.data())
    def add_note(self, data: st.DataObject) -> None:
        case_id, patient_id, meeting_id = self.case(data)
        note = data.draw(SOME_TEXT, label="note")
        actor = self.actor(data, Role.IBD_NURSE, Role.SURGEON)
        self.perform(
            "note",
            actor,
            lambda: self.notes.add(case_id, note, actor),
            lambda note_id: Expect(
                frozenset({"case_note"}),
                "case_note",
                note_id,
                rows=1,
                patient_id=patient_id,
                meeting_id=meeting_id,
            ),
        )

    @rule(data=st.data())
    def annotate_drug_level(self, data: st.DataObject) -> None:
        listed = select(CaseReviewRow.patient_id)
        results = self.read(
            select(ObservationRow.id, ObservationRow.patient_id)
            .where(
                ObservationRow.analyte.in_([a.value for a in ANNOTATED]),
                ObservationRow.patient_id.in_(listed),
            )
            .order_by(ObservationRow.id)
        )
        observation_id, patient_id = mostly(data, "result", results, [(MISSING_ID, 0)])
        own_cases = self.read(
            select(CaseReviewRow.id, CaseReviewRow.meeting_id).where(
                CaseReviewRow.patient_id == patient_id
            )
        )
        how = mostly(data, "case kind", ["own"], ["none", "any"])
        case: tuple[int, int] | None = None
        if how == "own" and own_cases:
            case = data.draw(st.sampled_from(own_cases), label="case")
        elif how == "any":
            drawn = self.case(data)
            case = (drawn[0], drawn[2])
        previous = [
            r[0]
            for r in self.read(
                select(AnnotationRow.id).where(AnnotationRow.observation_id == observation_id)
            )
        ]
        # usually a new annotation or a revision of the newest one; else an old or wrong one
        supersedes = mostly(data, "supersedes", [None, *previous[-1:]], [*previous, 1, MISSING_ID])
        interpretation = data.draw(st.sampled_from(Interpretation), label="interpretation")
        comment = data.draw(SOME_TEXT, label="comment")
        recommendation = data.draw(SOME_TEXT, label="recommendation")
        actor = self.actor(data, Role.PHARMACIST)
        case_id = case[0] if case else None
        self.perform(
            "annotate",
            actor,
            lambda: self.annotations.annotate(
                observation_id,
                interpretation,
                comment,
                recommendation,
                actor,
                case_id=case_id,
                supersedes_id=supersedes,
            ),
            lambda annotation_id: Expect(
                frozenset({"drug_level_annotation"}),
                "drug_level_annotation",
                annotation_id,
                rows=1,
                patient_id=patient_id,
                meeting_id=case[1] if case else None,
            ),
        )

    @rule(data=st.data())
    def set_attendance(self, data: st.DataObject) -> None:
        meeting_id, _ = self.meeting(data)
        ids = [a.id for a in self.members]
        statuses = data.draw(
            st.dictionaries(
                st.sampled_from([*ids, MISSING_ID]),
                st.none() | st.sampled_from(AttendanceStatus),
                max_size=4,
            ),
            label="statuses",
        )
        existing = dict(
            self.read(
                select(AttendanceRow.clinician_id, AttendanceRow.status).where(
                    AttendanceRow.meeting_id == meeting_id
                )
            )
        )
        changes = sum(
            1
            for clinician_id, status in statuses.items()
            if existing.get(clinician_id) != (status.value if status else None)
        )
        actor = self.actor(data, Role.COORDINATOR)
        self.perform(
            "attendance",
            actor,
            lambda: self.admin.set_attendance(meeting_id, statuses, actor),
            Expect(
                frozenset({"attendance"}),
                "attendance",
                rows=changes,
                meeting_id=meeting_id,
            ),
        )

    @rule(data=st.data())
    def add_candidate(self, data: st.DataObject) -> None:
        meeting_id, _ = self.meeting(data)
        number = data.draw(
            st.sampled_from(self.hospital_numbers) | st.just("NOT-A-PATIENT"), label="patient"
        )
        actor = self.actor(data, Role.COORDINATOR)
        self.perform(
            "add candidate",
            actor,
            lambda: self.admin.add_candidate(meeting_id, number, actor),
            lambda case_id: Expect(
                frozenset({"case_review"}),
                "case_review",
                case_id,
                rows=1,
                meeting_id=meeting_id,
            ),
        )

    @rule(data=st.data())
    def remove_candidate(self, data: st.DataObject) -> None:
        case_id, patient_id, meeting_id = self.case(data)
        actor = self.actor(data, Role.COORDINATOR)
        self.perform(
            "remove candidate",
            actor,
            lambda: self.admin.remove_candidate(case_id, actor),
            Expect(
                frozenset({"case_review"}),
                "case_review",
                case_id,
                rows=1,
                patient_id=patient_id,
                meeting_id=meeting_id,
            ),
        )

    @rule(data=st.data())
    def move_candidate(self, data: st.DataObject) -> None:
        case_id, patient_id, meeting_id = self.case(data)
        position = data.draw(st.integers(0, 14), label="position")
        actor = self.actor(data, Role.COORDINATOR)
        self.perform(
            "move candidate",
            actor,
            lambda: self.admin.move_candidate(case_id, position, actor),
            Expect(
                frozenset({"case_review"}),
                "case_review",
                case_id,
                rows=1,
                patient_id=patient_id,
                meeting_id=meeting_id,
            ),
        )

    @rule(data=st.data())
    def complete_action(self, data: st.DataObject) -> None:
        actions = self.read(
            select(ActionRow.id, ActionRow.owner_id, CaseReviewRow.patient_id)
            .join(CaseReviewRow, ActionRow.case_review_id == CaseReviewRow.id)
            .order_by(ActionRow.id)
        )
        action_id, owner_id, patient_id = mostly(
            data, "action", actions, [(MISSING_ID, None, None)]
        )
        owner = [a for a in self.members if a.id == owner_id]
        if owner and data.draw(st.booleans(), label="the owner"):
            actor = owner[0]
        else:
            actor = self.actor(data, Role.COORDINATOR)
        done = data.draw(st.booleans(), label="done")
        self.perform(
            "complete action",
            actor,
            lambda: self.decisions.complete_action(action_id, actor, done=done),
            Expect(frozenset({"action"}), "action", action_id, rows=1, patient_id=patient_id),
        )

    @rule(data=st.data())
    def sign_off(self, data: st.DataObject) -> None:
        meeting_id, _ = self.meeting(data)
        actor = self.chair_or_anyone(data, meeting_id)
        self.perform(
            "sign off",
            actor,
            lambda: self.signoff.sign_off(meeting_id, actor),
            Expect(
                frozenset({"meeting", "checklist_answer", "case_snapshot"}),
                "meeting",
                meeting_id,
                meeting_id=meeting_id,
            ),
        )

    @rule(data=st.data())
    def run_a_meeting_to_sign_off(self, data: st.DataObject) -> None:
        """The way a meeting ends: cases deferred, attendance recorded, the chair signs off.

        Mostly a meeting created during the run (given a case first), sometimes this month's.
        """
        coordinator = next(a for a in self.members if self.roles[a.id] is Role.COORDINATOR)
        rows = self.read(
            select(MeetingRow.id, MeetingRow.meeting_date)
            .where(MeetingRow.status != MeetingStatus.SIGNED_OFF.value)
            .order_by(MeetingRow.id)
        )
        others = [r for r in rows if r[0] != self.planned_id]
        which = mostly(data, "which meeting", ["another"], ["this month's"])
        if which == "this month's" and len(others) < len(rows):
            meeting_id = self.planned_id
        elif others:
            meeting_id = data.draw(st.sampled_from(others), label="meeting")[0]
        else:
            taken = {r[0] for r in self.read(select(MeetingRow.meeting_date))}
            day = data.draw(st.dates(date(2027, 1, 1), date(2027, 12, 31)), label="date")
            while day in taken:
                day += timedelta(days=1)
            chair_id = self.chair_id(data)
            meeting_id = self.perform(
                "create meeting",
                coordinator,
                lambda: self.admin.create_meeting(day, chair_id, coordinator),
                lambda new_id: Expect(
                    frozenset({"meeting"}), "meeting", new_id, rows=1, meeting_id=new_id
                ),
            )
            if meeting_id is None:
                return
        chair_id = self.read(select(MeetingRow.chair_id).where(MeetingRow.id == meeting_id))[0][0]
        chair = next(a for a in self.members if a.id == chair_id)
        if meeting_id != self.planned_id:
            number = data.draw(st.sampled_from(self.hospital_numbers), label="patient")
            self.perform(
                "add candidate",
                coordinator,
                lambda: self.admin.add_candidate(meeting_id, number, coordinator),
                lambda case_id: Expect(frozenset({"case_review"}), "case_review", case_id, rows=1),
            )
        pending = self.read(
            select(CaseReviewRow.id).where(
                CaseReviewRow.meeting_id == meeting_id, CaseReviewRow.status == "pending"
            )
        )
        for (case_id,) in pending:
            self.perform(
                "defer",
                chair,
                lambda case_id=case_id: self.decisions.defer(case_id, "Out of time", chair),
                Expect(frozenset({"case_review"}), "case_review", case_id, rows=1),
            )
        present = AttendanceStatus.PRESENT
        recorded = self.read(
            select(AttendanceRow.id).where(
                AttendanceRow.meeting_id == meeting_id,
                AttendanceRow.clinician_id == chair_id,
                AttendanceRow.status == present.value,
            )
        )
        self.perform(
            "attendance",
            coordinator,
            lambda: self.admin.set_attendance(meeting_id, {chair_id: present}, coordinator),
            Expect(frozenset({"attendance"}), "attendance", rows=0 if recorded else 1),
        )
        self.perform(
            "sign off",
            chair,
            lambda: self.signoff.sign_off(meeting_id, chair),
            Expect(
                frozenset({"meeting", "checklist_answer", "case_snapshot"}),
                "meeting",
                meeting_id,
                meeting_id=meeting_id,
            ),
        )

    @rule(data=st.data())
    def amend_decision(self, data: st.DataObject) -> None:
        decisions = self.read(
            select(DecisionRow.id, CaseReviewRow.id, CaseReviewRow.patient_id, MeetingRow.id)
            .join(CaseReviewRow, DecisionRow.case_review_id == CaseReviewRow.id)
            .join(MeetingRow, CaseReviewRow.meeting_id == MeetingRow.id)
            .order_by(DecisionRow.id)
        )
        signed = [
            d
            for d in decisions
            if self.read(select(MeetingRow.status).where(MeetingRow.id == d[3]))[0][0]
            == MeetingStatus.SIGNED_OFF.value
        ]
        decision_id, case_id, patient_id, meeting_id = mostly(
            data, "decision", signed, decisions, [(MISSING_ID, None, None, None)]
        )
        decision = (
            self.decision_input(data, case_id)
            if case_id is not None
            else DecisionInput(Outcome.OTHER, "No such decision")
        )
        reason = data.draw(SOME_TEXT, label="reason")
        actor = self.actor(data, Role.IBD_CONSULTANT)
        self.perform(
            "amend",
            actor,
            lambda: self.decisions.amend(decision_id, decision, reason, actor),
            lambda new_id: Expect(
                frozenset({"decision", "medication_period"}),
                "decision",
                new_id,
                patient_id=patient_id,
                meeting_id=meeting_id,
            ),
        )

    @rule(data=st.data())
    def create_meeting(self, data: st.DataObject) -> None:
        day = data.draw(
            st.dates(date(2026, 8, 26), date(2027, 3, 31)) | st.just(date(2026, 11, 25)),
            label="date",
        )
        chair_id = self.chair_id(data)
        actor = self.actor(data, Role.COORDINATOR)
        self.perform(
            "create meeting",
            actor,
            lambda: self.admin.create_meeting(day, chair_id, actor),
            lambda meeting_id: Expect(
                frozenset({"meeting"}), "meeting", meeting_id, rows=1, meeting_id=meeting_id
            ),
        )

    @rule(data=st.data())
    def set_chair(self, data: st.DataObject) -> None:
        meeting_id, _ = self.meeting(data)
        chair_id = self.chair_id(data)
        actor = self.actor(data, Role.COORDINATOR)
        self.perform(
            "set chair",
            actor,
            lambda: self.admin.set_chair(meeting_id, chair_id, actor),
            Expect(frozenset({"meeting"}), "meeting", meeting_id, rows=1, meeting_id=meeting_id),
        )

    @rule(data=st.data())
    def change_roster(self, data: st.DataObject) -> None:
        member = data.draw(st.sampled_from(self.members), label="member")
        active = data.draw(st.booleans(), label="active")
        actor = self.actor(data, Role.COORDINATOR)
        self.perform(
            "roster",
            actor,
            lambda: self.roster_admin.update(member.id, actor, active=active),
            Expect(frozenset({"clinician"}), "clinician", member.id, rows=1),
        )

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def audit_chain_is_intact_and_only_grows(self) -> None:
        assert self.db is not None
        with self.db.read() as session:
            report = verify_chain(session)
        assert report.intact, report.problems
        assert report.rows >= self.audit_rows
        self.audit_rows = report.rows

    @invariant()
    def every_new_row_is_audited(self) -> None:
        assert self.db is not None
        with self.db.read() as session:
            for table, entity in AUDITED.items():
                start = self.start_ids[table]
                ids = session.scalars(text(f"SELECT id FROM {table} WHERE id > {start}")).all()
                if not ids:
                    continue
                latest: dict[int, AuditEventRow] = {
                    row.entity_id: row
                    for row in session.scalars(
                        select(AuditEventRow)
                        .where(AuditEventRow.entity == entity, AuditEventRow.entity_id.in_(ids))
                        .order_by(AuditEventRow.id)
                    )
                }
                missing = sorted(set(ids) - set(latest))
                assert not missing, f"{table} rows {missing} have no audit row"
                self._matches(session, table, latest)

    @staticmethod
    def _matches(session: Any, table: str, latest: dict[int, AuditEventRow]) -> None:
        """The newest audit row of each entity describes what the table holds now."""
        for entity_id, audit in latest.items():
            assert audit.action != "delete", f"{table} {entity_id} exists but was logged deleted"
            after = audit.after or {}
            if table == "checklist_answers":
                row = session.get_one(ChecklistAnswerRow, entity_id)
                now = (row.item_key, row.confirmed)
                logged = (after.get("item"), after.get("confirmed"))
            elif table == "decisions":
                row = session.get_one(DecisionRow, entity_id)
                now = (row.outcome, row.rationale)
                logged = (after.get("outcome"), after.get("rationale"))
            elif table == "case_notes":
                row = session.get_one(CaseNoteRow, entity_id)
                now, logged = row.text, after.get("text")
            else:
                row = session.get_one(AnnotationRow, entity_id)
                now = (row.interpretation, row.comment)
                logged = (after.get("interpretation"), after.get("comment"))
            assert now == logged, f"{table} {entity_id}: stored {now!r}, audit says {logged!r}"


@pytest.fixture(autouse=True)
def _demo_for_the_machine(demo_master: Path, config: ClinicalConfig) -> None:
    AuditMachine.master = demo_master
    AuditMachine.config = config


TestAuditCompleteness = AuditMachine.TestCase
TestAuditCompleteness.settings = settings(
    max_examples=15,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
