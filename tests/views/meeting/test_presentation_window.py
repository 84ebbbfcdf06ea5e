"""Presentation mode: the next case is prepared before it is asked for, and never a stale one;
a re-review is presented as one; the timer and every symbol are text the font can draw; text
from people and feeds is shown as text.

The demo (seed 7, as of 24 Nov 2026): the planned meeting of 25 Nov 2026 lists 10 cases.
DEMO10076, de-escalated on 30 Sep 2026, is due back relapsing (tests/services/
test_rereview_cases.py) once listed.
"""

from __future__ import annotations

import html
import re
import sqlite3

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QToolTip

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.records import current_annotations
from mdt_desktop.domain.rereview import RereviewTag
from mdt_desktop.plots.case_data import planned_regimen
from mdt_desktop.plots.case_plots import CasePlotData
from mdt_desktop.plots.rendering import PixelSize
from mdt_desktop.presenters.meeting.presenter import MeetingPresenter
from mdt_desktop.services.bundle import meeting_services
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.roster import RosterService
from mdt_desktop.views.common.plain_text import tooltip, unformatted
from mdt_desktop.views.meeting.presentation_window import PresentationWindow, symbol
from mdt_desktop.views.meeting.rereview_tag import TAG_SYMBOL
from mdt_desktop.workers import ImmediateRunner
from tests.conftest import AS_OF
from tests.snapshot_helpers import import_late_crp

pytestmark = pytest.mark.slow  # draws cases at full screen size

WAIT = 15_000
REREVIEW = "DEMO10076"


class ManualRunner:
    """Holds background jobs until the test runs them, and their results until it delivers them
    (a drawing that lands late, on purpose)."""

    def __init__(self) -> None:
        self.jobs: list = []
        self.drawn: list = []
        self.results: list = []

    def submit(self, work, on_done, on_error) -> None:
        self.jobs.append((work, on_done, on_error))

    def draw_all(self) -> None:
        jobs, self.jobs = self.jobs, []
        self.drawn += [(work(), on_done) for work, on_done, _on_error in jobs]

    def deliver_all(self) -> None:
        drawn, self.drawn = self.drawn, []
        for result, on_done in drawn:
            self.results.append(result)
            on_done(result)

    def run_all(self) -> None:
        self.draw_all()
        self.deliver_all()


def plot_data_of(config):
    def plot_data(detail) -> CasePlotData:
        return CasePlotData(
            record=detail.record,
            thresholds=config.thresholds,
            regimens=config.regimens,
            end=detail.meeting_date,
            annotations=current_annotations(detail.annotations),
            plan=planned_regimen(detail.case.decision),
            antibody_assays=config.antibody_assays,
        )

    return plot_data


def planned_meeting(demo_db, config) -> int:
    return MeetingService(demo_db, config).find_id(AS_OF.strftime("%Y-%m"))


def open_presentation(qtbot, demo_db, config, *, runner=None, case=None):
    """A presenter on the planned meeting, and presentation mode at 1366 x 768 on its case."""
    presenter = MeetingPresenter(meeting_services(demo_db, config), ImmediateRunner())
    presenter.open_meeting(planned_meeting(demo_db, config), case)
    window = PresentationWindow(presenter, plot_data_of(config), height=768, runner=runner)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    canvas = window.plots
    qtbot.waitUntil(  # drawn again once laid out at its size
        lambda: (
            shown_size(window)
            == PixelSize(canvas.width(), canvas.height(), canvas.devicePixelRatioF())
        ),
        timeout=WAIT,
    )
    return presenter, window


def settled(qtbot, window) -> None:
    """Wait until the cases either side are prepared (the pause while a case is discussed)."""
    qtbot.waitUntil(lambda: not window.prefetch.busy, timeout=WAIT)


def shown_size(window):
    canvas = window.plots
    return canvas.shown.size if canvas.shown else None


# --- prepared in advance ----------------------------------------------------------------------


