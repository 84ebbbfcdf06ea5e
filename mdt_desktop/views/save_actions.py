"""A window whose content is saved as CSV or PDF, through the runner, with a status line.

``SavingDialog`` is the part the chase list and the monthly summary share: the status line and
the "Save CSV…" / "Save PDF…" buttons beside "Close"; asking where to write (the suffix is added
to a name without one, and the folder is remembered); writing off the GUI thread while the
window is busy; and saying what was written, or why not. Saving is an export, so the buttons
stay disabled, with the reason as their tooltip, for who may not export.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QWidget

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.errors import user_message
from mdt_desktop.views.display import BAD, GOOD, MUTED, css
from mdt_desktop.workers import Runner

FILE_KINDS = {".csv": "CSV spreadsheet (*.csv)", ".pdf": "PDF document (*.pdf)"}


def ask_target(parent: QWidget, caption: str, suggested: Path, suffix: str) -> Path | None:
    """Ask where to write a .csv or .pdf file (None: the user cancelled)."""
    chosen, _filter = QFileDialog.getSaveFileName(
        parent, caption, str(suggested), FILE_KINDS[suffix]
    )
    return Path(chosen) if chosen else None


@dataclass(frozen=True, slots=True)
class SaveHooks:
    """What a saving window supplies to SavingDialog."""

    name: Callable[[], str | None]  # the suggested file name without suffix (None: nothing yet)
    idle_widgets: Callable[[], Sequence[QWidget]]  # disabled while the window reads or writes
    write: Callable[[Path], None]  # write the content to a .csv or .pdf path (its public save)


class SavingDialog(QDialog):
    """A dialog with a status line and "Save CSV…" / "Save PDF…" run through the runner.

    Subclasses call ``_create_save_widgets`` and ``_connect_save_signals``, put
    ``_save_footer()`` at the bottom of their layout, name the file dialog in ``choose_target``
    (a static method tests replace) and pass their SaveHooks.

    Args:
        actor: who is using the program (None: nobody chosen).
        why_not: why saving is disabled for *actor* ('' when they may save).
        runner: where the content is read and saved.
        hooks: the subclass's file name, busy widgets and writer.
        parent: the owning window.
    """

    saved = Signal(object)  # Path of the file written

    def __init__(
        self,
        actor: Actor | None,
        why_not: str,
        runner: Runner,
        hooks: SaveHooks,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._hooks = hooks
        self._actor = actor
        self._runner = runner
        self._why_not = why_not
        self._folder = Path.home()
        self._busy = False

    # --- for subclasses ---------------------------------------------------------------------------

    @staticmethod
    def choose_target(parent: QWidget, suggested: Path, suffix: str) -> Path | None:
        """Ask where to write the file (subclasses name the dialog; tests replace this)."""
        return ask_target(parent, "Save", suggested, suffix)

    def _create_save_widgets(self, status_name: str) -> None:
        self.status = QLabel()
        self.status.setObjectName(status_name)
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.csv_button = self.buttons.addButton(
            "Save &CSV…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.pdf_button = self.buttons.addButton(
            "Save &PDF…", QDialogButtonBox.ButtonRole.ActionRole
        )

    def _connect_save_signals(self) -> None:
        self.csv_button.clicked.connect(lambda: self._on_save(".csv"))
        self.pdf_button.clicked.connect(lambda: self._on_save(".pdf"))
        self.buttons.rejected.connect(self.reject)

    def _save_footer(self) -> QHBoxLayout:
        """The status line beside the buttons."""
        footer = QHBoxLayout()
        footer.addWidget(self.status, 1)
        footer.addWidget(self.buttons)
        return footer

    def _submit_save(
        self,
        target: Path,
        write: Callable[[], Path],
        on_failed: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run *write* (it returns the path written) off the GUI thread, unless busy or refused."""
        if self._why_not or self._busy:
            return
        self._set_busy(True)
        self._show_status(f"Writing {target.name}…", MUTED)
        self._runner.submit(write, self._on_saved, on_failed or self._on_save_failed)

    # --- public -----------------------------------------------------------------------------------

    @property
    def why_not(self) -> str:
        """Why saving is disabled for this user ('' when they may save)."""
        return self._why_not

    # --- slots ------------------------------------------------------------------------------------

    def _on_save(self, suffix: str) -> None:
        name = self._hooks.name()
        if name is None:
            return
        target = type(self).choose_target(self, self._folder / f"{name}{suffix}", suffix)
        if target is not None:
            if target.suffix.lower() != suffix:  # a name without the suffix gets it
                target = target.with_name(target.name + suffix)
            self._folder = target.parent
            self._hooks.write(target)

    def _on_saved(self, path: Path) -> None:
        self._set_busy(False)
        self._show_status(f"Wrote {path.name} in {path.parent}.", GOOD)
        self.saved.emit(path)

    def _on_save_failed(self, error: Exception) -> None:
        self._set_busy(False)
        self._show_status(user_message(error), BAD)

    # --- helpers ----------------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in self._hooks.idle_widgets():
            widget.setEnabled(not busy)
        may_save = not busy and self._hooks.name() is not None and not self._why_not
        for button in (self.csv_button, self.pdf_button):
            button.setEnabled(may_save)
            button.setToolTip(self._why_not)

    def _show_status(self, text: str, colour: QColor) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color:{css(colour)}")
