"""The meeting's decisions and actions as a CSV file for the administrator's spreadsheet.

One row per action (a case without actions has one row with the action columns empty), so the
sheet can be filtered by owner or due date. Every text cell that a spreadsheet would read as a
formula (it starts with = + - @, a tab or a carriage return) is prefixed with an apostrophe, as
OWASP recommends against CSV injection. UTF-8 with a byte-order mark, so Excel reads the
accents and the µ correctly.
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

from mdt_desktop.domain.board import CaseDetail, MeetingBoard
from mdt_desktop.domain.catalogue import display_unit
from mdt_desktop.domain.enums import CaseStatus
from mdt_desktop.reports.identity import FullIdentities, Identities

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER = (
    "meeting_date",
    "position",
    "hospital_number",
    "patient",
    "regimen",
    "case_status",
    "outcome",
    "target_regimen",
    "effective_date",
    "next_review",
    "rationale",
    "dissent",
    "decided_by",
    "action",
    "action_owner",
    "action_due",
    "action_done",
)


def neutralise(cell: str) -> str:
    """Return *cell* so that no spreadsheet evaluates it as a formula."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def decision_rows(board: MeetingBoard, identities: Identities | None = None) -> list[list[str]]:
    """The header and one row per action (or per case without actions), neutralised.

    *identities* name the patients (in full unless the export chose otherwise); free text goes
    through them too.
    """
    ids = identities or FullIdentities()
    rows = [list(HEADER)]
    for detail in board.cases:
        patient = detail.case.patient
        case_cells = _case_cells(board, detail, ids)
        actions = detail.case.actions
        if not actions:
            rows.append([*case_cells, "", "", "", ""])
        for action in actions:
            due = action.due.isoformat() if action.due else ""
            done = action.done_at.date().isoformat() if action.done_at else ""
            description = ids.free_text(patient, action.description)
            rows.append([*case_cells, description, action.owner, due, done])
    return [[neutralise(cell) for cell in row] for row in rows]


def _case_cells(board: MeetingBoard, detail: CaseDetail, ids: Identities) -> list[str]:
    case, decision = detail.case, detail.case.decision
    patient = case.patient
    anti_tnf = detail.summary.anti_tnf
    status = "deferred" if case.status is CaseStatus.DEFERRED else case.status.value
    return [
        board.meeting.meeting_date.isoformat(),
        str(case.position),
        ids.number(patient),
        ids.label(patient),
        display_unit(anti_tnf.regimen.label) if anti_tnf else "",
        status,
        decision.outcome.label if decision else "",
        decision.target_regimen.label if decision and decision.target_regimen else "",
        decision.effective_date.isoformat() if decision and decision.effective_date else "",
        decision.next_review.isoformat() if decision and decision.next_review else "",
        ids.free_text(patient, decision.rationale) if decision else "",
        ids.free_text(patient, decision.dissent) if decision else "",
        decision.decided_by if decision else "",
    ]


def write_csv(rows: list[list[str]], path: Path) -> None:
    """Write *rows* to *path* atomically (a failed write leaves no partial file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".mdt-", suffix=".csv", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as stream:
            csv.writer(stream, lineterminator="\r\n").writerows(rows)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
