"""The meeting window on any screen from 1366×768 to 4K at 100–200 % scaling.

The window opens within the screen's available area (never bigger, never with its bottom off
the screen), at the geometry the user left it if that still fits, and the space between the case
list and the case's plots is shared so the plots stay readable:

- the plots get at least ``PLOT_USEFUL_HEIGHT`` (each of the three main panels about 60 px,
  with the dose strip, a key of up to three rows and the dates) before the list gets more than
  its minimum (``LIST_MIN_ROWS`` rows: PgUp, PgDn and the arrows still move through it);
- a window less tall than ``COMPACT_BELOW`` leaves out the header's diagnosis line (the list
  shows the diagnosis too);
- then the list grows to ``LIST_ROWS`` rows (at 1920×1080 every case of a usual meeting);
- the user moves the splitter between them, and the program remembers where.

The sizes here are lengths in logical pixels: at 200 % they are twice as many device pixels
(docs/architecture.md, "The meeting screen").
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QMargins, QPoint, QRect, QSize

DEFAULT_SIZE = QSize(1366, 768)  # when the screen is not known
PLOT_USEFUL_HEIGHT = 500  # calprotectin, CRP and trough panels of ~60 px, strip, key and dates
PLOT_BLOOD_EXTRA = 130  # three more (smaller) panels when blood counts are shown
PLOT_MIN_HEIGHT = 240  # below this the plots are not drawn smaller: the list gives way first
LIST_ROWS = 10  # rows the case list shows when the window has room
LIST_MIN_ROWS = 2
COMPACT_BELOW = 800  # a window less tall than this leaves out optional lines (the diagnosis)
TABS_SHARE = 0.45  # of the case pane's width for the checklist, decision and other tabs


def fit_within(window: QRect, frame: QMargins, available: QRect) -> QRect:
    """Return *window* (client geometry) made to fit, with its *frame*, in *available*.

    Args:
        window: Where the window's client area would be (e.g. as restored).
        frame: The window frame around the client area (title bar, borders).
        available: The screen's available geometry (without task bars).

    Returns:
        The client geometry: no larger than *available* less the frame, moved onto it.
    """
    width = min(window.width(), available.width() - frame.left() - frame.right())
    height = min(window.height(), available.height() - frame.top() - frame.bottom())
    left_min = available.left() + frame.left()
    top_min = available.top() + frame.top()
    left_max = available.right() + 1 - frame.right() - width
    top_max = available.bottom() + 1 - frame.bottom() - height
    left = min(max(window.left(), left_min), left_max)
    top = min(max(window.top(), top_min), top_max)
    return QRect(QPoint(left, top), QSize(max(width, 1), max(height, 1)))


def centred(size: QSize, frame: QMargins, available: QRect) -> QRect:
    """A window of *size* (client) centred on *available*, made to fit."""
    left = available.left() + (available.width() - size.width()) // 2
    top = available.top() + (available.height() - size.height()) // 2
    return fit_within(QRect(QPoint(left, top), size), frame, available)


@dataclass(frozen=True, slots=True)
class ListSpace:
    """The heights that decide how the case list and the case pane share the window."""

    row: int  # one row of the case list
    list_chrome: int  # the list's tab bar, column headers and frame
    case_chrome: int  # the patient header and notices above the plots
    plots_wanted: int = PLOT_USEFUL_HEIGHT

    def list_height(self, rows: int) -> int:
        return self.list_chrome + rows * self.row


def share(total: int, space: ListSpace) -> tuple[int, int]:
    """Split *total* between the list (first) and the case pane (second).

    The plots get ``space.plots_wanted`` before the list grows beyond ``LIST_MIN_ROWS`` rows;
    the list then grows to ``LIST_ROWS`` rows and the plots take the rest.
    """
    case_wanted = space.case_chrome + space.plots_wanted
    smallest = space.list_height(LIST_MIN_ROWS)
    largest = space.list_height(LIST_ROWS)
    listed = max(smallest, min(largest, total - case_wanted))
    return listed, max(total - listed, 0)


def keep_plots_readable(sizes: tuple[int, int], space: ListSpace) -> tuple[int, int]:
    """Restored splitter *sizes*, changed only if the plots would be below what they need.

    The list then gives way, down to ``LIST_MIN_ROWS`` rows.
    """
    listed, case = sizes
    short = space.case_chrome + space.plots_wanted - case
    if short <= 0:
        return sizes
    give = min(short, max(listed - space.list_height(LIST_MIN_ROWS), 0))
    return listed - give, case + give
