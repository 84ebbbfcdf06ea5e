"""The monthly summary window: the month shown first, its tabs, another month, saving."""

from __future__ import annotations

from datetime import date

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt

from mdt_desktop.domain.enums import Outcome, Role
from mdt_desktop.services.monthly_summary import MonthlySummaryService
from mdt_desktop.views.worklists.monthly_summary_window import (
    NOBODY,
    NOT_ALLOWED,
    MonthlySummaryWindow,
)
from mdt_desktop.workers import ImmediateRunner
from tests.conftest import AS_OF
from tests.services.test_chase import member


@pytest.fixture
def service(demo_db, config):
    return MonthlySummaryService(demo_db, config)


def open_summary(qtbot, service, actor, can_save=True, **kwargs):
    window = MonthlySummaryWindow(
        service, actor, can_save, ImmediateRunner(), as_of=AS_OF, **kwargs
    )
    qtbot.addWidget(window)
    window.show()
    return window


def column(model, index):
    return [model.text(row, index) for row in range(model.rowCount())]


def test_it_opens_on_the_month_of_the_latest_meeting_held(qtbot, service, demo_db):
    window = open_summary(qtbot, service, member(demo_db, Role.COORDINATOR))
    expected = service.summary("2026-10", AS_OF)
    summary = window.summary
    assert summary is not None
    assert summary.as_json() == expected.as_json()
    assert window.chosen_month() == date(2026, 10, 1)
    assert window.windowTitle() == "Monthly summary — October 2026"
    headline = window.headline.text()
    assert "Monthly summary — October 2026" in headline
    assert f"<b>{len(expected.actions_overdue)}</b>" in headline
    assert column(window.models["Meetings"], 0) == ["Wed 28 Oct 2026"]
    decisions = dict(zip(*(column(window.models["Decisions"], i) for i in (0, 1)), strict=True))
    assert decisions == {o.label: str(n) for o, n in expected.decisions.items()}
    assert decisions[Outcome.DE_ESCALATE.label] != "0"
    drugs = column(window.models["Administrations avoided"], 0)
    assert drugs == [s.label for s in expected.savings] + ["All drugs"]
    assert column(window.models["Administrations avoided"], 4)[-1] == (
        f"{expected.administrations_avoided:.1f}"
    )
    assert window.models["De-escalations"].rowCount() == len(expected.reductions)
    assert window.models["Actions overdue"].rowCount() == len(expected.actions_overdue)
    assert window.pdf_button.isEnabled()


def test_another_month(qtbot, service, demo_db):
    window = open_summary(qtbot, service, member(demo_db, Role.COORDINATOR))
    window.month.setDate(QDate(2026, 11, 1))
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        qtbot.mouseClick(window.refresh_button, Qt.MouseButton.LeftButton)
    assert window.summary.month == date(2026, 11, 1)
    (meeting,) = window.summary.meetings
    assert meeting.discussed == 0
    assert column(window.models["Meetings"], 1) == ["planned"]
    assert window.models["De-escalations"].rowCount() == 0


def test_save_pdf(qtbot, service, demo_db, tmp_path, monkeypatch):
    window = open_summary(qtbot, service, member(demo_db, Role.COORDINATOR))
    target = tmp_path / "october"
    monkeypatch.setattr(MonthlySummaryWindow, "choose_target", staticmethod(lambda *a: target))
    with qtbot.waitSignal(window.saved, timeout=20_000) as saved:
        qtbot.mouseClick(window.pdf_button, Qt.MouseButton.LeftButton)
    assert saved.args[0] == tmp_path / "october.pdf"
    text = " ".join(PdfReader(saved.args[0]).pages[0].extract_text().split())
    assert "Monthly summary — October 2026" in text
    assert "Wrote october.pdf" in window.status.text()


@pytest.mark.parametrize(("who", "reason"), [(None, NOBODY), (Role.PHARMACIST, NOT_ALLOWED)])
def test_who_may_not_export_cannot_save(qtbot, service, demo_db, who, reason):
    actor = member(demo_db, who) if who else None
    window = open_summary(qtbot, service, actor, can_save=False)
    assert window.summary is not None
    assert not window.csv_button.isEnabled()
    assert window.csv_button.toolTip() == reason


def test_tools_monthly_summary_opens_it(qtbot, demo_db, config, tmp_path):
    from tests.views.meeting.test_consensus_flows import act_as, open_window

    main = open_window(qtbot, demo_db, config, tmp_path)
    act_as(main, "Sam Patel")
    main.summary_action.trigger()
    window = main.summary_window
    assert window is not None
    assert window.summary is not None
    assert window.pdf_button.isEnabled()  # the coordinator may export
