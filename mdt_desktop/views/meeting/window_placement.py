"""Where the meeting window opens and how the list and the plots share its height."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QMargins, QRect, QSize, QTimer

from mdt_desktop.views.common.screen_fit import (
    COMPACT_BELOW,
    DEFAULT_SIZE,
    TABS_SHARE,
    centred,
    fit_within,
    keep_plots_readable,
    share,
)
from mdt_desktop.views.meeting.window_base import WindowBase


class WindowPlacement(WindowBase):
    """Geometry, splitters and what is remembered of them.

    See docs/architecture.md, "The meeting screen".
    """

    def place_on_screen(self, size: tuple[int, int] | None = None) -> None:
        """Open at *size* if asked, else where the user left it (else filling the screen).

        The window never opens bigger than the screen's available area nor with its bottom off
        it, whatever was remembered or asked for (docs/architecture.md, "The meeting screen").
        """
        saved = None if size else self._settings.state("geometry")
        if saved is None or not self.restoreGeometry(saved):
            wanted = QSize(*size) if size else self._available().size()
            self.setGeometry(centred(wanted, self._frame(), self._available()))
        state = self._settings.state("window")
        if state is not None:
            self.restoreState(state)
        self._fit_to_screen()
        self._refit_when_shown = True

    def _available(self) -> QRect:
        screen = self.screen()
        return (
            screen.availableGeometry()
            if screen is not None
            else QRect(0, 0, DEFAULT_SIZE.width(), DEFAULT_SIZE.height())
        )

    def _frame(self) -> QMargins:
        """The window frame (title bar, borders) around the client area; none before shown."""
        outer, inner = self.frameGeometry(), self.geometry()
        return QMargins(
            inner.left() - outer.left(),
            inner.top() - outer.top(),
            outer.right() - inner.right(),
            outer.bottom() - inner.bottom(),
        )

    def _fit_to_screen(self) -> None:
        if self.isMaximized() or self.isFullScreen():
            return
        fitted = fit_within(self.geometry(), self._frame(), self._available())
        if fitted != self.geometry():
            self.setGeometry(fitted)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._placed:
            self._placed = True
            if not self._splitters_restored:  # first run: the list and the plots share
                self._share_space()
            else:
                self._keep_plots_readable()
            QTimer.singleShot(0, self._after_first_show)

    def _after_first_show(self) -> None:
        """The frame is known once shown: fit again, so the title bar is on the screen too."""
        if self._refit_when_shown:
            self._fit_to_screen()
        self._keep_plots_readable()
        if self.table.currentIndex().isValid():  # the list's height changed: keep it in view
            self.table.scrollTo(self.table.currentIndex())

    def _share_space(self) -> None:
        """Sizes for a first run: the plots readable, then up to ten rows of cases."""
        total = self.splitter.height() - self.splitter.handleWidth()
        self.splitter.setSizes(list(share(total, self._list_space())))
        width = self.work_splitter.width()
        tabs = round(width * TABS_SHARE)
        self.work_splitter.setSizes([width - tabs, tabs])

    def _keep_plots_readable(self) -> None:
        """Remembered sizes from a bigger screen: the list gives way to keep the plots readable."""
        sizes = self.splitter.sizes()
        if len(sizes) == 2 and all(sizes):
            wanted = keep_plots_readable((sizes[0], sizes[1]), self._list_space())
            if list(wanted) != sizes:
                self.splitter.setSizes(list(wanted))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.header.set_compact(self.height() < COMPACT_BELOW)

    def closeEvent(self, event: Any) -> None:
        self._settings.set_state("geometry", self.saveGeometry())
        self._settings.set_state("window", self.saveState())
        self._settings.set_state("main", self.splitter.saveState())
        self._settings.set_state("work", self.work_splitter.saveState())
        self._settings.sync()
        if self.presentation is not None:
            self.presentation.close()
        super().closeEvent(event)
