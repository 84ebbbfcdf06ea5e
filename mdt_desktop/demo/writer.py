"""Writes the generated demo: its clinical feed, then its meetings replayed through the services.

Every record of a meeting (the list, the pharmacist's annotations, attendance, notes, checklist
answers, decisions with their monitoring plans and actions, positions, sign-off with its frozen
evidence, the amendment after it, actions completed) is written by the service a user's action
goes through, in time order, with the services' clock set to the simulated moment. The audit
rows are therefore the app's own, and no timestamp lies after the demo's "today". Before each
step the feed (services/record_feed.py) delivers what had become known by then.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mdt_desktop import __version__
from mdt_desktop.demo.meetings import DemoAnnotation, DemoCase, DemoMeeting
from mdt_desktop.demo.names import ROSTER
from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.consensus import ActionInput, DecisionInput
from mdt_desktop.domain.enums import AttendanceStatus, Position, Role
from mdt_desktop.domain.positions import PositionInput
from mdt_desktop.domain.records import ChecklistAnswer, PatientRecord
from mdt_desktop.models import (
    ActionRow,
    AdministrationRow,
    AuditEventRow,
    ClinicalEventRow,
    MedicationPeriodRow,
    ObservationRow,
)
from mdt_desktop.models.db import Database
from mdt_desktop.services.annotations import AnnotationService
from mdt_desktop.services.checklist_answers import ChecklistService
from mdt_desktop.services.clock import SetClock
from mdt_desktop.services.decisions import DecisionService
from mdt_desktop.services.integrity import record_meta
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.notes import NoteService
from mdt_desktop.services.positions import PositionService
from mdt_desktop.services.record_feed import Decided, RecordFeed
from mdt_desktop.services.roster import seed_roster
from mdt_desktop.services.signoff import SignOffService

LOCATION = "IBD unit seminar room"
FEED_SOURCE = "demo generator"  # the source stored with each record the demo's feed delivers
FEED_REASON = "Synthetic demo history (DEMO patients only)"
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class DemoCounts:
    """How much the demo wrote."""

    patients: int
    medication_periods: int
    observations: int
    events: int
    meetings: int
    audit_rows: int
    administrations: int = 0  # infusions recorded as given


class _Services:
    """The write services a user's actions go through, all on the demo's clock."""

    def __init__(self, db: Database, config: ClinicalConfig, clock: SetClock) -> None:
        self.admin = MeetingAdminService(db, config, clock=clock)
        self.annotations = AnnotationService(db, clock=clock)
        self.checklist = ChecklistService(db, config, clock=clock)
        self.decisions = DecisionService(db, config.regimens, clock=clock)
        self.notes = NoteService(db, clock=clock)
        self.positions = PositionService(db, clock=clock)
        self.sign_off = SignOffService(db, config, clock=clock)


Step = tuple[datetime, int, Callable[[], object]]


class _Replay:
    """The demo's meetings as a list of timed steps, run oldest first."""

    def __init__(
        self,
        db: Database,
        config: ClinicalConfig,
        feed: RecordFeed,
        actors: list[Actor],
        now: datetime,
    ) -> None:
        self._db = db
        self._feed = feed
        self._actors = actors
        self._now = now
        self._clock = SetClock(now)
        self._services = _Services(db, config, self._clock)
        self._steps: list[Step] = []
        self.case_ids: dict[tuple[int, int], int] = {}  # (meeting index, position) -> case id
        self.meeting_ids: dict[int, int] = {}
        self.decision_ids: dict[tuple[int, int], int] = {}

    def at(self, when: datetime, step: Callable[[], object]) -> None:
        """Run *step* at *when* (never after the demo's today)."""
        self._steps.append((min(when, self._now), len(self._steps), step))

    def run(self) -> None:
        for when, _order, step in sorted(self._steps, key=lambda s: (s[0], s[1])):
            with self._db.write() as session:
                self._feed.deliver(session, when)
            self._clock.set(when)
            step()
        with self._db.write() as session:
            self._feed.finish(session, self._now)

    # --- one meeting ------------------------------------------------------------------------

    def meeting(self, index: int, meeting: DemoMeeting) -> None:
        s, actors = self._services, self._actors
        coordinator, chair = actors[-1], actors[meeting.chair]
        planned = datetime.combine(meeting.meeting_date - timedelta(days=21), time(9, 0))
        start = datetime.combine(meeting.meeting_date, time(13, 0))

        def create() -> None:
            self.meeting_ids[index] = s.admin.create_meeting(
                meeting.meeting_date, chair.id or 0, coordinator, LOCATION
            )

        self.at(planned, create)
        for case in meeting.cases:
            self.at(planned, self._list(index, case, coordinator))
            for note in case.annotations:
                self.at(_annotated_at(note), self._annotate(index, case, note))
        if meeting.attendance:
            statuses: dict[int, AttendanceStatus | None] = {
                actors[i].id or 0: status for i, status in meeting.attendance
            }
            self.at(
                start,
                lambda: s.admin.set_attendance(self.meeting_ids[index], statuses, coordinator),
            )
        for case in meeting.cases:
            self._case(index, meeting, case)
        if meeting.signed_off_at is not None:
            signed = meeting.signed_off_at
            self.at(
                signed,
                lambda: s.sign_off.sign_off(self.meeting_ids[index], chair, at=signed),
            )

    def _list(self, index: int, case: DemoCase, coordinator: Actor) -> Callable[[], None]:
        def step() -> None:
            self.case_ids[(index, case.position)] = self._services.admin.add_candidate(
                self.meeting_ids[index],
                case.record.patient.hospital_number,
                coordinator,
                _why_listed(case),
            )

        return step

    def _annotate(self, index: int, case: DemoCase, note: DemoAnnotation) -> Callable[[], None]:
        pharmacist = self._actors[
            next(i for i, (_, r) in enumerate(ROSTER) if r is Role.PHARMACIST)
        ]

        def step() -> None:
            with self._db.read() as session:
                obs_id = session.scalar(
                    select(ObservationRow.id).where(
                        ObservationRow.patient_id
                        == self._feed.patient_ids[case.record.patient.hospital_number],
                        ObservationRow.analyte == note.observation.analyte,
                        ObservationRow.collected_at == note.observation.collected_at,
                    )
                )
            assert obs_id is not None
            self._services.annotations.annotate(
                obs_id,
                note.interpretation,
                note.comment,
                note.recommendation,
                pharmacist,
                case_id=self.case_ids[(index, case.position)],
            )

        return step

    def _case(self, index: int, meeting: DemoMeeting, case: DemoCase) -> None:
        s, actors = self._services, self._actors
        key = (index, case.position)
        for author, text, when in case.notes:
            self.at(when, self._note(key, text, actors[author]))
        for answer, who in case.answers:
            if who is None or answer.answered_at is None:
                continue  # left for the team: sign-off stores it as the meeting saw it
            self.at(answer.answered_at, self._answer(key, answer, actors[who]))
        decision = case.decision
        if decision is None:
            return
        chair = actors[meeting.chair]
        recorded = DecisionInput(
            outcome=decision.outcome,
            rationale=decision.rationale,
            target=decision.target,
            effective_date=decision.effective,
            dissent=decision.dissent,
            monitoring=decision.monitoring,
            next_review=decision.next_review,
            actions=tuple(
                ActionInput(a.description, actors[a.owner].id or 0, a.due) for a in case.actions
            ),
        )

        def decide() -> None:
            self.decision_ids[key] = s.decisions.record(self.case_ids[key], recorded, chair)
            entries = _positions(meeting, actors, decision.dissent)
            s.positions.record(self.case_ids[key], entries, chair)

        self.at(decision.decided_at, decide)
        amendment = decision.amendment
        if amendment is not None:
            corrected = DecisionInput(
                outcome=recorded.outcome,
                rationale=amendment.rationale,
                target=recorded.target,
                effective_date=recorded.effective_date,
                dissent=recorded.dissent,
                monitoring=recorded.monitoring,
                next_review=amendment.next_review,
            )
            self.at(
                amendment.amended_at,
                lambda: s.decisions.amend(
                    self.decision_ids[key], corrected, amendment.reason, chair
                ),
            )
        for number, action in enumerate(case.actions):
            if action.done_at is not None:
                done = max(action.done_at, decision.decided_at + MINUTE)
                self.at(done, self._complete(key, number, actors[action.owner]))

    def _note(self, key: tuple[int, int], text: str, author: Actor) -> Callable[[], object]:
        return lambda: self._services.notes.add(self.case_ids[key], text, author)

    def _answer(
        self, key: tuple[int, int], answer: ChecklistAnswer, who: Actor
    ) -> Callable[[], object]:
        def step() -> None:
            self._services.checklist.answer(
                self.case_ids[key], answer.item_key, answer.confirmed, answer.override_reason, who
            )

        return step

    def _complete(self, key: tuple[int, int], number: int, owner: Actor) -> Callable[[], None]:
        def step() -> None:
            with self._db.read() as session:
                ids = session.scalars(
                    select(ActionRow.id)
                    .where(ActionRow.case_review_id == self.case_ids[key])
                    .order_by(ActionRow.id)
                ).all()
            self._services.decisions.complete_action(ids[number], owner)

        return step


