"""The follow-up worklist as a Qt table model, and how its flags and checks look.

Statuses are a symbol and a word with a restrained colour (views/common/display.py), never colour
alone; every cell's tooltip carries the evidence behind it. A patient re-escalated since the
de-escalation shows the recapture watch in the status column (docs/clinical.md, "Outcome
audit"). The last column is the patient's last contact, flagged when they have gone quiet
(docs/clinical.md, "Loss to follow-up").
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QFont

from mdt_desktop.domain.catalogue import ANALYTES, display_unit
from mdt_desktop.domain.enums import Analyte, ChecklistResult
from mdt_desktop.domain.flare import FlareStatus, reading_text
from mdt_desktop.domain.followup import CheckState, CheckStatus, FollowUpRow
from mdt_desktop.domain.identifiers import Identifiers, patient_name, search_text
from mdt_desktop.domain.records import Observation
from mdt_desktop.domain.regimens import Regimen, short_interval
from mdt_desktop.domain.text import isolate
from mdt_desktop.domain.thresholds import Thresholds
from mdt_desktop.views.common.display import BAD, GOOD, HIGH, MUTED
from mdt_desktop.views.common.row_model import Index, RowTableModel
from mdt_desktop.views.meeting.candidate_table_model import SORT_ROLE, Cell

STATUS_TEXT = {
    FlareStatus.PERSISTENT: "‼ Persistent flare",
    FlareStatus.FLARE: "▲ Flare",
    FlareStatus.EARLY_WARNING: "△ Early warning",
    FlareStatus.UNKNOWN: "? Unknown",
    FlareStatus.NONE: "✓ No flare",
}
STATUS_COLOUR = {
    FlareStatus.PERSISTENT: BAD,
    FlareStatus.FLARE: BAD,
    FlareStatus.EARLY_WARNING: HIGH,
    FlareStatus.UNKNOWN: MUTED,
    FlareStatus.NONE: GOOD,
}
CHECK_SYMBOL = {
    CheckState.DONE: "✓",
    CheckState.DUE: "●",
    CheckState.OVERDUE: "✗",
    CheckState.UPCOMING: "○",
    CheckState.MANUAL: "?",
}
CHECK_COLOUR = {
    CheckState.DONE: GOOD,
    CheckState.DUE: HIGH,
    CheckState.OVERDUE: BAD,
    CheckState.UPCOMING: MUTED,
    CheckState.MANUAL: MUTED,
}
COMPONENT_TEXT = {  # a flare component that is met is bad news
    ChecklistResult.MET: ("✗", BAD),
    ChecklistResult.NOT_MET: ("✓", GOOD),
    ChecklistResult.UNKNOWN: ("?", MUTED),
}
_RIGHT = (4, 5, 6, 7, 10)  # numbers
QUIET_TEXT = "⊘ Quiet"
RE_ESCALATED = "↑ Re-escalated"
LOST_KEY = "lost_to_follow_up_after"


def regimen_text(before: Regimen, after: Regimen) -> str:
    """E.g. ``IFX 5 mg/kg q6w → q8w`` or ``ADA 80 mg q2w → 40 mg q2w``: only what changed."""
    if (before.drug, before.dose_value, before.dose_unit) == (
        after.drug,
        after.dose_value,
        after.dose_unit,
    ):
        return f"{before.short_label} → {short_interval(after.interval_days)}"
    if before.drug is after.drug:
        return f"{before.short_label} → {after.short_label.split(' ', 1)[1]}"
    return f"{before.short_label} → {after.short_label}"


class FollowUpTableModel(RowTableModel[tuple[FollowUpRow, tuple[Cell, ...]]]):
    """One de-escalated patient per row; each row keeps the cells made from it."""

    HEADERS = (
        "Patient",
        "Hospital no.",
        "Drug and regimen",
        "Since",
        "Months",
        "Calpro",
        "CRP",
        "Level",
        "Flare status",
        "Next check",
        "Overdue",
        "Listed",
        "Last contact",
    )

    def __init__(
        self,
        thresholds: Thresholds,
        parent: QObject | None = None,
        identifiers: Identifiers = Identifiers.FULL,
    ) -> None:
        super().__init__(parent)
        self._thresholds = thresholds
        self._identifiers = identifiers

    def set_worklist(self, rows: list[FollowUpRow]) -> None:
        self.set_rows((row, self._make_cells(row)) for row in rows)

    @property
    def identifiers(self) -> Identifiers:
        return self._identifiers

    def set_identifiers(self, identifiers: Identifiers) -> None:
        """Name patients in full or by initials (the room screen); the cells are remade."""
        if identifiers is self._identifiers:
            return
        self._identifiers = identifiers
        self._rows = [(row, self._make_cells(row)) for row, _cells in self._rows]
        if self._rows:
            last = self.index(len(self._rows) - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def follow_up(self, row: int) -> FollowUpRow:
        return self.row_at(row)[0]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        cell = self.row_at(index.row())[1][index.column()]
        handlers: dict[int, Callable[[], Any]] = {
            Qt.ItemDataRole.DisplayRole: lambda: display_unit(cell.text),
            SORT_ROLE: lambda: cell.sort if cell.sort is not None else cell.text,
            Qt.ItemDataRole.ForegroundRole: lambda: cell.colour,
            Qt.ItemDataRole.ToolTipRole: lambda: display_unit(cell.tooltip) or None,
            Qt.ItemDataRole.FontRole: lambda: _italic() if cell.italic else None,
            Qt.ItemDataRole.TextAlignmentRole: lambda: _alignment(index.column()),
        }
        handler = handlers.get(role)
        return handler() if handler else None

    # --- cells -----------------------------------------------------------------------------------

    def _make_cells(self, row: FollowUpRow) -> tuple[Cell, ...]:
        return (
            Cell(
                patient_name(row, self._identifiers),
                patient_name(row, self._identifiers).casefold(),
                tooltip=row.diagnosis.label,
                search=search_text(row),
            ),
            Cell(row.hospital_number),
            Cell(
                regimen_text(row.before, row.after),
                tooltip=f"{row.before.label} → {row.after.label}",
            ),
            Cell(f"{row.since:%d %b %Y}", row.since.isoformat()),
            Cell(f"{row.months:.1f}", row.months),
            self._marker(row, Analyte.FAECAL_CALPROTECTIN, row.calprotectin),
            self._marker(row, Analyte.CRP, row.crp),
            self._level(row.level),
            _status(row),
            _next_check(row),
            Cell(
                f"{row.overdue} ✗" if row.overdue else "0",
                row.overdue,
                BAD if row.overdue else MUTED,
                "\n".join(c.text for c in row.checks if c.state is CheckState.OVERDUE)
                or "No overdue checks",
            ),
            Cell(
                f"{row.listed_on:%d %b}" if row.listed_on else "—",
                row.listed_on.isoformat() if row.listed_on else "",
                tooltip=(
                    f"On the list of the MDT of {row.listed_on:%d %b %Y}"
                    if row.listed_on
                    else "Not on a planned meeting's list"
                ),
            ),
            self._contact(row),
        )

    def _contact(self, row: FollowUpRow) -> Cell:
        """When the patient was last seen; flagged when longer ago than the configured window."""
        seen = row.seen or row.since
        window = self._thresholds.values.get(LOST_KEY)
        rule = (
            f"Gone quiet: no contact for {window.describe()} [{', '.join(window.sources)}]"
            if window
            else ""
        )
        tooltip = "\n".join(part for part in (row.contact_text, rule) if part)
        if row.quiet:
            return Cell(f"{QUIET_TEXT} {seen:%d %b %Y}", seen.isoformat(), HIGH, tooltip)
        return Cell(f"{seen:%d %b %Y}", seen.isoformat(), tooltip=tooltip)

    @staticmethod
    def _marker(row: FollowUpRow, analyte: Analyte, obs: Observation | None) -> Cell:
        """A flare component's latest value: red when it meets the flare threshold."""
        component = next((c for c in row.flare.components if c.threshold.analyte is analyte), None)
        if obs is None:
            return Cell("—", -1.0, MUTED, component.text if component else "No result on record")
        tooltip = component.text if component else reading_text(obs)
        if component is None:
            return Cell(obs.display_value, obs.value, tooltip=tooltip)
        if component.stale:
            return Cell(obs.display_value, obs.value, MUTED, tooltip, True)
        colour = {ChecklistResult.MET: BAD, ChecklistResult.UNKNOWN: MUTED}.get(component.result)
        return Cell(obs.display_value, obs.value, colour, tooltip)

    def _level(self, obs: Observation | None) -> Cell:
        if obs is None:
            return Cell("—", -1.0, MUTED, "No trough level on record")
        when = reading_text(obs)
        band = self._thresholds.target_band(obs.analyte)
        if band is None:
            return Cell(obs.display_value, obs.value, tooltip=when)
        position = -1 if obs.below_limit else band.position(obs.value)
        words = {-1: "below", 0: "within", 1: "above"}[position]
        return Cell(
            obs.display_value,
            obs.value,
            {-1: BAD, 0: None, 1: HIGH}[position],
            f"{obs.label} {when}: {words} the {band.describe()} target [{', '.join(band.sources)}]",
        )


