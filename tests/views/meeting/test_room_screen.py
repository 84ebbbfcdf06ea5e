"""The room screen: initials and hospital numbers only on the shared display.

Every text a widget shows (labels, buttons, line edits, combo items, window titles, every cell and
tooltip of every table) is searched for the patients' names, dates of birth and NHS numbers.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QTextBrowser,
    QWidget,
)

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.identifiers import Identifiers
from mdt_desktop.domain.nhs import format_nhs_number
from mdt_desktop.presenters.meeting.presenter import MeetingPresenter
from mdt_desktop.services.bundle import admin_services, meeting_services
from mdt_desktop.services.followup import FollowUpService
from mdt_desktop.services.roster import RosterService
from mdt_desktop.views.common.plain_text import unformatted
from mdt_desktop.views.common.settings import ViewSettings
from mdt_desktop.views.meeting.main_window import MainWindow, ScreenOptions
from mdt_desktop.views.meeting.window_base import ROOM_SCREEN_ON
from mdt_desktop.views.worklists.followup_window import FollowUpWindow
from mdt_desktop.workers import ImmediateRunner
from tests.conftest import AS_OF
from tests.views.meeting.test_consensus_flows import CHAIR, act_as, open_window

pytestmark = pytest.mark.slow  # opens the main window on the demo for every test

ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)
ROOT = QModelIndex()


def model_texts(model: QAbstractItemModel) -> list[str]:
    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount()
    return [
        str(value)
        for row in range(model.rowCount(ROOT))
        for column in range(columns)
        for role in ROLES
        if (value := model.index(row, column).data(role)) is not None
    ]


def screen_texts(root: QWidget) -> list[str]:
    """Everything *root* and its children show as text."""
    texts = [root.windowTitle()]
    for widget in [root, *root.findChildren(QWidget)]:
        texts.append(widget.toolTip())
        if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
            texts.append(widget.text())
        elif isinstance(widget, QTextBrowser):
            texts.append(widget.toPlainText())
        elif isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            texts += model_texts(widget.model())
    return texts


def identifying(patient) -> list[str]:
    """What the room screen must never show of *patient*."""
    dob = patient.date_of_birth
    found = [
        patient.display_name,
        patient.family_name.upper(),
        f"{patient.given_name} {patient.family_name}",
        f"{dob:%d %b %Y}",
        f"{dob:%d/%m/%Y}",
        dob.isoformat(),
    ]
    if patient.nhs_number:
        found += [patient.nhs_number, format_nhs_number(patient.nhs_number)]
    return found


def assert_private(texts: list[str], patients) -> None:
    joined = "\n".join(texts)
    for patient in patients:
        for identifier in identifying(patient):
            assert identifier not in joined, identifier


def patients_of(window):
    return [d.case.patient for d in window.presenter.board.cases]


def test_the_room_screen_shows_no_name_date_of_birth_or_nhs_number(
    qtbot, demo_db, config, tmp_path
):
    window = open_window(qtbot, demo_db, config, tmp_path)
    act_as(window, CHAIR)
    patients = patients_of(window)
    everything = "\n".join(screen_texts(window))
    assert patients[0].display_name in everything  # in full until the room screen is on
    assert window.room_indicator.isHidden()
    window.room_action.trigger()
    assert window.room_action.isChecked()
    assert window.identifiers is Identifiers.INITIALS
    assert_private(screen_texts(window), patients)
    current = window.presenter.current.case.patient
    assert unformatted(window.header.title.text()).startswith(
        f"{current.initials} · {current.hospital_number} · "
    )
    assert [window.model.index(r, 1).data() for r in range(len(patients))] == [
        p.initials for p in patients
    ]
    assert window.room_indicator.isVisible()
    assert window.room_indicator.text() == ROOM_SCREEN_ON
    assert "room screen" in window.windowTitle()
    for row in range(1, len(patients)):  # every case's header
        with qtbot.waitSignal(window.case_painted, timeout=5_000):
            window.presenter.select_case(row)
        assert_private(screen_texts(window), patients)


def test_the_filter_still_finds_a_patient_by_name(qtbot, demo_db, config, tmp_path):
    window = open_window(qtbot, demo_db, config, tmp_path)
    window.room_action.trigger()
    patients = patients_of(window)
    wanted = patients[2]
    family = wanted.family_name.split()[0]  # the surname the chair types
    window.filter.setText(family.lower())
    shown = [window.proxy.index(r, 2).data() for r in range(window.proxy.rowCount())]
    assert wanted.hospital_number in shown
    assert window.proxy.index(shown.index(wanted.hospital_number), 1).data() == wanted.initials
    assert_private(model_texts(window.proxy), [p for p in patients if p is not wanted])
    assert wanted.display_name not in model_texts(window.proxy)
    window.filter.setText(wanted.hospital_number)
    assert window.proxy.rowCount() == 1
    window.filter.setText("no such patient")
    assert window.proxy.rowCount() == 0


def test_presentation_mode_shows_initials_for_every_case(qtbot, demo_db, config, tmp_path):
    window = open_window(qtbot, demo_db, config, tmp_path)
    window.room_action.trigger()
    patients = patients_of(window)
    presentation = window.start_presentation(full_screen=False, size=(1366, 768))
    qtbot.addWidget(presentation)
    assert "Room screen: initials" in presentation.hints.text()
    for index, patient in enumerate(patients):
        assert unformatted(presentation.title.text()).startswith(f"{patient.initials} · ")
        assert_private(screen_texts(presentation), patients)
        if index + 1 < len(patients):
            with qtbot.waitSignal(window.case_painted, timeout=5_000):
                qtbot.keyClick(presentation, Qt.Key.Key_Right)
    window.room_action.trigger()  # off again while presenting: names come back at once
    assert patients[-1].display_name in presentation.title.text()
    assert "Room screen" not in presentation.hints.text()
    with qtbot.waitSignal(presentation.closed):
        qtbot.keyClick(presentation, Qt.Key.Key_Escape)


def test_the_setting_is_remembered_and_off_restores_full_names(qtbot, demo_db, config, tmp_path):
    window = open_window(qtbot, demo_db, config, tmp_path)
    window.room_action.trigger()
    settings = ViewSettings(tmp_path / "settings.ini")
    assert settings.room_screen()
    again = open_window(qtbot, demo_db, config, tmp_path)  # the same settings file
    assert again.room_action.isChecked()
    assert again.model.index(0, 1).data() == patients_of(again)[0].initials
    again.room_action.trigger()
    assert not ViewSettings(tmp_path / "settings.ini").room_screen()
    first = patients_of(again)[0]
    assert again.model.index(0, 1).data() == first.display_name
    assert unformatted(again.header.title.text()).startswith(first.display_name)
    assert again.room_indicator.isHidden()
    assert again.windowTitle() == "MDT Desktop — test"


def test_starting_on_the_room_screen_does_not_change_the_remembered_setting(
    qtbot, demo_db, config, tmp_path
):
    settings = ViewSettings(tmp_path / "settings.ini")
    presenter = MeetingPresenter(meeting_services(demo_db, config), ImmediateRunner())
    window = MainWindow(
        presenter,
        config,
        RosterService(demo_db).clinicians(),
        settings,
        ScreenOptions("MDT Desktop — test", str(demo_db.path), quiet=True, room_screen=True),
        admin=admin_services(demo_db, config, tmp_path),
        runner=ImmediateRunner(),
    )
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.case_painted, timeout=10_000):
        window.load()
    assert window.room_action.isChecked()
    assert_private(screen_texts(window), patients_of(window))
    assert not settings.room_screen()  # --room-screen is for this session (e.g. screenshots)


def test_the_follow_up_worklist_on_the_room_screen(qtbot, demo_db, config):
    coordinator = next(c for c in RosterService(demo_db).clinicians() if "Sam Patel" in c.name)
    worklist = FollowUpWindow(
        FollowUpService(demo_db, config),
        config.thresholds,
        Actor(coordinator.id, coordinator.name),
        True,
        ImmediateRunner(),
        today=AS_OF,
        identifiers=Identifiers.INITIALS,
    )
    qtbot.addWidget(worklist)
    worklist.show()
    rows = FollowUpService(demo_db, config).worklist(AS_OF)
    assert rows
    assert worklist.selected() is not None
    texts = "\n".join(screen_texts(worklist))
    for row in rows:
        assert row.name not in texts
        assert row.initials in texts
    assert unformatted(worklist.details.toPlainText()).startswith(
        f"{worklist.selected().initials} · "
    )
    worklist.set_identifiers(Identifiers.FULL)
    texts = "\n".join(screen_texts(worklist))
    assert all(row.name in texts for row in rows)
    assert unformatted(worklist.details.toPlainText()).startswith(worklist.selected().name)


def test_the_switch_reaches_an_open_follow_up_window(qtbot, demo_db, config, tmp_path):
    window = open_window(qtbot, demo_db, config, tmp_path)
    window.open_followup()
    qtbot.addWidget(window.followup_window)
    assert window.followup_window.model.identifiers is Identifiers.FULL
    window.room_action.trigger()
    assert window.followup_window.model.identifiers is Identifiers.INITIALS
    window.room_action.trigger()
    assert window.followup_window.model.identifiers is Identifiers.FULL


def test_the_preparation_dialog_on_the_room_screen(qtbot, demo_db, config):
    """The coordinator's preparation dialog follows the room screen too (lists and tooltips)."""
    from mdt_desktop.services.meeting_admin import MeetingAdminService
    from mdt_desktop.services.meetings import MeetingService
    from mdt_desktop.views.preparation.prepare_meeting_dialog import PrepareMeetingDialog

    meetings = MeetingService(demo_db, config)
    coordinator = next(
        c for c in RosterService(demo_db).clinicians() if c.role.value == "coordinator"
    )
    dialog = PrepareMeetingDialog(
        MeetingAdminService(demo_db, config),
        meetings,
        RosterService(demo_db).clinicians(),
        meetings.find_id("2026-11"),
        Actor(coordinator.id, coordinator.name),
        True,
        ImmediateRunner(),
        identifiers=Identifiers.INITIALS,
    )
    qtbot.addWidget(dialog)
    listed = [
        dialog.candidate_model.row_at(r).patient for r in range(dialog.candidate_model.rowCount())
    ]
    suggested = [
        dialog.suggestion_model.suggestion(r).patient
        for r in range(dialog.suggestion_model.rowCount())
    ]
    assert listed
    assert suggested
    assert_private(screen_texts(dialog), listed + suggested)
    assert dialog.candidate_model.index(0, 2).data() == listed[0].initials
