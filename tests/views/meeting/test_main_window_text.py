"""Text from users and feeds on the meeting screen: never markup, bidi-isolated, long words wrap.

The chair's roster name is given markup, a patient's name a right-to-left override and a reason
a 400-character word; the screen shows each as typed and keeps its layout.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument, QTextLayout

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.enums import ChecklistResult, Role
from mdt_desktop.views.common.plain_text import (
    FSI,
    PDI,
    ZWSP,
    breakable,
    isolate,
    isolate_within,
    markup,
    tooltip,
    unformatted,
)
from mdt_desktop.views.meeting import main_window
from mdt_desktop.views.meeting.checklist_view import AnswerDialog
from tests.views.meeting.test_consensus_flows import CHAIR, COORDINATOR, act_as, go_to, open_window

pytestmark = pytest.mark.slow  # opens the main window on the demo for every test

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: reverses what follows until popped


@pytest.fixture
def window(qtbot, demo_db, config, tmp_path):
    win = open_window(qtbot, demo_db, config, tmp_path)
    win._options = main_window.ScreenOptions("t", win._options.database_label, quiet=True)
    return win


def test_isolate_wraps_the_text_and_balances_stray_marks():
    assert isolate("Wilson") == f"{FSI}Wilson{PDI}"
    assert isolate("") == ""
    assert isolate(f"a{PDI}b") == f"{FSI}ab{PDI}", "a stray pop would end the isolate early"
    assert isolate("\u2067x") == f"{FSI}\u2067x{PDI}{PDI}", "an unclosed one is closed"
    assert isolate_within("WILSON · DEMO1", ["WILSON", "DEMO1", ""]) == (
        f"{FSI}WILSON{PDI} · {FSI}DEMO1{PDI}"
    )


def test_breakable_breaks_only_long_words():
    assert breakable("a short reason") == "a short reason"
    assert breakable("x" * 65) == "x" * 30 + ZWSP + "x" * 30 + ZWSP + "x" * 5
    assert unformatted(breakable("y" * 400)) == "y" * 400


def test_markup_and_tooltips_show_the_text_as_written():
    assert markup("<b>Dr</b> & co") == f"{FSI}&lt;b&gt;Dr&lt;/b&gt; &amp; co{PDI}"
    shown = QTextDocument()
    shown.setHtml(tooltip("<i>not italic</i>\nsecond line"))
    assert shown.toPlainText() == "<i>not italic</i>\nsecond line"
    assert tooltip("") == ""


def rename_chair(window, name):
    coordinator = next(c for c in window.roster if COORDINATOR in c.name)
    chair = next(c for c in window.roster if CHAIR in c.name)
    window._admin.roster_admin.update(chair.id, Actor(coordinator.id, coordinator.name), name=name)
    window.reload_roster()
    window.presenter.reload()
    return chair


def test_a_roster_name_with_markup_is_shown_as_typed(qtbot, window):
    name = "<b>Dr Helen</b> Marsh & co"
    with qtbot.waitSignal(window.case_painted, timeout=10_000):
        rename_chair(window, name)
    assert name in unformatted(window.meeting_summary.text())
    assert window.meeting_summary.textFormat() == Qt.TextFormat.PlainText
    labels = [window.user_picker.itemText(i) for i in range(window.user_picker.count())]
    assert any(name in unformatted(label) for label in labels)


def test_an_rtl_override_in_a_name_does_not_reverse_the_rest_of_the_header(
    qtbot, window, demo_path
):
    number = window.presenter.board.cases[1].case.patient.hospital_number
    with sqlite3.connect(demo_path) as connection:
        connection.execute(
            "UPDATE patients SET given_name = given_name || ? WHERE hospital_number = ?",
            (RLO, number),
        )
    with qtbot.waitSignal(window.case_painted, timeout=10_000):
        window.presenter.reload()
    go_to(qtbot, window, number)
    text = window.header.title.text()
    layout = QTextLayout(text, window.header.title.font())
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(10_000)
    layout.endLayout()
    start = text.index(number)
    first, last = line.cursorToX(start)[0], line.cursorToX(start + len(number) - 1)[0]
    assert first < last, "the hospital number reads left to right after the name"
    age = text.index(" y · ")
    assert line.cursorToX(start)[0] < line.cursorToX(age)[0], "and the age after it"


def test_a_400_character_word_in_a_reason_wraps_without_moving_the_plots(
    qtbot, window, monkeypatch
):
    act_as(window, CHAIR)
    go_to(qtbot, window, window.presenter.board.cases[2].case.patient.hospital_number)
    plots, width = window.plots.geometry(), window.width()
    word = "W" * 400
    monkeypatch.setattr(
        "mdt_desktop.views.meeting.decision_panel.QInputDialog.getText",
        lambda *_a, **_k: (word, True),
    )
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        qtbot.mouseClick(window.tabs.decision.defer_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.case_notice.deferral.isVisible())
    label = window.case_notice.deferral
    assert unformatted(label.text()) == f"Deferred: {word}"
    assert window.width() == width
    assert window.plots.geometry().width() == plots.width()
    assert window.plots.geometry().x() == plots.x()
    assert label.width() <= window.width()
    assert label.height() > label.fontMetrics().height(), "it wraps onto more lines"


def test_the_answer_dialog_shows_a_reason_with_markup_as_typed(qtbot, window):
    answer = window.checklist.model.answer(0)
    from dataclasses import replace

    answered = replace(
        answer,
        confirmed=ChecklistResult.NOT_MET,
        override_reason="<i>flare</i> & <b>steroids</b>",
        answered_by="Dr <u>X</u>",
        answered_at=datetime(2026, 11, 25, 17, 5),
    )
    dialog = AnswerDialog(answered)
    qtbot.addWidget(dialog)
    facts = dialog.findChildren(type(dialog.problem))[0]
    shown = QTextDocument()
    shown.setHtml(facts.text())
    assert "<i>flare</i> & <b>steroids</b>" in unformatted(shown.toPlainText())
    assert "Dr <u>X</u>" in unformatted(shown.toPlainText())


def test_a_note_with_markup_is_listed_as_typed(qtbot, window):
    nurse = next(c for c in window.roster if c.role is Role.IBD_NURSE)
    window.set_user(nurse.id)
    notes = window.tabs.notes
    qtbot.keyClicks(notes.text, "<script>x</script> & done")
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        qtbot.mouseClick(notes.add_button, Qt.MouseButton.LeftButton)
    listed = notes.notes.item(notes.notes.count() - 1).text()
    assert "<script>x</script> & done" in unformatted(listed)
