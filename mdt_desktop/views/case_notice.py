"""Why a case is special, under the patient header: a re-review, or a deferral and its reason.

A patient listed again after a de-escalation is a re-review, not a new candidate: the line says
so, with the tag (symbol, word and colour, never colour alone), the decision it follows and what
made the tag; every evidence line is in the tooltip. A case put off without a decision shows
"Deferred" and the reason the chair gave.
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from mdt_desktop.domain.board import CaseDetail
from mdt_desktop.domain.enums import CaseStatus
from mdt_desktop.domain.rereview import Rereview
from mdt_desktop.views.display import MUTED, css
from mdt_desktop.views.plain_text import breakable, isolate, plain_label, tooltip
from mdt_desktop.views.rereview_tag import TAG_COLOUR, TAG_TINT, tag_text


def deferral_reason(detail: CaseDetail) -> str:
    """The reason the case was deferred ('' when it was not, or none was kept)."""
    if detail.case.status is not CaseStatus.DEFERRED:
        return ""
    return detail.case.deferral_reason.strip()


def rereview_text(review: Rereview) -> str:
    """``↻ Re-review after de-escalation (28 Oct 2026): ⚠ Relapsing — CRP 48 mg/L …``."""
    reason = review.reason.split(":", 1)[0]
    return f"↻ {reason}: {tag_text(review.tag)} — {isolate(review.summary)}"


def deferral_text(detail: CaseDetail) -> str:
    """``Deferred: awaiting the ultrasound`` for a deferred case ('' otherwise)."""
    if detail.case.status is not CaseStatus.DEFERRED or detail.case.decision is not None:
        return ""
    reason = deferral_reason(detail)
    return f"Deferred: {isolate(reason)}" if reason else "Deferred without a decision."


class CaseNotice(QWidget):
    """One line each for a re-review and a deferral; hidden when the case is neither."""

    def __init__(self, points: float | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rereview = plain_label(wrap=True)
        self.rereview.setObjectName("rereviewNotice")
        self.rereview.setAccessibleName("Re-review after de-escalation")
        font = QFont(self.rereview.font())
        font.setPointSizeF(points or font.pointSizeF() * 1.05)
        font.setBold(True)
        self.rereview.setFont(font)
        self.deferral = plain_label(wrap=True)
        self.deferral.setObjectName("deferralNotice")
        self.deferral.setAccessibleName("Deferral")
        self.deferral.setStyleSheet(f"color:{css(MUTED)}; font-weight:bold;")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 2)
        layout.setSpacing(2)
        layout.addWidget(self.rereview)
        layout.addWidget(self.deferral)
        self.clear()

    def clear(self) -> None:
        """No case: nothing to say."""
        for label in (self.rereview, self.deferral):
            label.clear()
            label.setToolTip("")
            label.setVisible(False)

    def show_case(self, detail: CaseDetail) -> None:
        """Say whether *detail* is a re-review or deferred, and why."""
        review = detail.rereview
        self._show(self.rereview, rereview_text(review) if review else "")
        if review is not None:
            self.rereview.setToolTip(tooltip("\n".join(review.lines())))
            self.rereview.setStyleSheet(
                f"background:{css(TAG_TINT[review.tag])}; color:{css(TAG_COLOUR[review.tag])};"
                " padding:2px 6px;"
            )
        self._show(self.deferral, deferral_text(detail))

    @staticmethod
    def _show(label: QLabel, text: str) -> None:
        label.setText(breakable(text))
        label.setVisible(bool(text))
