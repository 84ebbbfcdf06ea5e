"""The chair's decision form: outcome, target regimen, rationale, dissent, monitoring, actions.

A case without a decision starts with no outcome chosen, whatever its checklist shows: with no
validated predictor of a safe de-escalation the software must not pre-choose, the chair chooses
(docs/clinical.md, "Checklist"). Saving without an outcome is refused with a message. Choosing
De-escalate proposes the standard regimen, the monitoring plan and the usual actions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.consensus import (
    ActionInput,
    DecisionInput,
    propose_target,
    validate_decision,
)
from mdt_desktop.domain.enums import MeetingStatus, Outcome, Role
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.domain.monitoring import add_months, monitoring_plan
from mdt_desktop.domain.positions import tally
from mdt_desktop.domain.records import AttendanceEntry, Clinician, Decision
from mdt_desktop.domain.regimens import Regimen, RegimenChange, classify_change
from mdt_desktop.drafts import DraftStore
from mdt_desktop.services.meetings import CaseDetail
from mdt_desktop.views.decision_tables import (
    ActionsTable,
    MonitoringTable,
    date_edit,
    from_qdate,
    to_qdate,
)
from mdt_desktop.views.draft_keeper import DraftKeeper
from mdt_desktop.views.positions_panel import PositionsPanel, PositionsState

EFFECTIVE_AFTER = timedelta(days=14)
OTHER = "other…"
NO_OUTCOME = "— choose the outcome —"
NO_OUTCOME_PROBLEM = (
    "outcome: choose one — the form does not choose for the team, whatever the checklist shows"
)


@dataclass(frozen=True, slots=True)
class DecisionAccess:
    """What the current user may do with this case's decision, and why not."""

    record: bool
    amend: bool
    why: str = ""