def _status(row: FollowUpRow) -> Cell:
    """The flag, or for a re-escalated patient the recapture watch, with the evidence."""
    evidence = "\n".join(row.flare.lines())
    if row.re_escalated_on is None:
        return Cell(status_text(row), row.status.rank, STATUS_COLOUR[row.status], evidence)
    colour = HIGH if row.recaptured is None else GOOD if row.recaptured else BAD
    return Cell(status_text(row), -1, colour, f"{row.recapture_text}\n{evidence}")


def status_text(row: FollowUpRow) -> str:
    """E.g. ``▲ Flare``, or ``✓ No flare (1 unknown)`` when a component had no recent result.

    A re-escalated patient: ``↑ Re-escalated · recapture pending`` (or recaptured, or not).
    """
    if row.re_escalated_on is not None:
        if row.recaptured is None:
            return f"{RE_ESCALATED} · recapture pending"
        return f"{RE_ESCALATED} · {'recaptured' if row.recaptured else 'not recaptured'}"
    unknown = row.flare.unknown
    if row.status is FlareStatus.NONE and unknown:
        return f"{STATUS_TEXT[row.status]} ({unknown} unknown)"
    return STATUS_TEXT[row.status]


def _next_check(row: FollowUpRow) -> Cell:
    """The next check's date and what it measures, e.g. ``● 09 Dec · FCP, CRP, HBI``."""
    check = row.next_check
    if check is None:
        return Cell("—", "9999", MUTED, "No further checks planned")
    same_day = [c for c in row.checks if c.check.due == check.check.due and c.state is check.state]
    what = ", ".join(dict.fromkeys(name for c in same_day for name in _short_names(c)))
    text = f"{CHECK_SYMBOL[check.state]} {check.check.due:%d %b} · {what}"
    colour = HIGH if check.state is CheckState.DUE else None
    return Cell(text, check.check.due.isoformat(), colour, "\n".join(c.text for c in same_day))


