"""The export dialog on the demo database: minutes, pseudonyms, letters, cancel, refusals.

Every export names its patient identifiers explicitly (``choose``): the dialog pre-selects none.

Exports run on the real thread pool (a ProgressTask), so each test waits for the dialog's
export_finished signal; nothing sleeps.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.enums import MeetingStatus, Role
from mdt_desktop.domain.identifiers import Identifiers
from mdt_desktop.domain.text import without_isolates
from mdt_desktop.reports.minutes import Cancelled
from mdt_desktop.services.exports import ExportKind, ExportResult, ExportService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.roster import RosterService
from mdt_desktop.views.exchange.export_dialog import (
    CANCELLED,
    DEMO_CONTACT,
    FULL_ONLY,
    NO_DECISION,
    NO_IDENTIFIERS,
    NOBODY,
    NOT_ALLOWED,
    ExportDialog,
    draft_warning,
)
from tests.views.meeting.test_consensus_flows import COORDINATOR, NURSE, act_as, open_window

pytestmark = pytest.mark.slow  # exports and renders PDFs in the background

WAIT = 60_000
CHAIR = "Helen Marsh"


def member(db, name):
    return next(c for c in RosterService(db).clinicians() if name in c.name)


def board_of(db, config, status):
    meetings = MeetingService(db, config)
    item = next(m for m in meetings.list_meetings() if m.status is status)
    return meetings.board(item.id)


def make_dialog(qtbot, db, config, folder, *, who=COORDINATOR, status=MeetingStatus.SIGNED_OFF):
    clinician = member(db, who) if who else None
    actor = Actor(clinician.id, clinician.name) if clinician else None
    may = clinician is not None and clinician.role in (Role.COORDINATOR, Role.IBD_CONSULTANT)
    exports = ExportService(db, config, ExportService.default_key_path(folder))
    dialog = ExportDialog(exports, board_of(db, config, status), actor, may, folder=folder)
    qtbot.addWidget(dialog)
    return dialog


@pytest.fixture
def out(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def dialog(qtbot, demo_db, config, out):
    return make_dialog(qtbot, demo_db, config, out)


def choose(dialog, identifiers=Identifiers.FULL):
    dialog.identifier_buttons[identifiers].click()  # as the user does: nothing is pre-selected
    assert dialog.identifiers() is identifiers


def export(qtbot, dialog):
    with qtbot.waitSignal(dialog.export_finished, timeout=WAIT):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.task.wait(10)


def pdf_text(path: Path) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return without_isolates(text)  # the bidi isolates around names print as nothing


def hospital_numbers(dialog):
    return [dialog.patient.itemData(row) for row in range(dialog.patient.count())]


def test_full_minutes_are_written_with_the_chair_and_every_case(qtbot, dialog, out):
    assert dialog.target() == out / "MDT-minutes-2026-10-28.pdf"
    choose(dialog)
    export(qtbot, dialog)
    written = out / "MDT-minutes-2026-10-28.pdf"
    assert written.is_file()
    assert dialog.last_result.files == (written,)
    text = pdf_text(written)
    assert CHAIR in text
    numbers = hospital_numbers(dialog)
    assert len(numbers) == 6
    for number in numbers:
        assert number in text
    pages = dialog.last_result.pages
    assert dialog.status.text().startswith(f"Wrote {written.name} ({pages} pages) in ")
    assert dialog.status.text().endswith("Patient identifiers: full identifiers.")
    assert dialog.problem.text() == ""
    assert dialog.open_button.isEnabled()
    assert dialog.progress.value() == dialog.progress.maximum()
    assert [p.name for p in out.iterdir() if p.suffix == ".pdf"] == [written.name]


def test_pseudonymised_minutes_carry_no_hospital_number(qtbot, dialog, out):
    choose(dialog, Identifiers.PSEUDONYMS)
    assert dialog.target() == out / "MDT-minutes-2026-10-28-pseudonymised.pdf"
    export(qtbot, dialog)
    text = pdf_text(dialog.target())
    assert CHAIR in text
    assert "DEMO1" not in text


def test_letters_go_one_per_case_into_a_folder(qtbot, dialog, out):
    dialog.set_kind(ExportKind.LETTERS)
    folder = out / "MDT-letters-2026-10-28"
    assert dialog.target() == folder
    choose(dialog)
    export(qtbot, dialog)
    letters = sorted(folder.glob("*.pdf"))
    assert len(letters) == len(hospital_numbers(dialog)) == 6
    for letter, number in zip(letters, hospital_numbers(dialog), strict=True):
        assert number in letter.name
    assert "Wrote 6 letters" in dialog.status.text()


def test_one_patients_letter(qtbot, dialog, out):
    dialog.set_kind(ExportKind.LETTER)
    assert dialog.patient.isEnabled()
    dialog.patient.setCurrentIndex(2)
    number = dialog.hospital_number()
    assert dialog.target() == out / f"MDT-outcome-{number}-2026-10-28.pdf"
    choose(dialog)
    export(qtbot, dialog)
    text = pdf_text(dialog.target())
    assert number in text
    for other in set(hospital_numbers(dialog)) - {number}:
        assert other not in text, "a letter carries nobody else's data"


def test_the_spreadsheet(qtbot, dialog, out):
    dialog.set_kind(ExportKind.SPREADSHEET)
    assert dialog.target() == out / "MDT-decisions-2026-10-28.csv"
    choose(dialog)
    export(qtbot, dialog)
    assert dialog.target().read_text(encoding="utf-8-sig").startswith("meeting_date,")
    assert "Wrote" in dialog.status.text()


def test_the_suffix_follows_the_kind(dialog, out):
    dialog.path.setText(str(out / "board.pdf"))
    dialog.set_kind(ExportKind.SPREADSHEET)
    assert dialog.target() == out / "board.csv"
    dialog.set_kind(ExportKind.LETTERS)
    assert dialog.target() == out / "board"
    dialog.set_kind(ExportKind.MINUTES)
    assert dialog.target() == out / "board.pdf"
    dialog.path.setText("bare.pdf")  # a bare name goes into the suggested folder
    assert dialog.target() == out / "bare.pdf"


@pytest.mark.parametrize("after", ["the first report", "the first letter"])
def test_cancelling_letters_leaves_no_pdf(qtbot, dialog, out, monkeypatch, after):
    """Cancel from the worker's progress callback: deterministic, whatever the machine's speed."""
    real = ExportService.export
    reports = []

    def export_then_cancel(self, request, actor, options):
        def progress(done, total, what):
            options.progress(done, total, what)
            reports.append(what)
            if after == "the first report" or what.endswith("-outcome.pdf"):
                dialog.task.cancel()  # as the Cancel button does; safe from any thread

        return real(self, request, actor, replace(options, progress=progress))

    monkeypatch.setattr(ExportService, "export", export_then_cancel)
    dialog.set_kind(ExportKind.LETTERS)
    choose(dialog)
    export(qtbot, dialog)
    folder = dialog.target()
    assert any(r.endswith("-outcome.pdf") for r in reports) is (after == "the first letter")
    left = list(folder.iterdir()) if folder.exists() else []
    assert left == [], "no letter and no temporary file is left behind"
    assert dialog.status.text() == CANCELLED
    assert dialog.problem.text() == ""
    assert dialog.last_result is None
    assert not dialog.open_button.isEnabled()
    assert dialog.export_button.isEnabled()  # may try again


def test_the_cancel_button_stops_a_running_export_then_closes(qtbot, dialog, monkeypatch):
    released = threading.Event()

    def slow_export(self, request, actor, options):
        options.progress(0, 2, "Drawing the plots of case 1")
        released.wait(WAIT / 1000)  # until the test has clicked Cancel on the GUI thread
        if options.cancelled():
            raise Cancelled("Export cancelled; no file was written.")
        return ExportResult((request.target,), 1, 0.1)

    monkeypatch.setattr(ExportService, "export", slow_export)
    dialog.show()
    choose(dialog)
    with qtbot.waitSignal(dialog.task.progress, timeout=WAIT):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.running
    assert dialog.status.text() == "Drawing the plots of case 1"
    for control in (dialog.export_button, dialog.path, dialog.browse_button, dialog.open_button):
        assert not control.isEnabled()
    with qtbot.waitSignal(dialog.export_finished, timeout=WAIT):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # as the Cancel button: stops, stays open
        assert dialog.isVisible()
        assert dialog.status.text() == "Cancelling…"
        assert not dialog.cancel_button.isEnabled()
        released.set()
    assert dialog.status.text() == CANCELLED
    assert dialog.isVisible()
    assert dialog.export_button.isEnabled()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_a_wrong_suffix_shows_the_services_message(qtbot, dialog, out):
    choose(dialog)  # choosing fixes the suffix of the name in the box: choose first
    dialog.path.setText(str(out / "minutes.txt"))
    export(qtbot, dialog)
    assert "must be written to a .pdf" in dialog.problem.text()
    assert "Traceback" not in dialog.problem.text()
    assert not (out / "minutes.txt").exists()
    assert dialog.export_button.isEnabled()
    assert not dialog.open_button.isEnabled()


def test_an_empty_path_is_refused_before_anything_runs(qtbot, dialog):
    choose(dialog)
    dialog.path.clear()
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert not dialog.running
    assert dialog.problem.text() == "Choose where to write the export."


def test_a_nurse_may_not_export(qtbot, demo_db, config, out):
    dialog = make_dialog(qtbot, demo_db, config, out, who=NURSE)
    assert not dialog.export_button.isEnabled()
    assert dialog.export_button.toolTip() == NOT_ALLOWED
    assert dialog.blocked_note.text() == f"Export is not available: {NOT_ALLOWED}"
    assert not dialog.blocked_note.isHidden()


def test_nobody_chosen_may_not_export(qtbot, demo_db, config, out):
    dialog = make_dialog(qtbot, demo_db, config, out, who=None)
    assert not dialog.export_button.isEnabled()
    assert dialog.export_button.toolTip() == NOBODY


def test_a_meeting_not_signed_off_is_exported_as_a_draft(qtbot, demo_db, config, out):
    planned = make_dialog(qtbot, demo_db, config, out, status=MeetingStatus.PLANNED)
    assert not planned.draft_note.isHidden()
    assert planned.draft_note.text() == (
        "The minutes will say DRAFT on every page: the meeting is not signed off."
    )
    planned.set_kind(ExportKind.LETTERS)
    assert planned.draft_note.text() == draft_warning(ExportKind.LETTERS)
    assert planned.target() == out / "MDT-letters-2026-11-25"
    signed = make_dialog(qtbot, demo_db, config, out)
    assert signed.draft_note.isHidden()


def test_open_opens_what_was_written(qtbot, dialog, out, monkeypatch):
    opened = []
    monkeypatch.setattr(ExportDialog, "open_path", staticmethod(opened.append))
    assert not dialog.open_button.isEnabled()
    dialog.set_kind(ExportKind.SPREADSHEET)
    choose(dialog)
    export(qtbot, dialog)
    assert dialog.cancel_button.text() == "Close"
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert opened == [out / "MDT-decisions-2026-10-28.csv"]


def test_open_opens_the_letters_folder(qtbot, dialog, out, monkeypatch):
    opened = []
    monkeypatch.setattr(ExportDialog, "open_path", staticmethod(opened.append))
    dialog.set_kind(ExportKind.LETTERS)
    choose(dialog)
    export(qtbot, dialog)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert opened == [out / "MDT-letters-2026-10-28"]


def test_browse_puts_the_chosen_path_in_the_box(qtbot, dialog, out, monkeypatch):
    asked = []

    def choose(parent, kind, current):
        asked.append((kind, current))
        return out / "chosen.pdf"

    monkeypatch.setattr(ExportDialog, "choose_target", staticmethod(choose))
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    assert asked == [(ExportKind.MINUTES, out / "MDT-minutes-2026-10-28.pdf")]
    assert dialog.target() == out / "chosen.pdf"


# --- from the main window ---------------------------------------------------------------------


def test_ctrl_e_opens_the_export_dialog_for_the_open_meeting(
    qtbot, demo_db, config, tmp_path, monkeypatch
):
    window = open_window(qtbot, demo_db, config, tmp_path)
    act_as(window, COORDINATOR)
    shown = []

    def exec_(self):
        shown.append(self)
        return 0

    monkeypatch.setattr(ExportDialog, "exec", exec_)
    assert window.export_action.isEnabled()
    assert window.export_action.shortcut().toString() == "Ctrl+E"
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert len(shown) == 1
    dialog = shown[0]
    assert dialog.heading.text().startswith("<b>MDT of Wednesday 25 November 2026</b>")
    assert dialog.identifiers() is None  # nothing pre-selected
    assert not dialog.export_button.isEnabled()
    assert dialog.export_button.toolTip() == NO_IDENTIFIERS
    choose(dialog)
    assert dialog.export_button.isEnabled()
    assert window.export_dialog is None  # closed again
    act_as(window, NURSE)
    window.export_action.trigger()
    assert len(shown) == 2
    assert shown[1].why_not == NOT_ALLOWED


def test_an_existing_file_is_replaced_only_when_the_user_agrees(qtbot, dialog, out, monkeypatch):
    target = out / "minutes.pdf"
    target.write_bytes(b"earlier")
    choose(dialog)
    dialog.path.setText(str(target))
    answers = []
    monkeypatch.setattr(
        ExportDialog,
        "confirm_overwrite",
        staticmethod(lambda parent, t: answers.append(t) or False),
    )
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert answers == [target]
    assert not dialog.running
    assert target.read_bytes() == b"earlier"
    monkeypatch.setattr(ExportDialog, "confirm_overwrite", staticmethod(lambda parent, t: True))
    export(qtbot, dialog)
    assert target.read_bytes().startswith(b"%PDF")


# --- identifiers chosen explicitly, letters to GPs --------------------------------------------


def export_audit(path):
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT after, patient_id FROM audit_events WHERE action = 'export' ORDER BY id"
        ).fetchall()
    return [(json.loads(after), patient_id) for after, patient_id in rows]


def test_nothing_is_exported_until_the_identifiers_are_chosen(qtbot, dialog, out, demo_path):
    assert dialog.identifiers() is None
    assert not any(b.isChecked() for b in dialog.identifier_buttons.values())
    assert not dialog.export_button.isEnabled()
    assert dialog.export_button.toolTip() == NO_IDENTIFIERS
    assert dialog.blocked_note.text() == f"Export is not available: {NO_IDENTIFIERS}"
    dialog.start_export()  # e.g. Enter on the default button: nothing starts
    assert not dialog.running
    assert export_audit(demo_path) == []
    choose(dialog, Identifiers.INITIALS)
    assert dialog.export_button.isEnabled()
    assert dialog.blocked_note.isHidden()
    assert dialog.target() == out / "MDT-minutes-2026-10-28-initials.pdf"
    export(qtbot, dialog)
    text = pdf_text(dialog.target())
    board = dialog._board
    for detail in board.cases:
        patient = detail.case.patient
        assert patient.hospital_number in text
        assert patient.initials in text
        assert patient.display_name not in text
        assert patient.family_name.upper() not in text
        assert f"{patient.date_of_birth:%d %b %Y}" not in text
    assert "initials and hospital numbers" in text
    assert dialog.status.text().endswith("Patient identifiers: initials and hospital number.")
    ((after, _patient),) = export_audit(demo_path)
    assert after["identifiers"] == "initials"
    assert after["kind"] == "minutes"


def test_the_spreadsheet_can_carry_pseudonyms(qtbot, dialog, demo_path):
    dialog.set_kind(ExportKind.SPREADSHEET)
    choose(dialog, Identifiers.PSEUDONYMS)
    assert dialog.target().name == "MDT-decisions-2026-10-28-pseudonymised.csv"
    export(qtbot, dialog)
    sheet = dialog.target().read_text(encoding="utf-8-sig")
    assert "PSN-" in sheet
    assert "DEMO1" not in sheet
    ((after, _patient),) = export_audit(demo_path)
    assert after == after | {"kind": "spreadsheet", "identifiers": "pseudonyms"}


def test_letters_carry_full_identifiers_and_a_choice_is_not_carried_over(dialog):
    for kind in (ExportKind.LETTER, ExportKind.LETTERS, ExportKind.GP_LETTER):
        dialog.set_kind(ExportKind.MINUTES)
        choose(dialog, Identifiers.INITIALS)
        dialog.set_kind(kind)
        assert dialog.identifiers() is None, kind  # initials are not allowed: choose again
        assert not dialog.export_button.isEnabled()
        assert dialog.identifier_buttons[Identifiers.FULL].isEnabled()
        for other in (Identifiers.INITIALS, Identifiers.PSEUDONYMS):
            assert not dialog.identifier_buttons[other].isEnabled()
            assert dialog.identifier_buttons[other].toolTip() == FULL_ONLY
    choose(dialog, Identifiers.FULL)
    dialog.set_kind(ExportKind.MINUTES)
    assert dialog.identifiers() is Identifiers.FULL  # allowed here too: kept
    assert all(b.isEnabled() for b in dialog.identifier_buttons.values())


def test_a_letter_to_the_gp_from_the_dialog(qtbot, dialog, out, demo_path):
    dialog.set_kind(ExportKind.GP_LETTER)
    assert dialog.patient.isEnabled()
    assert dialog.recipient.isEnabled()
    assert DEMO_CONTACT in dialog.draft_note.text()  # the shipped contact details are demo
    dialog.patient.setCurrentIndex(1)
    number = dialog.hospital_number()
    assert dialog.target() == out / f"MDT-GP-letter-{number}-2026-10-28.pdf"
    dialog.recipient.setText("Dr A Example, Example Surgery")
    choose(dialog)
    export(qtbot, dialog)
    text = pdf_text(dialog.target())
    assert "Dear Dr A Example," in text
    assert "Example Surgery" in text
    assert number in text
    for other in set(hospital_numbers(dialog)) - {number}:
        assert other not in text
    ((after, patient_id),) = export_audit(demo_path)
    assert after["kind"] == "gp_letter"
    assert after["identifiers"] == "full"
    assert after["to"] == "Dr A Example · Example Surgery"
    assert patient_id is not None


def test_gp_letters_for_every_decided_case_go_into_a_folder(qtbot, dialog, out):
    dialog.set_kind(ExportKind.GP_LETTERS)
    assert not dialog.recipient.isEnabled()  # different GPs: each letter says Dear Colleague
    choose(dialog)
    export(qtbot, dialog)
    letters = sorted(dialog.target().glob("*-gp-letter.pdf"))
    decided = [d for d in dialog._board.cases if d.case.decision is not None]
    assert len(letters) == len(decided) == 6
    assert "Dear Colleague" in pdf_text(letters[0])


def test_a_gp_letter_needs_a_decision(qtbot, demo_db, config, out):
    planned = make_dialog(qtbot, demo_db, config, out, status=MeetingStatus.PLANNED)
    assert all(d.case.decision is None for d in planned._board.cases)
    planned.set_kind(ExportKind.GP_LETTER)
    choose(planned)
    assert not planned.export_button.isEnabled()
    assert planned.export_button.toolTip() == NO_DECISION
    assert planned.blocked_note.text() == f"Export is not available: {NO_DECISION}"
    assert not planned.blocked_note.isHidden()


def test_the_reason_stays_beside_export_after_something_was_written(qtbot, demo_db, config, out):
    # The draft minutes are written; then a GP letter about an undecided case is chosen:
    # Export greys out and the reason shows beside it, though the status line still says
    # what was written.
    planned = make_dialog(qtbot, demo_db, config, out, status=MeetingStatus.PLANNED)
    choose(planned)
    export(qtbot, planned)
    assert planned.status.text().startswith("Wrote ")
    assert planned.blocked_note.isHidden()
    planned.set_kind(ExportKind.GP_LETTER)
    assert not planned.export_button.isEnabled()
    assert planned.status.text().startswith("Wrote ")
    assert planned.blocked_note.text() == f"Export is not available: {NO_DECISION}"
    assert not planned.blocked_note.isHidden()


def test_on_the_room_screen_the_dialog_lists_patients_by_initials(qtbot, demo_db, config, out):
    clinician = member(demo_db, COORDINATOR)
    board = board_of(demo_db, config, MeetingStatus.SIGNED_OFF)
    exports = ExportService(demo_db, config, ExportService.default_key_path(out))
    dialog = ExportDialog(
        exports,
        board,
        Actor(clinician.id, clinician.name),
        True,
        folder=out,
        shown=Identifiers.INITIALS,
    )
    qtbot.addWidget(dialog)
    items = [dialog.patient.itemText(row) for row in range(dialog.patient.count())]
    for item, detail in zip(items, board.cases, strict=True):
        patient = detail.case.patient
        assert item == f"{detail.case.position}. {patient.initials} ({patient.hospital_number})"
        assert patient.family_name not in item


def test_letter_to_gp_opens_the_export_dialog_on_the_current_case(
    qtbot, demo_db, config, tmp_path, monkeypatch
):
    window = open_window(qtbot, demo_db, config, tmp_path)
    act_as(window, CHAIR)
    signed = MeetingService(demo_db, config).find_id("2026-10")
    with qtbot.waitSignal(window.case_painted, timeout=10_000):
        window.load(signed, "DEMO10079")
    assert window.gp_letter_action.isEnabled()
    panel = window.tabs.decision
    assert panel.gp_letter_button.isEnabled()
    shown = []
    monkeypatch.setattr(ExportDialog, "exec", lambda self: shown.append(self) or 0)
    qtbot.mouseClick(panel.gp_letter_button, Qt.MouseButton.LeftButton)
    (dialog,) = shown
    assert dialog.kind() is ExportKind.GP_LETTER
    assert dialog.hospital_number() == "DEMO10079"
    assert dialog.identifiers() is None  # still the user's choice
    assert dialog.why_not == ""  # the chair (an IBD consultant) may export
    act_as(window, NURSE)
    window.gp_letter_action.trigger()
    assert shown[1].why_not == NOT_ALLOWED  # permission-checked like every export