class DecisionPanel(QWidget):
    """Shows the decision of a case and lets the chair record, change, defer or amend it."""

    record_requested = Signal(object)  # DecisionInput
    defer_requested = Signal(str)
    amend_requested = Signal(object, str)  # DecisionInput, reason
    gp_letter_requested = Signal()  # the letter to the GP about this case's decision
    positions_requested = Signal(object)  # tuple[PositionInput, ...]

    def __init__(
        self,
        config: ClinicalConfig,
        roster: list[Clinician],
        drafts: DraftStore | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._config = config
        self._roster = roster
        self._detail: CaseDetail | None = None
        self._targets: list[Regimen] = []
        self._amending = False
        self._access = DecisionAccess(False, False, "No case selected.")
        self._attendance: tuple[AttendanceEntry, ...] = ()
        self._create_widgets()
        self._arrange_widgets()
        self._connect_signals()
        self.keeper = DraftKeeper(
            drafts, {"rationale": self.rationale, "dissent": self.dissent}, self
        )
        self.set_access(DecisionAccess(False, False, "No case selected."))

    # --- construction ----------------------------------------------------------------------------

    def _create_widgets(self) -> None:
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.outcome = QComboBox()
        self.outcome.setAccessibleName("Outcome")
        self.outcome.addItem(NO_OUTCOME, None)  # nothing chosen until the chair chooses
        for outcome in Outcome:
            self.outcome.addItem(outcome.label, outcome.value)
        self.target = QComboBox()
        self.dose = QDoubleSpinBox()
        self.dose.setRange(0.1, 2000)
        self.dose.setDecimals(1)
        self.interval = QSpinBox()
        self.interval.setRange(1, 52)
        self.interval.setSuffix(" weeks")
        self.effective = date_edit(date.today())
        self.next_review = date_edit(date.today())
        self.rationale = QPlainTextEdit()
        self.rationale.setPlaceholderText("Why the team decided this")
        self.rationale.setFixedHeight(70)
        self.dissent = QPlainTextEdit()
        self.dissent.setPlaceholderText("Any dissenting view, with who holds it")
        self.dissent.setFixedHeight(46)
        self.monitoring_table = MonitoringTable()
        self.actions_table = ActionsTable(self._roster)
        self.positions = PositionsPanel()
        self.reset_plan = QPushButton("Plan from template")
        self.record_button = QPushButton("Record decision")
        self.defer_button = QPushButton("Defer case…")
        self.amend_button = QPushButton("Amend…")
        self.cancel_amend_button = QPushButton("Cancel amendment")
        self.gp_letter_button = QPushButton("Letter to GP…")
        self.problem = QLabel()
        self.problem.setStyleSheet("color:#a4161a")
        self.problem.setWordWrap(True)

    def _arrange_widgets(self) -> None:
        custom = QHBoxLayout()
        custom.addWidget(self.dose)
        custom.addWidget(self.interval)
        form = QFormLayout()
        form.addRow("Outcome", self.outcome)
        form.addRow("Target regimen", self.target)
        form.addRow("", custom)
        form.addRow("Effective from", self.effective)
        form.addRow("Rationale", self.rationale)
        form.addRow("Dissent", self.dissent)
        form.addRow("Next review", self.next_review)
        plan_header = QHBoxLayout()
        plan_header.addWidget(QLabel("<b>Monitoring plan</b>"))
        plan_header.addStretch(1)
        plan_header.addWidget(self.reset_plan)
        buttons = QHBoxLayout()
        for button in (
            self.record_button,
            self.defer_button,
            self.amend_button,
            self.cancel_amend_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.gp_letter_button)
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 6, 0)
        inner.addWidget(self.status)
        inner.addLayout(form)
        inner.addWidget(self.positions)
        inner.addLayout(plan_header)
        inner.addWidget(self.monitoring_table)
        inner.addWidget(QLabel("<b>Actions</b>"))
        inner.addWidget(self.actions_table)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.problem)  # the buttons stay in view however long the form is
        layout.addLayout(buttons)

    def _connect_signals(self) -> None:
        self.outcome.currentIndexChanged.connect(self._on_outcome_chosen)
        self.target.currentIndexChanged.connect(self._on_target)
        self.effective.dateChanged.connect(lambda _d: self._update_review())
        self.reset_plan.clicked.connect(self._fill_plan)
        self.record_button.clicked.connect(self._on_record)
        self.defer_button.clicked.connect(self._on_defer)
        self.amend_button.clicked.connect(self._on_amend)
        self.cancel_amend_button.clicked.connect(self._cancel_amendment)
        self.positions.save_requested.connect(self.positions_requested)
        self.gp_letter_button.clicked.connect(self.gp_letter_requested)

    # --- showing a case --------------------------------------------------------------------------

    def show_case(
        self,
        detail: CaseDetail,
        access: DecisionAccess,
        draft_key: Callable[[], str | None],
        attendance: tuple[AttendanceEntry, ...] = (),
    ) -> None:
        """Fill the form from the case's decision, or with proposals if it has none.

        *attendance*: the meeting's, for the attendees' positions.
        """
        self._detail = detail
        self._attendance = attendance
        self._amending = False
        self.keeper.track(draft_key)
        self._fill_targets(detail)
        decision = detail.case.decision
        if decision is not None:
            self._fill_from(decision)
        else:
            self._fill_defaults(detail)
        self.status.setText(_status_text(detail))
        self.problem.setText("")
        self.set_access(access)

    def set_access(self, access: DecisionAccess) -> None:
        """Enable what the current user may do, and say why the rest is disabled.

        A signed-off decision stays read-only until the consultant chooses Amend…, which opens
        the form for the correction; the second click asks for the reason and saves it.
        """
        self._access = access
        amending = access.amend and self._amending
        editable = access.record or amending
        for widget in (
            self.outcome,
            self.target,
            self.dose,
            self.interval,
            self.effective,
            self.rationale,
            self.dissent,
            self.next_review,
            self.reset_plan,
        ):
            widget.setEnabled(editable)
        self.monitoring_table.set_editable(editable)
        self.actions_table.set_editable(access.record)
        has_decision = self._detail is not None and self._detail.case.decision is not None
        self.record_button.setText("Change decision" if has_decision else "Record decision")
        self.record_button.setVisible(not access.amend)
        self.record_button.setEnabled(access.record)
        self.defer_button.setEnabled(access.record and not has_decision)
        self.amend_button.setVisible(access.amend or (not access.record and has_decision))
        self.amend_button.setEnabled(access.amend and has_decision)
        self.amend_button.setText("Save amendment…" if amending else "Amend…")
        self.cancel_amend_button.setVisible(amending)
        self.gp_letter_button.setEnabled(has_decision and not amending)
        self.gp_letter_button.setToolTip(
            "Write to the patient's GP or referrer about this decision (Ctrl+Shift+G)"
            if has_decision
            else "Record a decision first: the letter reports it."
        )
        for button in (self.record_button, self.defer_button, self.amend_button):
            button.setToolTip("" if button.isEnabled() else access.why)
        self._on_outcome()
        self._show_positions()

    def _show_positions(self) -> None:
        """The positions grid: editable by whoever may record (or amend) the decision."""
        detail = self._detail
        if detail is None:
            self.positions.show_state(PositionsState(None, (), (), "", False, self._access.why))
            return
        decision = detail.case.decision
        editable, why = self._access.record, self._access.why
        if detail.meeting_status is MeetingStatus.SIGNED_OFF and decision is not None:
            own = any(p.decision_id == decision.id for p in detail.case.positions)
            editable = self._access.amend and decision.amends_id is not None and not own
            why = "" if editable else "This meeting is signed off: the positions are final."
        self.positions.show_state(
            PositionsState(
                decision,
                detail.case.positions,
                self._attendance,
                decision.dissent if decision else "",
                editable and decision is not None,
                why if decision is not None else "Record the decision first.",
            )
        )

    def set_roster(self, roster: list[Clinician]) -> None:
        """The roster changed: owners and default actions come from the new one."""
        self._roster = roster
        self.actions_table.set_roster(roster)

    def offer_draft(self, store: DraftStore | None, key: str | None) -> None:
        """If unsaved text was kept for this case, offer it back."""
        if store is None or key is None:
            return
        draft = store.load(key)
        if draft is None:
            return
        current = {"rationale": self.rationale.toPlainText(), "dissent": self.dissent.toPlainText()}
        if draft.fields == current:
            return
        if DraftPrompt.ask(self, draft.saved_at.strftime("%d %b %H:%M")):
            self.keeper.restore_into_fields(draft.fields)
        else:
            store.discard(key)

    def _fill_targets(self, detail: CaseDetail) -> None:
        current = detail.summary.anti_tnf.regimen if detail.summary.anti_tnf else None
        specs = self._config.regimens.drugs.get(current.drug) if current else None
        options = [
            s.regimen
            for s in ((specs.standard, *specs.reduced, *specs.intensified) if specs else ())
        ]
        self._targets = [
            r
            for r in options
            if current is not None and classify_change(current, r) is RegimenChange.DE_ESCALATION
        ]
        self.target.blockSignals(True)
        self.target.clear()
        for regimen in self._targets:
            level = self._config.regimens.level(regimen).value
            self.target.addItem(f"{regimen.dose_label} ({level})")
        self.target.addItem(OTHER)
        self.target.blockSignals(False)
        unit = current.dose_unit.value if current else "mg"
        self.dose.setSuffix(f" {unit}")

    def _fill_defaults(self, detail: CaseDetail) -> None:
        """No outcome chosen; the target, dates and plan wait until De-escalate is chosen."""
        self._set_outcome(None)
        current = detail.summary.anti_tnf.regimen if detail.summary.anti_tnf else None
        self._select_target(propose_target(current, self._config.regimens))
        self.effective.setDate(to_qdate(detail.meeting_date + EFFECTIVE_AFTER))
        self.keeper.set_quietly({"rationale": "", "dissent": ""})
        self._update_review()
        self.monitoring_table.clear()
        self.actions_table.set_actions(())

    def _fill_from(self, decision: Decision) -> None:
        self._set_outcome(decision.outcome)
        self._select_target(decision.target_regimen)
        if decision.effective_date:
            self.effective.setDate(to_qdate(decision.effective_date))
        if decision.next_review:
            self.next_review.setDate(to_qdate(decision.next_review))
        self.keeper.set_quietly({"rationale": decision.rationale, "dissent": decision.dissent})
        self.monitoring_table.set_plan(decision.monitoring)
        detail = self._detail
        self.actions_table.set_actions(
            tuple(
                ActionInput(a.description, self._owner_id(a.owner), a.due)
                for a in (detail.case.actions if detail else ())
                if a.done_at is None
            )
        )

    def _owner_id(self, name: str) -> int:
        return next((c.id for c in self._roster if c.name == name and c.id is not None), 0)

    def _set_outcome(self, outcome: Outcome | None) -> None:
        """Show *outcome* without reacting as to a choice (None: nothing chosen)."""
        index = 0 if outcome is None else max(self.outcome.findData(outcome.value), 0)
        self.outcome.blockSignals(True)
        self.outcome.setCurrentIndex(index)
        self.outcome.blockSignals(False)
        self._on_outcome()

    def _select_target(self, regimen: Regimen | None) -> None:
        if regimen is not None and regimen in self._targets:
            self.target.setCurrentIndex(self._targets.index(regimen))
        else:
            self.target.setCurrentIndex(self.target.count() - 1)
        if regimen is not None:
            self.dose.setValue(regimen.dose_value)
            self.interval.setValue(max(1, round(regimen.interval_days / 7)))
        self._on_target()

    # --- reacting --------------------------------------------------------------------------------

    def _outcome(self) -> Outcome | None:
        """The outcome chosen (None: not chosen yet)."""
        value = self.outcome.currentData()
        return None if value is None else Outcome(value)

    def _on_outcome_chosen(self, *_args: object) -> None:
        """The chair chose an outcome: De-escalate fills an empty plan and actions list."""
        self._on_outcome()
        detail = self._detail
        if detail is None or self._outcome() is not Outcome.DE_ESCALATE:
            return
        if not self.monitoring_table.plan():
            self._fill_plan()
        if not self._amending and not self.actions_table.entered():
            self.actions_table.set_actions(self._default_actions(detail))

    def _on_outcome(self, *_args: object) -> None:
        de_escalating = self._outcome() is Outcome.DE_ESCALATE
        editable = self.outcome.isEnabled()
        for widget in (self.target, self.effective):
            widget.setEnabled(editable and de_escalating)
        self._on_target()

    def _on_target(self, *_args: object) -> None:
        custom = self.target.currentText() == OTHER
        enabled = self.target.isEnabled() and custom
        self.dose.setEnabled(enabled)
        self.interval.setEnabled(enabled)
        index = self.target.currentIndex()
        if not custom and 0 <= index < len(self._targets):
            self.dose.setValue(self._targets[index].dose_value)
            self.interval.setValue(round(self._targets[index].interval_days / 7))

    def _update_review(self) -> None:
        months = self._config.thresholds["next_review"].value
        self.next_review.setDate(to_qdate(add_months(from_qdate(self.effective.date()), months)))

    def _fill_plan(self) -> None:
        detail = self._detail
        if (
            detail is None
            or detail.summary.anti_tnf is None
            or self._outcome() is not Outcome.DE_ESCALATE
        ):
            self.monitoring_table.clear()
            return
        index = self.target.currentIndex()
        interval = (  # the steady-state trough is timed by the new interval
            self._targets[index].interval_days
            if 0 <= index < len(self._targets)
            else self.interval.value() * 7
        )
        self.monitoring_table.set_plan(
            monitoring_plan(
                self._config.monitoring,
                from_qdate(self.effective.date()),
                detail.summary.anti_tnf.drug,
                detail.case.patient.ibd_type,
                interval,
            )
        )

    def _default_actions(self, detail: CaseDetail) -> tuple[ActionInput, ...]:
        by_role = {c.role: c.id for c in reversed(self._roster) if c.id is not None}
        effective = detail.meeting_date + EFFECTIVE_AFTER
        drug = detail.summary.anti_tnf.drug if detail.summary.anti_tnf else None
        infusion = drug is not None and DRUGS[drug].route == "iv"
        actions = [
            ActionInput(
                "Book infusions at the new interval"
                if infusion
                else "Change home-care delivery to the new schedule",
                by_role.get(Role.IBD_NURSE, 0),
                effective,
            ),
            ActionInput(
                "Trough level and antibodies at the new steady state",
                by_role.get(Role.PHARMACIST, 0),
                add_months(effective, 4),
            ),
            ActionInput(
                "Write to the GP and the patient with the decision",
                by_role.get(Role.COORDINATOR, 0),
                detail.meeting_date + timedelta(days=7),
            ),
        ]
        return tuple(a for a in actions if a.owner_id)

    # --- collecting ------------------------------------------------------------------------------

    def collect(self) -> DecisionInput:
        """The decision as entered (not yet validated).

        Raises:
            ValidationError: No outcome has been chosen.
        """
        outcome = self._outcome()
        if outcome is None:
            raise ValidationError(NO_OUTCOME_PROBLEM)
        target = None
        effective = None
        detail = self._detail
        if outcome is Outcome.DE_ESCALATE and detail and detail.summary.anti_tnf:
            current = detail.summary.anti_tnf.regimen
            index = self.target.currentIndex()
            if 0 <= index < len(self._targets):
                target = self._targets[index]
            else:
                target = Regimen(
                    current.drug, self.dose.value(), current.dose_unit, self.interval.value() * 7
                )
            effective = from_qdate(self.effective.date())
        return DecisionInput(
            outcome=outcome,
            rationale=self.rationale.toPlainText(),
            target=target,
            effective_date=effective,
            dissent=self.dissent.toPlainText(),
            monitoring=self.monitoring_table.plan(),
            next_review=from_qdate(self.next_review.date()),
            actions=self.actions_table.entered(),
        )

    def _checked(self) -> DecisionInput | None:
        detail = self._detail
        if detail is None:
            return None
        current = detail.summary.anti_tnf.regimen if detail.summary.anti_tnf else None
        try:
            decision = self.collect()
            validate_decision(decision, current, detail.meeting_date)
        except ValidationError as error:
            self.problem.setText(str(error))
            if self._outcome() is None:
                self.outcome.setFocus()
            return None
        self.problem.setText("")
        return decision

    def _on_record(self) -> None:
        decision = self._checked()
        if decision is not None:
            self.record_requested.emit(decision)

    def _on_defer(self) -> None:
        reason, ok = QInputDialog.getText(self, "Defer case", "Why is the case deferred?")
        if ok and reason.strip():
            self.defer_requested.emit(reason.strip())

    def _on_amend(self) -> None:
        if not self._amending:
            self._amending = True
            self.set_access(self._access)
            self.rationale.setFocus()
            return
        decision = self._checked()
        if decision is None:
            return
        reason = AmendmentPrompt.ask(self)
        if reason:
            self.amend_requested.emit(decision, reason)

    def _cancel_amendment(self) -> None:
        """Put the signed-off decision back in the form, read-only again."""
        if self._detail is not None and self._detail.case.decision is not None:
            self._amending = False
            self._fill_from(self._detail.case.decision)
            self.problem.setText("")
            self.set_access(self._access)


