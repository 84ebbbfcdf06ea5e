"""Confirming sign-off: what still stops it, the quorum, and what sign-off means."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from mdt_desktop.domain.board import Readiness
from mdt_desktop.views.plain_text import markup

MEANING = (
    "Signing off freezes what the meeting saw for each case — the record, the checklist with "
    "its evidence, the risk factors, the annotations and the plots — and makes the meeting, "
    "its decisions, answers, notes and annotations read-only for everyone. The minutes and "
    "letters are printed from that frozen evidence; results that arrive later are shown as new "
    "data, never changing the record. Corrections after that are amendments with a reason."
)


class SignOffDialog(QDialog):
    """Lists problems (sign-off disabled until none) and quorum warnings."""

    def __init__(self, title: str, readiness: Readiness, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Sign off {title}")
        parts = []
        if readiness.problems:
            items = "".join(f"<li>{markup(p)}</li>" for p in readiness.problems)
            parts.append(f"<p style='color:#a4161a'><b>Not yet:</b></p><ul>{items}</ul>")
        for warning in readiness.quorum.warnings:
            parts.append(f"<p style='color:#8a5a00'>⚠ {markup(warning)}</p>")
        parts.append(f"<p>{escape(MEANING)}</p>")
        self.text = QLabel("".join(parts))
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sign = self.buttons.addButton("Sign off", QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign.setEnabled(readiness.ready)
        self.sign.setToolTip("" if readiness.ready else "Not yet: see the list above.")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())

    @classmethod
    def ask(cls, title: str, readiness: Readiness, parent: QWidget | None = None) -> bool:
        """True when the chair confirms sign-off (tests replace this)."""
        return cls(title, readiness, parent).exec() == QDialog.DialogCode.Accepted
