"""The roster dialog on the demo database: the coordinator adds, edits and deactivates members."""

import pytest
from PySide6.QtCore import Qt

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.enums import Role
from mdt_desktop.services.roster import RosterAdmin, RosterService
from mdt_desktop.views.display import MUTED
from mdt_desktop.views.roster_dialog import (
    NOBODY,
    NOT_ALLOWED,
    MemberDialog,
    RosterDialog,
    RosterTableModel,
)
from mdt_desktop.workers import ImmediateRunner


def member_of(db, role):
    return next(c for c in RosterService(db).clinicians() if c.role is role)


def make_dialog(qtbot, db, clinician, *, can_edit):
    actor = Actor(clinician.id, clinician.name) if clinician else None
    dialog = RosterDialog(RosterService(db), RosterAdmin(db), actor, can_edit, ImmediateRunner())
    qtbot.addWidget(dialog)
    return dialog


@pytest.fixture
def coordinator(demo_db):
    return member_of(demo_db, Role.COORDINATOR)


@pytest.fixture
def dialog(qtbot, demo_db, coordinator):
    return make_dialog(qtbot, demo_db, coordinator, can_edit=True)


def answer_with(monkeypatch, result):
    asked = []

    def ask(cls, title, name="", role=None, parent=None):
        asked.append((title, name, role))
        return result

    monkeypatch.setattr(MemberDialog, "ask", classmethod(ask))
    return asked


def names(dialog):
    return [dialog.model.index(r, 0).data() for r in range(dialog.model.rowCount())]


def select(dialog, clinician_id):
    dialog.table.selectRow(dialog.model.row_of(clinician_id))


def test_lists_everyone_with_role_and_status(dialog, demo_db):
    everyone = RosterService(demo_db).clinicians(active_only=False)
    assert dialog.model.rowCount() == len(everyone)
    assert dialog.model.index(0, 1).data() == Role.IBD_CONSULTANT.label
    assert dialog.model.index(0, 2).data() == "Active"
    assert dialog.add_button.isEnabled()
    assert not dialog.edit_button.isEnabled()  # nothing selected yet


def test_coordinator_adds_a_member(qtbot, dialog, demo_db, monkeypatch):
    asked = answer_with(monkeypatch, ("Dr Ana Silva", Role.RADIOLOGIST))
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert asked == [("Add to the roster", "", None)]
    assert "Dr Ana Silva" in names(dialog)
    assert dialog.selected().name == "Dr Ana Silva"
    assert dialog.selected().role is Role.RADIOLOGIST
    assert "Added Dr Ana Silva" in dialog.problem.text()
    stored = {c.name: c.role for c in RosterService(demo_db).clinicians()}
    assert stored["Dr Ana Silva"] is Role.RADIOLOGIST


def test_coordinator_edits_a_member(qtbot, dialog, demo_db, monkeypatch):
    nurse = member_of(demo_db, Role.IBD_NURSE)
    select(dialog, nurse.id)
    asked = answer_with(monkeypatch, ("Kate Doyle-Hart", Role.IBD_CLINICIAN))
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.edit_button, Qt.MouseButton.LeftButton)
    assert asked == [(f"Edit {nurse.name}", nurse.name, Role.IBD_NURSE)]
    row = dialog.model.row_of(nurse.id)
    assert dialog.model.index(row, 0).data() == "Kate Doyle-Hart"
    assert dialog.model.index(row, 1).data() == Role.IBD_CLINICIAN.label
    assert dialog.selected().id == nurse.id


def test_an_unchanged_edit_saves_nothing(qtbot, dialog, demo_db, monkeypatch):
    nurse = member_of(demo_db, Role.IBD_NURSE)
    select(dialog, nurse.id)
    answer_with(monkeypatch, (nurse.name, nurse.role))
    with qtbot.assertNotEmitted(dialog.changed):
        qtbot.mouseClick(dialog.edit_button, Qt.MouseButton.LeftButton)


def test_coordinator_deactivates_and_reactivates(qtbot, dialog, demo_db):
    surgeon = member_of(demo_db, Role.SURGEON)
    select(dialog, surgeon.id)
    assert dialog.active_button.text() == "&Deactivate"
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.active_button, Qt.MouseButton.LeftButton)
    row = dialog.model.row_of(surgeon.id)
    assert dialog.model.index(row, 2).data() == "Inactive"
    assert dialog.model.index(row, 0).data(Qt.ItemDataRole.ForegroundRole) == MUTED
    assert dialog.model.index(row, 0).data(Qt.ItemDataRole.FontRole).italic()
    assert surgeon.id not in {c.id for c in RosterService(demo_db).clinicians()}
    assert dialog.active_button.text() == "&Reactivate"
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.active_button, Qt.MouseButton.LeftButton)
    assert dialog.model.index(dialog.model.row_of(surgeon.id), 2).data() == "Active"
    assert surgeon.id in {c.id for c in RosterService(demo_db).clinicians()}


def test_service_refusal_is_shown_in_the_dialog(qtbot, dialog, coordinator):
    select(dialog, coordinator.id)
    with qtbot.assertNotEmitted(dialog.changed):
        qtbot.mouseClick(dialog.active_button, Qt.MouseButton.LeftButton)
    assert dialog.problem.text() == "You cannot deactivate yourself."
    assert dialog.model.index(dialog.model.row_of(coordinator.id), 2).data() == "Active"


def test_service_validation_is_shown_in_the_dialog(qtbot, dialog, monkeypatch):
    answer_with(monkeypatch, ("   ", Role.OBSERVER))
    with qtbot.assertNotEmitted(dialog.changed):
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.problem.text() == "name: required"
    assert dialog.add_button.isEnabled()  # not stuck busy


def test_a_nurse_cannot_manage_the_roster(qtbot, demo_db):
    nurse = member_of(demo_db, Role.IBD_NURSE)
    dialog = make_dialog(qtbot, demo_db, nurse, can_edit=False)
    dialog.table.selectRow(0)
    assert dialog.model.rowCount() > 0
    for button in (dialog.add_button, dialog.edit_button, dialog.active_button):
        assert not button.isEnabled()
        assert button.toolTip() == NOT_ALLOWED


def test_nobody_chosen_is_read_only(qtbot, demo_db):
    dialog = make_dialog(qtbot, demo_db, None, can_edit=True)
    assert not dialog.add_button.isEnabled()
    assert dialog.add_button.toolTip() == NOBODY


def test_member_dialog_needs_a_name(qtbot):
    member = MemberDialog("Add to the roster")
    qtbot.addWidget(member)
    save = member.buttons.button(member.buttons.StandardButton.Save)
    assert not save.isEnabled()
    qtbot.keyClicks(member.name, "  Dr Ana  Silva ")
    member.role.setCurrentIndex(member.role.findData(Role.PHARMACIST.value))
    assert save.isEnabled()
    assert member.values() == ("Dr Ana  Silva", Role.PHARMACIST)


def test_model_honours_the_qt_contract(qtmodeltester, demo_db):
    model = RosterTableModel()
    model.set_members(RosterService(demo_db).clinicians(active_only=False))
    qtmodeltester.check(model)