def _status_text(detail: CaseDetail) -> str:
    decision = detail.case.decision
    if decision is None:
        state = "deferred" if detail.case.status.value == "deferred" else "no decision yet"
        return f"This case: {state}."
    amended = f" Amended: {decision.amendment_reason}" if decision.amendment_reason else ""
    signed = (
        " The meeting is signed off." if detail.meeting_status is MeetingStatus.SIGNED_OFF else ""
    )
    positions = f" Positions: {tally(detail.case.positions).text}." if detail.case.positions else ""
    return (
        f"Decision by {decision.decided_by} on {decision.decided_at:%d %b %Y %H:%M}: "
        f"{decision.outcome.label}.{amended}{positions}{signed}"
    )


class DraftPrompt:
    """Asks whether to restore unsaved text (tests replace ``ask``)."""

    @staticmethod
    def ask(parent: QWidget, when: str) -> bool:
        answer = QMessageBox.question(
            parent,
            "Unsaved text",
            f"Text typed in this case's decision at {when} was not saved. Restore it?",
        )
        return answer == QMessageBox.StandardButton.Yes


class AmendmentPrompt:
    """Asks for the reason of an amendment (tests replace ``ask``)."""

    @staticmethod
    def ask(parent: QWidget) -> str:
        reason, ok = QInputDialog.getMultiLineText(
            parent,
            "Amend a signed-off decision",
            "The signed-off decision stays in the record. Why is it being corrected?",
        )
        return reason.strip() if ok else ""