def test_the_next_case_swaps_in_the_picture_drawn_for_it(qtbot, demo_db, config):
    presenter, window = open_presentation(qtbot, demo_db, config)
    plot_data = plot_data_of(config)
    settled(qtbot, window)
    ready = window.plots.prepared_for(plot_data(presenter.board.cases[1]))
    assert ready is not None  # drawn in the background while case 1 was on screen
    assert window.plots.prepared_for(plot_data(presenter.board.cases[2])) is None
    with qtbot.waitSignal(window.plots.painted, timeout=WAIT):
        qtbot.keyClick(window, Qt.Key.Key_Right)
    assert window.counter.text() == "Case 2 of 10"
    assert window.plots.shown is ready  # swapped in, not drawn again
    assert window.plots.shown.data == plot_data(presenter.current)


def test_going_back_shows_the_case_just_left_without_drawing_it(qtbot, demo_db, config):
    _presenter, window = open_presentation(qtbot, demo_db, config)
    settled(qtbot, window)
    first = window.plots.shown
    qtbot.keyClick(window, Qt.Key.Key_Right)
    settled(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert window.counter.text() == "Case 1 of 10"
    assert window.plots.shown is first


def test_a_write_drops_every_prepared_case(qtbot, demo_db, config):
    presenter, window = open_presentation(qtbot, demo_db, config)
    plot_data = plot_data_of(config)
    settled(qtbot, window)
    before = window.plots.prepared_for(plot_data(presenter.board.cases[1]))
    assert before is not None
    nurse = next(c for c in RosterService(demo_db).clinicians() if c.role.value == "ibd_nurse")
    presenter.actor = Actor(nurse.id, nurse.name)
    presenter.add_note("Discussed with the patient.")  # a write on case 1
    assert window.plots.prepared_for(plot_data(presenter.board.cases[1])) is None
    settled(qtbot, window)
    again = window.plots.prepared_for(plot_data(presenter.board.cases[1]))
    assert again is not None
    assert again is not before  # prepared afresh after the write
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert window.plots.shown is again


def test_a_picture_drawn_before_an_import_is_never_shown(qtbot, demo_db, config, tmp_path):
    """Case 3 is being drawn when a CRP of 48 mg/L arrives for its patient and the meeting is
    read again: the old drawing lands afterwards and is dropped; case 3 shows the new CRP."""
    runner = ManualRunner()
    presenter, window = open_presentation(qtbot, demo_db, config, runner=runner)
    plot_data = plot_data_of(config)
    canvas = window.plots
    qtbot.waitUntil(lambda: bool(runner.jobs), timeout=WAIT)
    runner.run_all()  # case 2 prepared
    qtbot.keyClick(window, Qt.Key.Key_Right)  # case 2 shown; case 3 queued to be drawn
    qtbot.waitUntil(lambda: len(runner.jobs) == 1, timeout=WAIT)
    stale = plot_data(presenter.board.cases[2])
    runner.draw_all()  # drawn before the import...
    number = presenter.board.cases[2].case.patient.hospital_number
    import_late_crp(demo_db, tmp_path, number)
    presenter.reload()  # (what the main window does after an import)
    runner.deliver_all()  # ...and landing after it
    (late,) = runner.results[1:]
    assert late is not None
    assert late.data == stale
    assert canvas.prepared_for(stale) is None  # dropped, not kept
    fresh = plot_data(presenter.board.cases[2])
    assert fresh != stale
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert window.counter.text() == "Case 3 of 10"
    shown = canvas.shown
    assert shown is not late
    assert shown.data == fresh
    new_crp = "C-reactive protein: 48 mg/L"
    assert any(p.text.startswith(new_crp) for p in shown.hover)
    assert not any(p.text.startswith(new_crp) for p in late.hover)


def test_a_case_asked_for_while_it_is_being_drawn_is_not_drawn_twice(qtbot, demo_db, config):
    runner = ManualRunner()
    presenter, window = open_presentation(qtbot, demo_db, config, runner=runner)
    qtbot.waitUntil(lambda: bool(runner.jobs), timeout=WAIT)
    runner.draw_all()  # drawn on the drawing thread, not yet handed back
    ((drawn, _on_done),) = runner.drawn
    assert drawn.data == plot_data_of(config)(presenter.board.cases[1])
    qtbot.keyClick(window, Qt.Key.Key_Right)  # asked for before it was handed back
    assert window.plots.shown is drawn
    runner.deliver_all()  # handing it back later changes nothing
    assert window.plots.shown is drawn
    assert window.plots.prepared_for(drawn.data) is None


def test_a_drawing_not_started_before_a_reload_is_not_drawn(qtbot, demo_db, config):
    runner = ManualRunner()
    presenter, window = open_presentation(qtbot, demo_db, config, runner=runner)
    qtbot.waitUntil(lambda: bool(runner.jobs), timeout=WAIT)
    presenter.reload()
    runner.run_all()  # its turn comes after the reload: it is no longer wanted
    assert runner.results == [None] * len(runner.results)
    assert window.plots.prepared_for(plot_data_of(config)(presenter.board.cases[1])) is None


def test_the_plots_keep_one_size_whatever_the_case_shows(qtbot, demo_db, config):
    """The re-review box, the checklist and long header lines never resize the plots, so what
    was prepared at one size fits the next case."""
    admin = MeetingAdminService(demo_db, config)
    coordinator = next(
        c for c in RosterService(demo_db).clinicians() if c.role.value == "coordinator"
    )
    actor = Actor(coordinator.id, coordinator.name)
    admin.add_candidate(planned_meeting(demo_db, config), REREVIEW, actor, "Re-review")
    presenter, window = open_presentation(qtbot, demo_db, config)
    sizes = set()
    for _ in range(len(presenter.board.cases)):
        settled(qtbot, window)
        sizes.add(shown_size(window))
        qtbot.keyClick(window, Qt.Key.Key_Right)
    assert len(sizes) == 1
    assert any(c.rereview for c in presenter.board.cases)


def test_after_a_resize_the_picture_is_drawn_again_at_the_new_size(qtbot, demo_db, config):
    _presenter, window = open_presentation(qtbot, demo_db, config)
    settled(qtbot, window)
    old = shown_size(window)
    window.resize(1100, 700)
    qtbot.waitUntil(lambda: shown_size(window) != old, timeout=WAIT)
    canvas = window.plots
    assert (shown_size(window).width, shown_size(window).height) == (
        canvas.width(),
        canvas.height(),
    )
    settled(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert canvas.shown.size == shown_size(window)
    assert (canvas.shown.size.width, canvas.shown.size.height) == (canvas.width(), canvas.height())


def shown_text(rich: str) -> str:
    """What a label's rich text reads as: no tags, entities decoded, no invisible marks."""
    return unformatted(html.unescape(re.sub(r"<[^>]+>", "", rich)))


# --- re-review --------------------------------------------------------------------------------


def test_a_re_review_is_presented_as_one(qtbot, demo_db, config):
    admin = MeetingAdminService(demo_db, config)
    coordinator = next(
        c for c in RosterService(demo_db).clinicians() if c.role.value == "coordinator"
    )
    actor = Actor(coordinator.id, coordinator.name)
    admin.add_candidate(planned_meeting(demo_db, config), REREVIEW, actor, "Re-review")
    presenter, window = open_presentation(qtbot, demo_db, config, case=REREVIEW)
    rereview = presenter.current.rereview
    assert rereview is not None
    assert rereview.tag is RereviewTag.RELAPSING
    assert window.rereview_tag.isVisible()
    mark = symbol(TAG_SYMBOL[RereviewTag.RELAPSING], window.rereview_tag.font())
    assert window.rereview_tag.text() == f"{mark} Re-review: relapsing".strip()
    assert window.rereview.isVisible()
    shown = unformatted(window.rereview.text())
    assert rereview.reason.startswith("Re-review after de-escalation (30 Sep 2026)")
    assert rereview.reason in shown
    for line in rereview.lines():
        assert html.escape(line) in shown  # each line of evidence, as text
    overall = shown_text(window.overall.text())
    assert overall == presenter.current.overall.label_for(rereview=True)
    assert "on the reduced regimen" in overall or overall == "Re-review incomplete"
    qtbot.keyClick(window, Qt.Key.Key_Home)
    assert presenter.current.rereview is None
    assert not window.rereview_tag.isVisible()
    assert not window.rereview.isVisible()
    assert shown_text(window.overall.text()).startswith("Objective remission")


# --- glyphs and text --------------------------------------------------------------------------


def drawable(widget, text: str) -> bool:
    metrics = QFontMetrics(widget.font())
    return all(metrics.inFontUcs4(ord(c)) for c in text if not c.isspace())


def test_the_timer_is_words_and_digits_the_font_has(qtbot, demo_db, config):
    _presenter, window = open_presentation(qtbot, demo_db, config)
    assert window.timer.text() == ""
    qtbot.keyClick(window, Qt.Key.Key_T)
    assert re.fullmatch(r"Timer \d\d:\d\d", window.timer.text())
    assert window.timer.text().startswith("Timer 00:0")
    assert drawable(window.timer, window.timer.text())
    assert drawable(window.hints, window.hints.text())  # the arrows, or words instead


def test_a_symbol_the_font_lacks_becomes_words(qtbot, demo_db, config):
    _presenter, window = open_presentation(qtbot, demo_db, config)
    font = window.timer.font()
    assert symbol("\u23f1", font, "Timer") == (
        "\u23f1" if QFontMetrics(font).inFontUcs4(0x23F1) else "Timer"
    )
    assert symbol("\U000f0000", font, "instead") == "instead"  # a private-use code point


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen: the tooltip
def test_names_and_lab_text_are_shown_as_text(qtbot, demo_db, demo_path, config):
    """A patient named with markup and a right-to-left mark, a lab source that looks like HTML:
    shown as written, the name isolated, the hover escaped."""
    presenter = MeetingPresenter(meeting_services(demo_db, config), ImmediateRunner())
    presenter.open_meeting(planned_meeting(demo_db, config))
    patient_id = presenter.current.case.patient.id
    raw = sqlite3.connect(demo_path)
    with raw:
        raw.execute(
            "UPDATE patients SET family_name = ? WHERE id = ?",
            ("<b>Wilson</b>\u200f", patient_id),
        )
        raw.execute(
            "UPDATE observations SET source = ? WHERE patient_id = ?", ("<i>lab</i>", patient_id)
        )
    raw.close()
    _presenter, window = open_presentation(qtbot, demo_db, config)
    title = window.title
    assert title.textFormat() is Qt.TextFormat.PlainText
    assert "<B>WILSON</B>\u200f, Maya" in title.text()  # the surname in capitals, as typed
    assert "\u2068" in title.text()  # isolated: the mark cannot reverse the line
    canvas = window.plots
    point = next(p for p in canvas.hover_points if "<i>lab</i>" in p.text)
    shown = canvas.shown
    x, y = shown.points[point.axes_index][
        [p for p in shown.hover if p.axes_index == point.axes_index].index(point)
    ]
    ratio = shown.size.ratio
    qtbot.mouseMove(canvas, QPoint(round(x / ratio), round((shown.height - y) / ratio)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=WAIT)
    assert QToolTip.text() == tooltip(point.text)
    assert "&lt;i&gt;lab&lt;/i&gt;" in QToolTip.text()


def level_point(window):
    """A drug-level point of the shown case, with its pixel position, or None."""
    shown = window.plots.shown
    level = shown.axes.panels().index(shown.axes.level)
    points = [p for p in shown.hover if p.axes_index == level]
    for point, (x, y) in zip(points, shown.points[level], strict=True):
        if point.observation_id is not None:
            ratio = shown.size.ratio
            return point, QPoint(round(x / ratio), round((shown.height - y) / ratio))
    return None


def test_clicking_a_drug_level_names_its_result(qtbot, demo_db, config):
    _presenter, window = open_presentation(qtbot, demo_db, config)
    found = level_point(window)
    while found is None:  # the first case with a drug level
        qtbot.keyClick(window, Qt.Key.Key_Right)
        found = level_point(window)
    point, where = found
    with qtbot.waitSignal(window.plots.point_clicked) as clicked:
        qtbot.mouseClick(window.plots, Qt.MouseButton.LeftButton, pos=where)
    assert clicked.args == [point.observation_id]
