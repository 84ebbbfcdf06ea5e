"""The chair's decision form: outcome, target regimen, rationale, dissent, monitoring, actions.

A case without a decision starts with no outcome chosen, whatever its checklist shows: with no
validated predictor of a safe de-escalation the software must not pre-choose, the chair chooses
(docs/clinical.md, "Checklist"). Saving without an outcome is refused with a message.

The two outcomes that change the regimen each need a target regimen and an effective date
(docs/clinical.md, "Medication episodes"):

- **De-escalate** proposes the drug's standard regimen; for a patient already on a reduced
  regimen it reads **De-escalate further** and proposes the next lower configured regimen;
- **Re-escalate** proposes the regimen before the de-escalation (from the re-review's episode or
  the medication history), else the drug's first intensified regimen. A patient not on a reduced
  regimen cannot be re-escalated: the form says so, as the service does.

Either fills an empty monitoring plan from the template and proposes the usual actions. New
actions are due by the next meeting (the meeting date plus ``meeting_interval``), not today
(docs/clinical.md, "Medication episodes").

The form is one page at 1920×1080: the decision and the positions on the left, the monitoring
plan and the actions on the right; in a narrow pane the two columns stack (and scroll).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
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

from mdt_desktop.domain.board import CaseDetail
from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.consensus import (
    ActionInput,
    DecisionInput,
    on_reduced_regimen,
    propose_target,
    target_options,
    validate_decision,
)
from mdt_desktop.domain.enums import MeetingStatus, Outcome, Role
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.domain.monitoring import add_months, monitoring_plan
from mdt_desktop.domain.positions import tally
from mdt_desktop.domain.records import AttendanceEntry, Clinician, Decision
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.drafts import DraftStore
from mdt_desktop.views.date_field import DateField
from mdt_desktop.views.decision_tables import ActionsTable, MonitoringTable
from mdt_desktop.views.draft_keeper import DraftKeeper
from mdt_desktop.views.focus import tab_leaves
from mdt_desktop.views.plain_text import breakable, isolate, plain_label
from mdt_desktop.views.positions_panel import PositionsPanel, PositionsState

EFFECTIVE_AFTER = timedelta(days=14)
OTHER = "other…"
NO_OUTCOME = "— choose the outcome —"
NO_OUTCOME_PROBLEM = (
    "outcome: choose one — the form does not choose for the team, whatever the checklist shows"
)
FURTHER = "De-escalate further"
BEFORE = "before the de-escalation"
RATIONALE_LINES = 4  # the reasons a chair dictates: about 40 words before the box scrolls
DISSENT_LINES = 2
TWO_COLUMNS_FROM = 640  # px of the panel's width: decision and positions beside plan and actions


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
        self._earlier: Regimen | None = None  # the regimen before the de-escalation, if known
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
        self.status = plain_label(wrap=True)
        self.status.setObjectName("decisionStatus")
        self.outcome = QComboBox()
        self.outcome.setAccessibleName("Outcome")
        self.outcome.addItem(NO_OUTCOME, None)  # nothing chosen until the chair chooses
        for outcome in Outcome:
            self.outcome.addItem(outcome.label, outcome.value)
        self.target = QComboBox()
        self.target.setAccessibleName("Target regimen")
        self.target.setMinimumContentsLength(16)
        self.target.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.dose = QDoubleSpinBox()
        self.dose.setAccessibleName("Target dose")
        self.dose.setRange(0.1, 2000)
        self.dose.setDecimals(1)
        self.interval = QSpinBox()
        self.interval.setAccessibleName("Target interval")
        self.interval.setRange(1, 52)
        self.interval.setSuffix(" weeks")
        self.effective = DateField(date.today(), "Effective from")
        self.next_review = DateField(date.today(), "Next review")
        self.rationale = QPlainTextEdit()
        self.rationale.setAccessibleName("Rationale")
        self.rationale.setPlaceholderText("Why the team decided this")
        self.rationale.setFixedHeight(text_lines_height(self.rationale, RATIONALE_LINES))
        self.dissent = QPlainTextEdit()
        self.dissent.setAccessibleName("Dissent")
        self.dissent.setPlaceholderText("Any dissenting view, with who holds it")
        self.dissent.setFixedHeight(text_lines_height(self.dissent, DISSENT_LINES))
        tab_leaves(self.rationale, self.dissent)
        self.monitoring_table = MonitoringTable()
        self.actions_table = ActionsTable(self._roster)
        self.positions = PositionsPanel()
        self.reset_plan = QPushButton("Plan from template")
        self.reset_plan.setAccessibleName("Monitoring plan from the template")
        self.record_button = QPushButton("Record decision")
        self.defer_button = QPushButton("Defer case…")
        self.amend_button = QPushButton("Amend…")
        self.cancel_amend_button = QPushButton("Cancel amendment")
        self.gp_letter_button = QPushButton("Letter to GP…")
        for button, name in (
            (self.record_button, "Record the decision"),
            (self.defer_button, "Defer the case"),
            (self.amend_button, "Amend the decision"),
            (self.cancel_amend_button, "Cancel the amendment"),
            (self.gp_letter_button, "Letter to the GP"),
        ):
            button.setAccessibleName(name)
        self.problem = plain_label(wrap=True)
        self.problem.setObjectName("decisionProblem")
        self.problem.setStyleSheet("color:#a4161a")

    def _arrange_widgets(self) -> None:
        regimen = QHBoxLayout()
        regimen.addWidget(self.target, 1)
        regimen.addWidget(self.dose)
        regimen.addWidget(self.interval)
        dates = QHBoxLayout()
        dates.addWidget(self.effective)
        review_label = QLabel("Next review")
        review_label.setBuddy(self.next_review)
        dates.addWidget(review_label)
        dates.addWidget(self.next_review)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Outcome", self.outcome)
        form.addRow("Target regimen", regimen)
        form.addRow("Effective from", dates)
        form.addRow("Rationale", self.rationale)
        form.addRow("Dissent", self.dissent)
        plan_header = QHBoxLayout()
        plan_header.addWidget(QLabel("<b>Monitoring plan</b>"))
        plan_header.addStretch(1)
        plan_header.addWidget(self.reset_plan)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.positions)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addLayout(plan_header)
        right.addWidget(self.monitoring_table)
        right.addWidget(QLabel("<b>Actions</b>"))
        right.addWidget(self.actions_table)
        right.addStretch(1)
        self.columns = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.columns.addLayout(left, 1)
        self.columns.addLayout(right, 1)
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(2, 2, 6, 0)
        inner.addWidget(self.status)
        inner.addLayout(self.columns)
        self.form_scroll = QScrollArea()  # only scrolls in a pane too small for the form
        self.form_scroll.setWidget(body)
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.form_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.form_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.form_scroll, 1)
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

    def focus_order(self) -> list[QWidget]:
        """The form's controls in the order Tab visits them."""
        return [
            self.outcome,
            self.target,
            self.dose,
            self.interval,
            self.effective,  # a stop of its own that hands the focus to its text field
            self.effective.edit,
            self.next_review,
            self.next_review.edit,
            self.rationale,
            self.dissent,
            *self.positions.focus_order(),
            self.reset_plan,
            *self.monitoring_table.focus_order(),
            *self.actions_table.focus_order(),
            self.record_button,
            self.defer_button,
            self.amend_button,
            self.cancel_amend_button,
            self.gp_letter_button,
        ]

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        wide = self.width() >= TWO_COLUMNS_FROM
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.columns.direction() != direction:
            self.columns.setDirection(direction)

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
        self._earlier = earlier_regimen(detail, self._config)
        self.keeper.track(draft_key)
        self._name_outcomes(detail)
        self.actions_table.set_default_due(self._next_meeting(detail))
        self.monitoring_table.set_default_due(self._next_meeting(detail))
        decision = detail.case.decision
        if decision is not None:
            self._fill_from(decision)
        else:
            self._fill_defaults(detail)
        self.status.setText(breakable(_status_text(detail)))
        self.problem.setText("")
        self.set_access(access)

    def clear_case(self) -> None:
        """No case: an empty form that records nothing."""
        self._detail = None
        self._amending = False
        self.keeper.track(lambda: None)
        self._set_outcome(None)
        self.keeper.set_quietly({"rationale": "", "dissent": ""})
        self.monitoring_table.clear()
        self.actions_table.set_actions(())
        self.status.setText("")
        self.problem.setText("")
        self.set_access(DecisionAccess(False, False, "No case selected."))

    def show_problem(self, message: str) -> None:
        """Say why the decision was not saved (e.g. the service refused it)."""
        self.problem.setText(breakable(message))

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

    def _current(self) -> Regimen | None:
        detail = self._detail
        anti_tnf = detail.summary.anti_tnf if detail is not None else None
        return anti_tnf.regimen if anti_tnf is not None else None

    def _reduced(self) -> bool:
        """Whether the patient is on a reduced regimen (a re-escalation is possible)."""
        detail = self._detail
        if detail is None:
            return False
        return on_reduced_regimen(self._current(), detail.summary.change, self._config.regimens)

    def _name_outcomes(self, detail: CaseDetail) -> None:
        """De-escalating a patient already on a reduced regimen reads "De-escalate further"."""
        index = self.outcome.findData(Outcome.DE_ESCALATE.value)
        further = self._reduced() and detail.summary.anti_tnf is not None
        self.outcome.setItemText(index, FURTHER if further else Outcome.DE_ESCALATE.label)
        escalate = self.outcome.findData(Outcome.RE_ESCALATE.value)
        self.outcome.setItemData(
            escalate,
            "Back to a higher regimen of the same drug"
            if self._reduced()
            else "Only for a patient on a reduced regimen",
            Qt.ItemDataRole.ToolTipRole,
        )

    def _next_meeting(self, detail: CaseDetail) -> date:
        """When new actions fall due by default: the next meeting (date + meeting_interval)."""
        return detail.meeting_date + timedelta(
            days=self._config.thresholds["meeting_interval"].days
        )

    def _fill_targets(self, outcome: Outcome | None) -> None:
        """The targets *outcome* may choose: lower regimens, or higher ones, and "other…"."""
        current = self._current()
        options = (
            target_options(current, self._config.regimens, outcome)
            if outcome is not None and outcome.changes_regimen
            else []
        )
        proposal = self._proposal(outcome)
        if proposal is not None and proposal not in options:
            options = sorted([*options, proposal], key=lambda r: r.intensity.value)
        self._targets = options
        self.target.blockSignals(True)
        self.target.clear()
        for regimen in options:
            level = self._config.regimens.level(regimen).value
            note = f"; {BEFORE}" if regimen == self._earlier else ""
            self.target.addItem(f"{regimen.dose_label} ({level}{note})")
        self.target.addItem(OTHER)
        self.target.blockSignals(False)
        unit = current.dose_unit.value if current else "mg"
        self.dose.setSuffix(f" {unit}")

    def _proposal(self, outcome: Outcome | None) -> Regimen | None:
        """The target proposed for *outcome* (the chair may choose another)."""
        current, catalogue = self._current(), self._config.regimens
        if outcome is Outcome.DE_ESCALATE:
            lower = target_options(current, catalogue, Outcome.DE_ESCALATE)
            return propose_target(current, catalogue) or (lower[-1] if lower else None)
        if outcome is Outcome.RE_ESCALATE:
            return propose_target(current, catalogue, outcome, previous=self._earlier)
        return None

    def _fill_defaults(self, detail: CaseDetail) -> None:
        """No outcome chosen; the target, dates and plan wait until an outcome is chosen."""
        self._set_outcome(None)
        self.effective.setDate(detail.meeting_date + EFFECTIVE_AFTER)
        self.keeper.set_quietly({"rationale": "", "dissent": ""})
        self._update_review()
        self.monitoring_table.clear()
        self.actions_table.set_actions(())

    def _fill_from(self, decision: Decision) -> None:
        self._set_outcome(decision.outcome)
        self._select_target(decision.target_regimen)
        if decision.effective_date:
            self.effective.setDate(decision.effective_date)
        if decision.next_review:
            self.next_review.setDate(decision.next_review)
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
        self._fill_targets(outcome)
        self._select_target(self._proposal(outcome))
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
        """The chair chose an outcome: a regimen change proposes its target, plan and actions."""
        outcome = self._outcome()
        self._fill_targets(outcome)
        self._select_target(self._proposal(outcome))
        self._on_outcome()
        detail = self._detail
        self.problem.setText(self._refusal())
        if detail is None or outcome is None or not outcome.changes_regimen:
            return
        if not self.monitoring_table.plan_rows():
            self._fill_plan()
        if not self._amending and not self.actions_table.row_count():
            self.actions_table.set_actions(self._default_actions(detail))

    def _refusal(self) -> str:
        """Why the outcome chosen cannot be recorded for this patient ('' when it can)."""
        if self._outcome() is Outcome.RE_ESCALATE and not self._reduced():
            current = self._current()
            what = current.label if current else "No anti-TNF regimen"
            return (
                f"Re-escalate: {what} is not a reduced regimen (not reached by a de-escalation "
                "and not below the standard regimen), so there is nothing to re-escalate."
            )
        return ""

    def _on_outcome(self, *_args: object) -> None:
        outcome = self._outcome()
        changes = outcome is not None and outcome.changes_regimen
        editable = self.outcome.isEnabled()
        for widget in (self.target, self.effective):
            widget.setEnabled(editable and changes)
        self._on_target()

    def _on_target(self, *_args: object) -> None:
        custom = self.target.currentText() == OTHER
        enabled = self.target.isEnabled() and custom
        for field in (self.dose, self.interval):  # shown for "other…" only: room for the name
            field.setEnabled(enabled)
            field.setVisible(custom)
        self.target.setToolTip(self.target.currentText())  # whole, if the box elides it
        index = self.target.currentIndex()
        if not custom and 0 <= index < len(self._targets):
            self.dose.setValue(self._targets[index].dose_value)
            self.interval.setValue(round(self._targets[index].interval_days / 7))

    def _update_review(self) -> None:
        effective = self.effective.date()
        if effective is not None:
            months = self._config.thresholds["next_review"].value
            self.next_review.setDate(add_months(effective, months))

    def _fill_plan(self) -> None:
        detail, outcome = self._detail, self._outcome()
        effective = self.effective.date()
        if (
            detail is None
            or detail.summary.anti_tnf is None
            or outcome is None
            or not outcome.changes_regimen
            or effective is None
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
                effective,
                detail.summary.anti_tnf.drug,
                detail.case.patient.ibd_type,
                interval,
            )
        )

    def _default_actions(self, detail: CaseDetail) -> tuple[ActionInput, ...]:
        by_role = {c.role: c.id for c in reversed(self._roster) if c.id is not None}
        effective = self.effective.date() or detail.meeting_date + EFFECTIVE_AFTER
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
            ValidationError: No outcome has been chosen, or a date is not a date.
        """
        outcome = self._outcome()
        if outcome is None:
            raise ValidationError(NO_OUTCOME_PROBLEM)
        target = None
        effective = None
        current = self._current()
        if outcome.changes_regimen and current is not None:
            index = self.target.currentIndex()
            if 0 <= index < len(self._targets):
                target = self._targets[index]
            else:
                target = Regimen(
                    current.drug, self.dose.value(), current.dose_unit, self.interval.value() * 7
                )
            effective = self.effective.checked_date()
        return DecisionInput(
            outcome=outcome,
            rationale=self.rationale.toPlainText(),
            target=target,
            effective_date=effective,
            dissent=self.dissent.toPlainText(),
            monitoring=self.monitoring_table.plan(),
            next_review=self.next_review.checked_date(),
            actions=self.actions_table.entered(),
        )

    def _checked(self) -> DecisionInput | None:
        detail = self._detail
        if detail is None:
            return None
        try:
            decision = self.collect()
            validate_decision(
                decision, self._current(), detail.meeting_date, reduced=self._reduced()
            )
        except ValidationError as error:
            self.problem.setText(breakable(str(error)))
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


def earlier_regimen(detail: CaseDetail, config: ClinicalConfig) -> Regimen | None:
    """The regimen a re-escalation goes back to.

    The regimen before the de-escalation: the re-review's failed episode, else the medication
    history (the regimen before the current one, when that was a step down); else the drug's
    first intensified regimen in resources/regimens.toml. None without an anti-TNF regimen.
    """
    review, summary = detail.rereview, detail.summary
    if review is not None and review.failure is not None:
        return review.failure.before
    if summary.de_escalated and summary.previous_regimen is not None:
        return summary.previous_regimen
    current = summary.anti_tnf.regimen if summary.anti_tnf else None
    specs = config.regimens.drugs.get(current.drug) if current else None
    return specs.intensified[0].regimen if specs and specs.intensified else None


def _status_text(detail: CaseDetail) -> str:
    decision = detail.case.decision
    if decision is None:
        if detail.case.status.value == "deferred":
            reason = detail.case.deferral_reason.strip()
            return f"This case: deferred{f' ({isolate(reason)})' if reason else ''}."
        return "This case: no decision yet."
    amended = f" Amended: {isolate(decision.amendment_reason)}" if decision.amendment_reason else ""
    signed = (
        " The meeting is signed off." if detail.meeting_status is MeetingStatus.SIGNED_OFF else ""
    )
    positions = f" Positions: {tally(detail.case.positions).text}." if detail.case.positions else ""
    return (
        f"Decision by {isolate(decision.decided_by)} on {decision.decided_at:%d %b %Y %H:%M}: "
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


def text_lines_height(box: QPlainTextEdit, lines: int) -> int:
    """The height that shows *lines* lines of the box's font (scales with the display)."""
    margins = box.contentsMargins()
    document_margin = 2 * box.document().documentMargin()
    spacing = box.fontMetrics().lineSpacing()
    return int(lines * spacing + document_margin + margins.top() + margins.bottom() + 2)
