"""The tabs beside the plots: checklist and risks, decision, drug levels, notes and actions.

Decides what the current user may do on each tab (the services enforce the same rules) and
says why the rest is disabled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QTabWidget, QWidget

from mdt_desktop.domain.access import Actor, Permission, allowed
from mdt_desktop.domain.board import CaseDetail
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import MeetingStatus, Role
from mdt_desktop.domain.records import Clinician, MeetingRecord
from mdt_desktop.drafts import DraftStore
from mdt_desktop.views.checklist_view import ChecklistPanel
from mdt_desktop.views.decision_panel import DecisionAccess, DecisionPanel
from mdt_desktop.views.drug_level_panel import DrugLevelPanel
from mdt_desktop.views.notes_panel import NotesPanel
from mdt_desktop.views.risk_view import RiskPanel


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking, and whether the database can be changed at all."""

    actor: Actor | None
    role: Role | None
    read_only: bool


class CaseTabs(QTabWidget):
    """Checklist and risks, Decision, Drug levels, Notes and actions."""

    def __init__(
        self,
        config: ClinicalConfig,
        roster: list[Clinician],
        database: str,
        drafts: DraftStore | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._database = database
        self._drafts = drafts
        self._detail: CaseDetail | None = None
        self._viewer = Viewer(None, None, True)
        self.checklist = ChecklistPanel()
        self.risks = RiskPanel(config.risk_caveat)
        self.decision = DecisionPanel(config, roster, drafts)
        self.levels = DrugLevelPanel(config.thresholds, drafts, assays=config.antibody_assays)
        self.levels.track(lambda obs_id: self.draft_key(f"annotation of result {obs_id}"))
        self.notes = NotesPanel(drafts)
        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(self.checklist)
        side.addWidget(self.risks)
        side.setStretchFactor(0, 3)
        side.setStretchFactor(1, 2)
        side.setChildrenCollapsible(False)
        self.addTab(side, "Checklist")
        self.addTab(self.decision, "Decision")
        self.addTab(self.levels, "Drug levels")
        self.addTab(self.notes, "Notes && actions")
        self.tabBar().setAccessibleName("Case tabs")

    def focus_order(self) -> list[QWidget]:
        """The tabs' controls in the order Tab visits them (only the open tab's are visible)."""
        return [
            *self.checklist.focus_order(),
            *self.risks.focus_order(),
            *self.decision.focus_order(),
            *self.levels.focus_order(),
            *self.notes.focus_order(),
        ]

    def clear_case(self) -> None:
        """No case is shown: every tab empty, nothing can be recorded."""
        self._detail = None
        self.checklist.clear()
        self.risks.show_risks(())
        self.decision.clear_case()
        self.levels.clear()
        self.notes.clear_case()

    def set_roster(self, roster: list[Clinician]) -> None:
        """The roster changed (members added, renamed or deactivated)."""
        self.decision.set_roster(roster)

    def draft_key(self, kind: str) -> str | None:
        """Where unsaved text of this kind, case and user is kept."""
        detail, actor = self._detail, self._viewer.actor
        if detail is None or actor is None:
            return None
        return f"{self._database}|{kind}|case {detail.case.id}|user {actor.id}"

    def show_case(
        self, detail: CaseDetail, meeting: MeetingRecord, viewer: Viewer, today: date
    ) -> None:
        """Fill every tab for *detail* and enable what *viewer* may do."""
        self._detail = detail
        self._viewer = viewer
        self.checklist.show_checklist(
            detail.case.checklist, detail.overall, rereview=detail.rereview is not None
        )
        self.risks.show_risks(detail.risks)
        self.decision.show_case(
            detail,
            self._decision_access(meeting),
            lambda: self.draft_key("decision"),
            meeting.attendance,
        )
        self.levels.show_case(detail)
        self.notes.keeper.track(lambda: self.draft_key("note"))
        self.notes.show_case(detail, today)
        self._set_access(meeting)

    @property
    def detail(self) -> CaseDetail | None:
        """The case the tabs show (None: none)."""
        return self._detail

    def refresh_access(self, meeting: MeetingRecord, viewer: Viewer) -> None:
        """The user changed: re-evaluate what they may do."""
        self._viewer = viewer
        if self._detail is not None:
            self.decision.set_access(self._decision_access(meeting))
            self._set_access(meeting)

    def offer_drafts(self) -> None:
        """Offer back text that was being typed in this case when the program stopped."""
        self.decision.offer_draft(self._drafts, self.draft_key("decision"))
        key = self.draft_key("note")
        draft = self._drafts.load(key) if self._drafts and key else None
        if draft is not None:
            self.notes.keeper.restore_into_fields(draft.fields)

    def show_level(self, observation_id: int) -> None:
        """Go to the drug-levels tab on one result (clicked on the plot)."""
        if self.levels.select_observation(observation_id):
            self.setCurrentWidget(self.levels)

    # --- access ----------------------------------------------------------------------------------

    def _blocked(self, meeting: MeetingRecord, permission: Permission) -> str:
        """Why the viewer may not perform *permission* on this meeting ('' if they may)."""
        viewer = self._viewer
        if viewer.read_only:
            return "The database is open read-only."
        if meeting.status is MeetingStatus.SIGNED_OFF:
            return "This meeting is signed off."
        if viewer.actor is None or viewer.role is None:
            return "Choose who you are (Acting as) first."
        if not allowed(viewer.role, permission):
            return f"A {viewer.role.label.lower()} may not {permission.value}."
        return ""

    def _set_access(self, meeting: MeetingRecord) -> None:
        why = self._blocked(meeting, Permission.CONFIRM_CHECKLIST)
        self.checklist.set_editable(not why, why)
        why = self._blocked(meeting, Permission.ANNOTATE_DRUG_LEVELS)
        self.levels.set_editable(not why, why)
        note_why = self._blocked(meeting, Permission.ADD_NOTES)
        viewer = self._viewer
        act_why = (
            "The database is open read-only."
            if viewer.read_only
            else "Choose who you are (Acting as) first."
            if viewer.role is None
            else "Observers may not complete actions."
            if viewer.role is Role.OBSERVER
            else ""
        )
        self.notes.set_access(not note_why, note_why, not act_why, act_why)

    def _decision_access(self, meeting: MeetingRecord) -> DecisionAccess:
        viewer = self._viewer
        if meeting.status is MeetingStatus.SIGNED_OFF:
            if viewer.read_only or viewer.role is None:
                return DecisionAccess(False, False, "This meeting is signed off.")
            can_amend = allowed(viewer.role, Permission.RECORD_DECISION)
            return DecisionAccess(
                False, can_amend, "" if can_amend else "Only an IBD consultant amends decisions."
            )
        why = self._blocked(meeting, Permission.RECORD_DECISION)
        if not why and viewer.actor is not None and viewer.actor.id != meeting.chair_id:
            why = f"Only the chair of this meeting ({meeting.chair}) records decisions."
        return DecisionAccess(not why, False, why)