def _short_names(check: CheckStatus) -> list[str]:
    """``FCP``, ``CRP``… for the analytes a check names; its label when it names none."""
    names = []
    for name in check.check.analytes:
        try:
            names.append(ANALYTES[Analyte(name)].short)
        except ValueError:
            names.append(name)
    return names or [check.check.label]


def _italic() -> QFont:
    font = QFont()
    font.setItalic(True)
    return font


def _alignment(column: int) -> Qt.AlignmentFlag:
    if column in _RIGHT:
        return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


# --- the detail pane ----------------------------------------------------------------------------


def _line(symbol: str, colour: QColor | None, text: str) -> str:
    style = f' style="color:{colour.name()}"' if colour is not None else ""
    return f"<li><span{style}><b>{symbol}</b></span> {escape(display_unit(text))}</li>"


def _recapture_html(row: FollowUpRow) -> str:
    """The recapture watch after a re-escalation ('' for a patient still de-escalated)."""
    if row.re_escalated_on is None:
        return ""
    return (
        f"<h4>{RE_ESCALATED}: the de-escalation failed</h4>"
        f"<p>{escape(row.recapture_text)}. Recaptured means faecal calprotectin and CRP both "
        "back in range within the recapture window after the re-escalation.</p>"
    )


def detail_html(row: FollowUpRow, identifiers: Identifiers = Identifiers.FULL) -> str:
    """The selected patient: the regimen change, the flare evidence and every planned check."""
    listed = (
        f"On the list of the MDT of {row.listed_on:%d %b %Y}."
        if row.listed_on
        else "Not on a planned meeting's list."
    )
    flare = row.flare
    status = STATUS_COLOUR[row.status].name()
    components = "".join(_line(*COMPONENT_TEXT[c.result], c.text) for c in flare.components)
    warning_symbol = "△" if flare.early_warning.result is ChecklistResult.MET else "·"
    checks = (
        "".join(_line(CHECK_SYMBOL[c.state], CHECK_COLOUR[c.state], c.text) for c in row.checks)
        or "<li>No checks planned.</li>"
    )
    name = escape(isolate(patient_name(row, identifiers)))  # typed names keep the line in order
    return (
        f"<h3>{name} · {escape(isolate(row.hospital_number))} · {row.diagnosis.label}</h3>"
        f"<p>{escape(display_unit(f'{row.before.label} → {row.after.label}'))}"
        f" since {row.since:%d %b %Y} ({row.months:.1f} months). {listed}</p>"
        f"<p>{'⊘ Gone quiet. ' if row.quiet else ''}Last contact: {escape(row.contact_text)}.</p>"
        f"{_recapture_html(row)}"
        f'<h4 style="color:{status}">{STATUS_TEXT[row.status]}</h4>'
        f"<p>{escape(display_unit(flare.headline))}</p><ul>{components}"
        f"{_line(warning_symbol, None, flare.early_warning.text)}</ul>"
        f"<h4>Monitoring checks</h4><p>{escape(row.plan_source)}</p><ul>{checks}</ul>"
    )
