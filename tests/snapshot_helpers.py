"""Signing off the demo's planned meeting, and a lab result that arrives afterwards (CSV import)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.board import CaseDetail
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.consensus import DecisionInput, propose_target
from mdt_desktop.domain.enums import AttendanceStatus, Outcome, Role
from mdt_desktop.importers.codes import load_code_table
from mdt_desktop.models.db import Database
from mdt_desktop.paths import resource_path
from mdt_desktop.services.decisions import DecisionService
from mdt_desktop.services.imports import ImportReport, ImportService
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.roster import RosterService
from mdt_desktop.services.signoff import SignOffService
from tests.conftest import AS_OF

MONTH = AS_OF.strftime("%Y-%m")  # the demo's planned meeting, 25 Nov 2026
DECIDED_AT = datetime(2026, 11, 25, 13, 30)
SIGNED_AT = datetime(2026, 11, 25, 17, 0)
LATE = datetime(2026, 11, 26, 9, 15)  # when the late result is imported
SAMPLED = "2026-11-23T08:40:00"  # taken before the meeting, reported after it


@dataclass(frozen=True)
class Prepared:
    """The planned meeting, ready to sign off (or signed off)."""

    meeting_id: int
    chair: Actor
    cases: tuple[CaseDetail, ...]  # as the board showed them before sign-off
    de_escalated: int  # the case decided "de-escalate"


def prepare(db: Database, config: ClinicalConfig, *, decided_at: datetime = DECIDED_AT) -> Prepared:
    """Everyone present; one case de-escalated, the rest to continue intensified."""
    meetings = MeetingService(db, config)
    meeting_id = meetings.find_id(MONTH)
    board = meetings.board(meeting_id)
    roster = RosterService(db).clinicians()
    chair = next(c for c in roster if c.name == board.meeting.chair)
    coordinator = next(c for c in roster if c.role is Role.COORDINATOR)
    MeetingAdminService(db, config).set_attendance(
        meeting_id,
        {c.id: AttendanceStatus.PRESENT for c in roster},
        Actor(coordinator.id, coordinator.name),
    )
    as_chair = Actor(chair.id, chair.name)
    decisions = DecisionService(db)
    target = next(
        d
        for d in board.cases
        if d.summary.anti_tnf and propose_target(d.summary.anti_tnf.regimen, config.regimens)
    )
    for index, detail in enumerate(board.cases):
        at = decided_at + timedelta(minutes=5 * index)
        if detail is target:
            regimen = propose_target(detail.summary.anti_tnf.regimen, config.regimens)
            decision = DecisionInput(
                Outcome.DE_ESCALATE,
                "Sustained objective remission",
                target=regimen,
                effective_date=detail.meeting_date + timedelta(days=14),
                next_review=detail.meeting_date + timedelta(days=180),
            )
        else:
            decision = DecisionInput(Outcome.CONTINUE_INTENSIFIED, "Continue for now")
        decisions.record(detail.case.id, decision, as_chair, at=at)
    return Prepared(meeting_id, as_chair, board.cases, target.case.id)


def sign_off_planned(db: Database, config: ClinicalConfig, **options: object) -> Prepared:
    """Prepare the planned meeting and sign it off at SIGNED_AT."""
    prepared = prepare(db, config)
    SignOffService(db, config).sign_off(
        prepared.meeting_id,
        prepared.chair,
        at=SIGNED_AT,
        **options,  # type: ignore[arg-type]
    )
    return prepared


def import_late_crp(
    db: Database, folder: Path, hospital_number: str, *, now: datetime = LATE, mg_dl: str = "4.8"
) -> ImportReport:
    """A CRP (LOINC 1988-5, in mg/dL: 4.8 mg/dL = 48 mg/L) sampled before the meeting."""
    path = folder / f"late-{hospital_number}-{now:%H%M}.csv"
    path.write_text(
        "hospital_number,collected_at,test,value,unit\n"
        f"{hospital_number},{SAMPLED},1988-5,{mg_dl},mg/dL\n",
        encoding="utf-8",
    )
    codes = load_code_table(resource_path("lab_codes.toml"))
    return ImportService(db, codes).run([path], None, now=now)
