"""The outcome audit window on the demo database: figures, curves per split, the PDF export."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from mdt_desktop.domain.access import Actor
from mdt_desktop.services.outcomes import OutcomeService
from mdt_desktop.services.roster import RosterService
from mdt_desktop.views.audit.outcome_audit_window import OutcomeAuditWindow
from tests.conftest import AS_OF

pytestmark = pytest.mark.slow  # computes and draws the whole outcome audit

WAIT = 60_000


def coordinator(db) -> Actor:
    member = next(c for c in RosterService(db).clinicians() if c.role.value == "coordinator")
    return Actor(member.id, member.name)


@pytest.fixture
def window(qtbot, demo_db, config):
    actor = coordinator(demo_db)
    shown = OutcomeAuditWindow(
        OutcomeService(demo_db, config), config, as_of=AS_OF, actor=lambda: actor
    )
    qtbot.addWidget(shown)
    with qtbot.waitSignal(shown.loaded, timeout=WAIT):
        qtbot.mouseClick(shown.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not shown.running, timeout=WAIT)
    return shown


def test_the_figures_match_the_service_and_the_curve_is_drawn(window, demo_db, config):
    expected = OutcomeService(demo_db, config).audit(AS_OF)
    audit = window.audit
    assert audit.as_json() == expected.as_json()
    text = window.headline.text()
    f = audit.overall
    assert f"<b>{f.de_escalations}</b> de-escalations in <b>{f.patients}</b> patients" in text
    assert f"recapture pending: <b>{f.recapture_pending}</b>" in text
    assert f"{f.maintained_12m}/{f.evaluable_12m}" in text
    assert window.split_model.rowCount() == 1 + len(audit.by_drug) + len(audit.by_diagnosis)
    assert window.published_model.rowCount() == len(config.published)
    assert window.baseline_model.rowCount() == len(audit.baseline)
    assert window.axes.curve.lines  # the step curve and the guide
    assert window.axes.published  # the published marks' labels


def test_the_split_adds_a_curve_per_drug(qtbot, window):
    assert [label for label, _ in window.curves()] == ["All de-escalations"]
    window.split.setCurrentIndex(1)
    labels = [label for label, _ in window.curves()]
    assert labels[0] == "All de-escalations"
    assert set(labels[1:]) == set(window.audit.by_drug)
    assert window.axes.labels == tuple(labels)  # the at-risk table has a row per curve


def test_a_later_date_follows_the_patients_longer(qtbot, window):
    before = window.audit.overall.evaluable_12m
    window.as_of.setDate(window.as_of.date().addYears(1))
    assert window.day() == date(AS_OF.year + 1, AS_OF.month, AS_OF.day)
    with qtbot.waitSignal(window.loaded, timeout=WAIT):
        qtbot.mouseClick(window.refresh_button, Qt.MouseButton.LeftButton)
    assert window.audit.overall.evaluable_12m >= before


def test_export_pdf_writes_the_report(qtbot, window, tmp_path, monkeypatch, demo_db, demo_path):
    target = tmp_path / "audit.pdf"
    monkeypatch.setattr(OutcomeAuditWindow, "choose_target", staticmethod(lambda *a: target))
    with qtbot.waitSignal(window.exported, timeout=WAIT):
        qtbot.mouseClick(window.export_button, Qt.MouseButton.LeftButton)
    text = "\n".join(page.extract_text() or "" for page in PdfReader(target).pages)
    assert "outcome audit" in text.lower()
    assert "Little" in text
    assert "Wrote audit.pdf" in window.status.text()
    with sqlite3.connect(demo_path) as connection:
        last = connection.execute(
            "SELECT actor, action, entity FROM audit_events ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert last == (coordinator(demo_db).name, "export", "outcome_audit")  # audited as theirs


def test_nobody_chosen_cannot_export_the_audit(qtbot, demo_db, config, tmp_path, monkeypatch):
    shown = OutcomeAuditWindow(OutcomeService(demo_db, config), config, as_of=AS_OF)
    qtbot.addWidget(shown)
    with qtbot.waitSignal(shown.loaded, timeout=WAIT):
        qtbot.mouseClick(shown.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not shown.running, timeout=WAIT)
    target = tmp_path / "audit.pdf"
    monkeypatch.setattr(OutcomeAuditWindow, "choose_target", staticmethod(lambda *a: target))
    qtbot.mouseClick(shown.export_button, Qt.MouseButton.LeftButton)
    assert not target.exists()
    assert shown.status.text().startswith("Choose who you are")


def test_tools_outcome_audit_opens_it_computed(qtbot, demo_db, config, tmp_path):
    from tests.views.meeting.test_consensus_flows import open_window

    window = open_window(qtbot, demo_db, config, tmp_path)
    window.outcomes_action.trigger()
    audit_window = window.outcome_window
    assert audit_window is not None
    qtbot.waitUntil(lambda: audit_window.audit is not None, timeout=WAIT)
    assert audit_window.audit.overall.de_escalations > 0
    window.outcomes_action.trigger()  # a second time shows the same window
    assert window.outcome_window is audit_window
    audit_window.close()


def test_a_cost_per_administration_prices_the_drug_burden_and_is_remembered(
    qtbot, demo_db, config, tmp_path
):
    from mdt_desktop.views.common.settings import ViewSettings

    settings = ViewSettings(tmp_path / "settings.ini")
    shown = OutcomeAuditWindow(
        OutcomeService(demo_db, config), config, as_of=AS_OF, settings=settings
    )
    qtbot.addWidget(shown)
    shown.cost.setValue(450.0)
    with qtbot.waitSignal(shown.loaded, timeout=WAIT):
        qtbot.mouseClick(shown.refresh_button, Qt.MouseButton.LeftButton)
    burden = shown.audit.burden
    assert burden.cost_per_administration == 450.0
    assert burden.cost_avoided == pytest.approx(450.0 * burden.administrations_avoided)
    assert f"{burden.cost_avoided:,.0f}" in shown.headline.text()
    assert settings.cost_per_administration() == 450.0


def test_the_censored_tab_counts_each_reason_and_names_whom_to_chase(
    qtbot, qtmodeltester, db, config
):
    """The EHR-shaped cohort (tests/ehr_cohort.py): followed to the audit date 1 (EHR01),
    stopped for another reason 2 (EHR02 adverse event, EHR03 pregnancy), stop reason not
    recorded 1 (EHR05), lost to follow-up 1 (EHR06), route changed 1 (EHR09)."""
    from tests.ehr_cohort import AS_OF as EHR_AS_OF
    from tests.ehr_cohort import cohort, write

    write(db, cohort())
    shown = OutcomeAuditWindow(OutcomeService(db, config), config, as_of=EHR_AS_OF)
    qtbot.addWidget(shown)
    with qtbot.waitSignal(shown.loaded, timeout=WAIT):
        qtbot.mouseClick(shown.refresh_button, Qt.MouseButton.LeftButton)
    model = shown.censoring_model
    qtmodeltester.check(model)
    rows = {
        model.index(r, 0).data(): (model.index(r, 1).data(), model.index(r, 2).data())
        for r in range(model.rowCount())
    }
    assert rows == {
        "Followed to the audit date": ("1", "Still on the reduced regimen at the audit date"),
        "Stopped for another reason": ("2", "Adverse event 1, Pregnancy 1"),
        "Stopped, reason not recorded": ("1", "The stop has no reason on record: worth chasing"),
        "Lost to follow-up": (
            "1",
            "No contact for longer than the window: censored at the last contact",
        ),
        "Route changed": ("1", "Intravenous and subcutaneous regimens cannot be compared"),
    }
    tips = [model.index(r, 0).data(Qt.ItemDataRole.ToolTipRole) for r in range(model.rowCount())]
    assert "To chase: EHR05" in tips[2]
    assert "To chase: EHR06" in tips[3]
    assert "Censored" in [shown.tabs.tabText(i) for i in range(shown.tabs.count())]
    assert "1 lost to follow-up" in shown.status.text()
