"""Keeps what is typed in a form as a draft, at most a second after the last keystroke."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

from mdt_desktop.drafts import DraftStore

DRAFT_DELAY_MS = 1000  # the issue asks for drafts within 2 s; a second leaves a margin

TextWidget = QPlainTextEdit | QLineEdit


class DraftKeeper(QObject):
    """Watches named text fields and writes them to the draft store after each pause."""

    def __init__(
        self, store: DraftStore | None, fields: dict[str, TextWidget], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._fields = fields
        self._key: Callable[[], str | None] = lambda: None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DRAFT_DELAY_MS)
        self._timer.timeout.connect(self.keep_now)
        self._paused = False
        for widget in fields.values():
            widget.textChanged.connect(self._on_typed)

    def track(self, key: Callable[[], str | None]) -> None:
        """Keep drafts under the key this returns (None: do not keep)."""
        self._key = key

    def _on_typed(self, *_args: object) -> None:
        if not self._paused:
            self._timer.start()

    def keep_now(self) -> None:
        """Write the fields to the store now."""
        key = self._key()
        if self._store is not None and key is not None:
            self._store.save(key, {name: _text(w) for name, w in self._fields.items()})

    def discard(self) -> None:
        """Forget the draft (the form was saved for real)."""
        self._timer.stop()
        key = self._key()
        if self._store is not None and key is not None:
            self._store.discard(key)

    def restore_into_fields(self, fields: dict[str, str]) -> None:
        """Put a draft's text back into the widgets (without re-saving it)."""
        self._paused = True
        for name, text in fields.items():
            widget = self._fields.get(name)
            if isinstance(widget, QPlainTextEdit):
                widget.setPlainText(text)
            elif widget is not None:
                widget.setText(text)
        self._paused = False

    def set_quietly(self, values: dict[str, str]) -> None:
        """Fill the fields from saved data without treating it as typing."""
        self.restore_into_fields(values)


def _text(widget: TextWidget) -> str:
    return widget.toPlainText() if isinstance(widget, QPlainTextEdit) else widget.text()
