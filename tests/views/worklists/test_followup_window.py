"""The follow-up window on the demo database: the worklist, the evidence, listing a patient.

The worklist is read for the demo's own "today" (AS_OF), so the rows do not depend on the date
the tests run; the main window's menu entry is checked separately.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.enums import Role
from mdt_desktop.services.followup import FollowUpService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.roster import RosterService
from mdt_desktop.views.worklists.followup_window import NOBODY, NOT_ALLOWED, FollowUpWindow
from mdt_desktop.workers import ImmediateRunner, ThreadPoolRunner
from tests.conftest import AS_OF
from tests.views.meeting.test_consensus_flows import COORDINATOR, NURSE, act_as, open_window

pytestmark = pytest.mark.slow  # the worklist and the main window on the demo

PATIENT, HOSPITAL_NUMBER, MONTHS, STATUS, LISTED = 0, 1, 4, 8, 11


def make_window(qtbot, db, config, who=COORDINATOR, runner=None):
    member = next((c for c in RosterService(db).clinicians() if who and who in c.name), None)
    window = FollowUpWindow(
        FollowUpService(db, config),
        config.thresholds,
        Actor(member.id, member.name) if member else None,
        member is not None and member.role is Role.COORDINATOR,
        runner or ImmediateRunner(),
        today=AS_OF,
    )
    qtbot.addWidget(window)
    window.show()
    return window


def cells(window, column):
    proxy = window.proxy
    return [proxy.index(row, column).data() for row in range(proxy.rowCount())]


def click_row(qtbot, window, hospital_number):
    row = cells(window, HOSPITAL_NUMBER).index(hospital_number)
    rect = window.table.visualRect(window.proxy.index(row, PATIENT))
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.selected().hospital_number == hospital_number


def test_the_worklist_is_shown_flags_and_overdue_first(qtbot, demo_db, config):
    window = make_window(qtbot, demo_db, config)
    expected = FollowUpService(demo_db, config).worklist(AS_OF)
    assert cells(window, HOSPITAL_NUMBER) == [r.hospital_number for r in expected]
    assert f"{len(expected)} patients" in window.heading.text()
    assert window.selected() == expected[0]  # the first row is open in the detail pane
    assert all(text.startswith(("✓", "?", "△", "▲", "‼", "↑")) for text in cells(window, STATUS))
    watched = [r for r in expected if r.re_escalated_on is not None]
    assert watched  # the demo re-escalated patients within the year
    assert f"{len(watched)} re-escalated, watched for recapture" in window.heading.text()
    assert set(cells(window, LISTED)) == {"—"}


def test_the_model_honours_the_qt_contract(qtbot, qtmodeltester, demo_db, config):
    window = make_window(qtbot, demo_db, config)
    assert window.model.rowCount() > 0
    qtmodeltester.check(window.model)


def test_the_table_sorts_on_values(qtbot, demo_db, config):
    window = make_window(qtbot, demo_db, config)
    window.table.sortByColumn(MONTHS, Qt.SortOrder.AscendingOrder)
    months = [float(text) for text in cells(window, MONTHS)]
    assert months == sorted(months)


def test_selecting_a_patient_shows_the_flare_evidence_and_the_checks(qtbot, demo_db, config):
    window = make_window(qtbot, demo_db, config)
    last = cells(window, HOSPITAL_NUMBER)[-1]
    click_row(qtbot, window, last)
    row = window.selected()
    text = window.details.toPlainText()
    assert row.name in text
    assert row.flare.headline in text
    assert "Faecal calprotectin: " in text
    assert "[S20, S21]" in text  # every component names its source
    assert "Early warning: " in text
    assert "Monitoring checks" in text
    assert row.plan_source in text
    assert row.checks[0].check.label in text


def test_the_coordinator_adds_a_patient_to_the_next_meeting(qtbot, demo_db, config):
    window = make_window(qtbot, demo_db, config)
    number = cells(window, HOSPITAL_NUMBER)[0]
    click_row(qtbot, window, number)
    assert window.add_button.isEnabled()
    assert window.add_button.text() == "&Add to next meeting (25 Nov)"
    with qtbot.waitSignal(window.listed) as listed:
        qtbot.mouseClick(window.add_button, Qt.MouseButton.LeftButton)
    meeting = listed.args[0]
    assert meeting.meeting_date == AS_OF.replace(day=25)
    record = MeetingService(demo_db, config).get(meeting.id)
    assert number in [c.patient.hospital_number for c in record.cases]
    assert window.status.text() == f"Added {number} to the MDT of 25 Nov 2026."
    assert window.selected().hospital_number == number  # still selected after the reload
    row = cells(window, HOSPITAL_NUMBER).index(number)
    assert cells(window, LISTED)[row] == "25 Nov"
    assert not window.add_button.isEnabled()
    assert "already listed for 25 Nov 2026" in window.add_button.toolTip()


def test_a_nurse_cannot_add_and_is_told_why(qtbot, demo_db, config):
    window = make_window(qtbot, demo_db, config, who=NURSE)
    meeting = FollowUpService(demo_db, config).next_meeting(AS_OF)
    before = len(MeetingService(demo_db, config).get(meeting.id).cases)
    assert window.why_not == NOT_ALLOWED
    assert not window.add_button.isEnabled()
    assert window.add_button.toolTip() == NOT_ALLOWED
    assert window.status.text() == NOT_ALLOWED
    window.add_selected()  # a stray call does nothing either
    assert len(MeetingService(demo_db, config).get(meeting.id).cases) == before


def test_nobody_chosen_cannot_add(qtbot, demo_db, config):
    window = make_window(qtbot, demo_db, config, who=None)
    assert window.why_not == NOBODY
    assert not window.add_button.isEnabled()


def test_the_worklist_loads_off_the_gui_thread(qtbot, demo_db, config):
    runner = ThreadPoolRunner()
    window = make_window(qtbot, demo_db, config, runner=runner)
    qtbot.waitUntil(lambda: window.proxy.rowCount() > 0, timeout=20_000)
    assert window.status.text() == ""
    assert window.refresh_button.isEnabled()
    runner.wait()


@pytest.mark.parametrize(("who", "why_not"), [(COORDINATOR, ""), (NURSE, NOT_ALLOWED)])
def test_tools_menu_opens_the_follow_up_window(qtbot, demo_db, config, tmp_path, who, why_not):
    main = open_window(qtbot, demo_db, config, tmp_path)
    act_as(main, who)
    assert main.followup_action.shortcut().toString() == "Ctrl+Shift+F"
    main.followup_action.trigger()
    window = main.followup_window
    assert window is not None
    assert window.isVisible()
    assert window.windowTitle() == "Follow-up after de-escalation"
    assert window.why_not == why_not


def test_after_listing_the_main_window_stays_on_its_meeting_and_case(
    qtbot, demo_db, config, tmp_path
):
    main = open_window(qtbot, demo_db, config, tmp_path)
    member = act_as(main, COORDINATOR)
    shown, case = main.presenter.board.meeting.id, main.presenter.current
    main.followup_action.trigger()
    service = FollowUpService(demo_db, config)
    number = service.worklist(AS_OF)[0].hospital_number
    meeting = service.add_to_next_meeting(number, Actor(member.id, member.name), AS_OF)
    with qtbot.waitSignal(main.case_painted, timeout=10_000):
        main.followup_window.listed.emit(meeting)
    assert main.presenter.board.meeting.id == shown
    assert main.presenter.current.case.patient == case.case.patient
    planned = main.meeting_picker.itemText(main.meeting_picker.findData(meeting.id))
    cases = len(MeetingService(demo_db, config).get(meeting.id).cases)
    assert planned.endswith(f"({cases} cases)")


LAST_CONTACT = 12


def test_the_last_contact_is_shown_and_a_patient_gone_quiet_flagged(qtbot, db, config):
    """Both de-escalated on 1 Dec 2025; on 24 Nov 2026 EHR31 was last seen 15 Dec 2025 (344 days,
    11.3 months > 9: gone quiet), EHR32 at an MDT review on 3 Nov 2026 (21 days)."""
    from datetime import date

    from mdt_desktop.domain.enums import Drug
    from tests.ehr_cohort import AS_OF as EHR_AS_OF
    from tests.ehr_cohort import Case, crp, patient_record, statement, write

    start = date(2025, 12, 1)
    periods = (
        statement(Drug.INFLIXIMAB_IV, 5, 28, date(2024, 2, 5), start),
        statement(Drug.INFLIXIMAB_IV, 5, 56, start),
    )
    results = (crp(date(2025, 12, 15)),)
    write(
        db,
        [
            Case(patient_record(31, periods, results, seen_until=date(2024, 1, 1))),
            Case(
                patient_record(32, periods, results, seen_until=date(2024, 1, 1)),
                reviews=(date(2026, 11, 3),),
            ),
        ],
    )
    window = FollowUpWindow(
        FollowUpService(db, config),
        config.thresholds,
        None,
        False,
        ImmediateRunner(),
        today=EHR_AS_OF,
    )
    qtbot.addWidget(window)
    window.show()
    assert cells(window, HOSPITAL_NUMBER) == ["EHR31", "EHR32"]  # gone quiet comes first
    assert cells(window, LAST_CONTACT) == ["⊘ Quiet 15 Dec 2025", "03 Nov 2026"]
    tip = window.proxy.index(0, LAST_CONTACT).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == (
        "Result (C-reactive protein) on 15 Dec 2025\n"
        "Gone quiet: no contact for > 9 months [LOCAL, S38]"
    )
    assert "1 gone quiet" in window.heading.text()
    window.select("EHR32")
    assert "Last contact: MDT review on 03 Nov 2026." in window.details.toPlainText()
