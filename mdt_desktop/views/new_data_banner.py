"""The case's "New data since the decision" banner, and where its evidence comes from.

The banner names how many results, medication changes or events the decision was not made with
and the first few of them (all of them in the tooltip), in large dark type on amber so it reads
on a projector. Under it a quiet line says whether the case shows the evidence frozen at
sign-off, or (a meeting signed off before evidence was frozen) today's record.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from mdt_desktop.domain.board import CaseDetail
from mdt_desktop.domain.enums import MeetingStatus
from mdt_desktop.views.plain_text import breakable

SHOWN = 3  # items named in the banner itself; the tooltip lists them all
BANNER_STYLE = "background:#fff3cd; color:#3d2c00; border-left:6px solid #b36b00; padding:4px 8px;"
NOTE_STYLE = "color:#555555;"


def banner_text(detail: CaseDetail, shown: int = SHOWN) -> str:
    """``New data since the decision: 4 — CRP 9 mg/L on 19 Nov 2026; …; and 1 more``."""
    items = detail.new_data
    if not items:
        return ""
    named = "; ".join(item.as_text() for item in items[:shown])
    more = f"; and {len(items) - shown} more" if len(items) > shown else ""
    return f"New data since the decision: {len(items)} — {named}{more}"


def banner_tooltip(detail: CaseDetail) -> str:
    """Every item, one per line, under what it was compared with."""
    items = detail.new_data
    if not items:
        return ""
    if detail.snapshot is not None:
        taken = detail.snapshot.taken_at
        intro = f"Not in the record frozen at sign-off on {taken:%d %b %Y %H:%M}:"
    elif detail.case.decision is not None:
        decided = detail.case.decision.decided_at
        intro = f"Stored after the decision was recorded on {decided:%d %b %Y %H:%M}:"
    else:
        intro = "New data:"
    lines = "".join(f"<li>{escape(item.as_text())}</li>" for item in items)
    return f"<p>{escape(intro)}</p><ul>{lines}</ul>"


def provenance_text(detail: CaseDetail) -> str:
    """A quiet line on where a signed-off case's evidence comes from ('' for open meetings)."""
    if detail.meeting_status is not MeetingStatus.SIGNED_OFF:
        return ""
    if detail.snapshot is None:
        return (
            "Signed off before this version froze evidence at sign-off: the record, risk "
            "factors and plots show today's data."
        )
    return f"Evidence as frozen at sign-off, {detail.snapshot.taken_at:%d %b %Y %H:%M}."


class NewDataBanner(QWidget):
    """The banner (hidden when there is nothing new) and the provenance note."""

    def __init__(self, points: float | None = None, parent: QWidget | None = None) -> None:
        """*points*: the banner's type size (the window's type, a little larger, by default)."""
        super().__init__(parent)
        self.banner = QLabel()
        self.banner.setObjectName("newDataBanner")
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        font = QFont(self.banner.font())
        font.setPointSizeF(points or font.pointSizeF() * 1.1)
        font.setBold(True)
        self.banner.setFont(font)
        self.banner.setAccessibleName("New data since the decision")
        self.note = QLabel()
        self.note.setObjectName("evidenceNote")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setStyleSheet(NOTE_STYLE)
        small = QFont(self.note.font())
        small.setPointSizeF(points * 0.7 if points else small.pointSizeF() * 0.9)
        self.note.setFont(small)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 2)
        layout.setSpacing(2)
        layout.addWidget(self.banner)
        layout.addWidget(self.note)
        self.clear()

    def clear(self) -> None:
        """No case: nothing to say."""
        self.banner.clear()
        self.banner.setToolTip("")
        self.banner.setVisible(False)
        self.note.clear()
        self.note.setVisible(False)

    def show_case(self, detail: CaseDetail) -> None:
        """Say what is new since *detail*'s decision and where its evidence comes from."""
        text = banner_text(detail)
        self.banner.setText(breakable(text))
        self.banner.setToolTip(banner_tooltip(detail))
        self.banner.setVisible(bool(text))
        note = provenance_text(detail)
        self.note.setText(note)
        self.note.setVisible(bool(note))