def write_demo(
    db: Database,
    records: Sequence[PatientRecord],
    meetings: Sequence[DemoMeeting],
    *,
    go_live: datetime,
    now: datetime,
    meta: dict[str, str],
    config: ClinicalConfig,
) -> DemoCounts:
    """Write the roster and the feed, then replay *meetings* through the services up to *now*."""
    decided = [
        Decided(case.record.patient.hospital_number, case.decision.effective, case.decision.target)
        for meeting in meetings
        for case in meeting.cases
        if case.decision is not None
        and case.decision.outcome.changes_regimen
        and case.decision.effective is not None
        and case.decision.target is not None
    ]
    feed = RecordFeed(records, decided, go_live, source=FEED_SOURCE, reason=FEED_REASON)
    with db.write() as session:
        actors = seed_roster(session, ROSTER, go_live, reason="Demo roster")
        feed.start(session)
    replay = _Replay(db, config, feed, actors, now)
    for index, meeting in enumerate(meetings):
        replay.meeting(index, meeting)
    replay.run()
    with db.write() as session:
        meta = {**meta, "demo": "true", "created_by_version": __version__}
        record_meta(session, meta)
        return _counts(session, len(records), len(meetings))


def _positions(meeting: DemoMeeting, actors: list[Actor], dissent: str) -> list[PositionInput]:
    """Each present attendee agrees, except a present surgeon when the dissent is the surgeon's."""
    entries = []
    for index, status in meeting.attendance:
        role = ROSTER[index][1]
        if status is not AttendanceStatus.PRESENT or role is Role.OBSERVER:
            continue
        disagrees = role is Role.SURGEON and "(surgeon)" in dissent
        entries.append(
            PositionInput(
                actors[index].id or 0,
                Position.DISAGREE if disagrees else Position.AGREE,
                dissent if disagrees else "",
            )
        )
    return entries


def _annotated_at(note: DemoAnnotation) -> datetime:
    """When the pharmacist wrote the note: never before the result it reads."""
    return max(note.created_at, note.observation.collected_at + timedelta(hours=2))


def _why_listed(case: DemoCase) -> str:
    if case.plan.borderline:
        return "Listed by IBD nurse: borderline"
    return "Suggested: intensified >= 6 months and in objective remission"


def _counts(session: Session, patients: int, meetings: int) -> DemoCounts:
    def count(table: type) -> int:
        return session.scalar(select(func.count()).select_from(table)) or 0

    return DemoCounts(
        patients,
        count(MedicationPeriodRow),
        count(ObservationRow),
        count(ClinicalEventRow),
        meetings,
        count(AuditEventRow),
        count(AdministrationRow),
    )


def meta_for(seed: int, patients: int, as_of: date) -> dict[str, str]:
    """The mdt_meta rows that describe how a demo database was made."""
    return {"demo_seed": str(seed), "demo_patients": str(patients), "demo_as_of": as_of.isoformat()}
