"""Keyboard focus: a ring that shows where it is, and the order Tab moves through the panes.

The ring is drawn by one transparent overlay per window, around the widget that has the focus
(around the current tab of a tab bar), as two bands: dark inside, amber outside. One of the two
contrasts with any background, so it shows on light and dark palettes and on a washed-out
projector. It follows the widget when a splitter, a scroll area or the window moves it.

Tab moves between panes and controls, never between the cells of a table (``one_tab_stop``);
``chain`` sets the order explicitly, so widgets built later (a row per attendee) are not left at
the end of it (docs/architecture.md, "The meeting screen").
"""

from __future__ import annotations

import atexit
from collections.abc import Iterable, Sequence
from itertools import pairwise

import shiboken6
from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

OUTER = QColor("#ffb000")  # amber: shows on dark backgrounds
INNER = QColor("#101010")  # near black: shows on light backgrounds
BAND = 2  # px per band; the ring is 2 × BAND wide, outside the widget
_FOLLOWED = (
    QEvent.Type.Move,
    QEvent.Type.Resize,
    QEvent.Type.Show,
    QEvent.Type.Hide,
    QEvent.Type.LayoutRequest,
)


class FocusRing(QWidget):
    """The focus indicator of one window: an overlay drawn around one widget of it."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._target: QWidget | None = None
        self._watched: list[QWidget] = []
        self.setObjectName("focusRing")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide()
        window.installEventFilter(self)

    @staticmethod
    def of(window: QWidget) -> FocusRing:
        """The ring of *window*, made on first use."""
        found = window.findChild(FocusRing, "focusRing", Qt.FindChildOption.FindDirectChildrenOnly)
        return found if isinstance(found, FocusRing) else FocusRing(window)

    def detach(self) -> None:
        """Stop watching the window and the focused widget."""
        self.surround(None)
        self._window.removeEventFilter(self)

    @property
    def target(self) -> QWidget | None:
        """The widget the ring is drawn around (None: hidden)."""
        return self._target if self.isVisible() else None

    def surround(self, widget: QWidget | None) -> None:
        """Draw the ring around *widget* (None: hide it), and follow it when it moves."""
        for watched in self._watched:
            if shiboken6.isValid(watched):
                watched.removeEventFilter(self)
        self._watched = []
        self._target = widget
        chain: QWidget | None = widget
        while chain is not None and chain is not self._window:
            chain.installEventFilter(self)
            self._watched.append(chain)
            chain = chain.parentWidget()
        self.follow()

    def follow(self) -> None:
        """Put the ring around the focused widget again (after it moved or resized)."""
        target = self._target
        if target is None or not target.isVisible():
            self.hide()
            return
        visible = _visible_rect(target, self._window)
        if visible.isEmpty():
            self.hide()
            return
        margin = 2 * BAND
        self.setGeometry(visible.adjusted(-margin, -margin, margin, margin))
        self.raise_()
        self.show()
        self.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _FOLLOWED and watched is not self:
            self.follow()
        return super().eventFilter(watched, event)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        outer = self.rect().adjusted(BAND // 2, BAND // 2, -(BAND + 1) // 2, -(BAND + 1) // 2)
        inner = outer.adjusted(BAND, BAND, -BAND, -BAND)
        for rect, colour in ((outer, OUTER), (inner, INNER)):
            pen = QPen(colour)
            pen.setWidth(BAND)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
        painter.end()


class _Rings(QObject):
    """Moves the ring of the window that has the focus onto the focused widget."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._shown: FocusRing | None = None
        app.focusChanged.connect(self._on_focus)
        atexit.register(self.stop)  # before Python winds down, while the widgets still exist

    def stop(self) -> None:
        """Stop following the focus and the widgets (the program is ending)."""
        app = QApplication.instance()
        if not (shiboken6.isValid(self) and isinstance(app, QApplication)):
            return
        app.focusChanged.disconnect(self._on_focus)
        for window in app.topLevelWidgets():
            for ring in window.findChildren(FocusRing):
                ring.detach()

    def _on_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        if QApplication.closingDown() or new is None or isinstance(new, FocusRing):
            return  # the widgets are going away: nothing to draw
        if not shiboken6.isValid(new) or not new.isVisible():
            return
        window = new.window()
        if window.windowType() in (Qt.WindowType.Popup, Qt.WindowType.ToolTip):
            return  # a menu or a list dropping down: it shows its own current item
        ring = FocusRing.of(window)
        if self._shown is not None and self._shown is not ring and shiboken6.isValid(self._shown):
            self._shown.surround(None)
        ring.surround(new)
        self._shown = ring


def show_focus_rings() -> None:
    """From now on, draw the focus ring in every window of the application (idempotent)."""
    app = QApplication.instance()
    if isinstance(app, QApplication) and app.findChild(_Rings) is None:
        _Rings(app)
        focused = app.focusWidget()
        if focused is not None:
            FocusRing.of(focused.window()).surround(focused)


def _visible_rect(widget: QWidget, window: QWidget) -> QRect:
    """The part of *widget* not clipped by its ancestors, in *window*'s coordinates.

    A tab bar's ring goes around its current tab.
    """
    local = widget.rect()
    if isinstance(widget, QTabBar) and widget.currentIndex() >= 0:
        local = widget.tabRect(widget.currentIndex())
    rect = QRect(widget.mapTo(window, local.topLeft()), local.size())
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        rect = rect.intersected(QRect(parent.mapTo(window, parent.rect().topLeft()), parent.size()))
        parent = parent.parentWidget()
    return rect


def one_tab_stop(*views: QAbstractItemView) -> None:
    """Tab leaves the table (arrows move between its cells)."""
    for view in views:
        view.setTabKeyNavigation(False)


def tab_leaves(*boxes: QPlainTextEdit | QTextEdit) -> None:
    """Tab and Shift+Tab leave a multi-line text box (Ctrl+Tab types a tab character)."""
    for box in boxes:
        box.setTabChangesFocus(True)
        box.installEventFilter(_CtrlTabTypesTab(box))


class _CtrlTabTypesTab(QObject):
    """Ctrl+Tab in a text box whose Tab moves the focus types a tab character."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(watched, QPlainTextEdit | QTextEdit)
            and event.key() == Qt.Key.Key_Tab  # type: ignore[attr-defined]
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier  # type: ignore[attr-defined]
        ):
            watched.insertPlainText("\t")
            return True
        return super().eventFilter(watched, event)


def chain(widgets: Sequence[QWidget]) -> None:
    """Make Tab visit *widgets* in this order (each after the one before it)."""
    for first, second in pairwise(widgets):
        QWidget.setTabOrder(first, second)


def _proxied(widget: QWidget) -> QWidget:
    """The widget that takes the focus for *widget* (its focus proxy's, if it has one)."""
    while (proxy := widget.focusProxy()) is not None:
        widget = proxy
    return widget


def tab_stops(root: QWidget) -> Iterable[QWidget]:
    """The widgets of *root*'s window that Tab visits from *root*, once round, in order."""
    seen: list[QWidget] = []
    walked: set[int] = set()
    widget: QWidget | None = root.nextInFocusChain()
    while widget is not None and widget is not root and id(widget) not in walked:
        walked.add(id(widget))
        stop = _proxied(widget)
        if (
            widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            and stop.isVisible()
            and stop.isEnabled()
            and stop not in seen
            and stop is not root
        ):
            seen.append(stop)
        widget = widget.nextInFocusChain()
    return seen
