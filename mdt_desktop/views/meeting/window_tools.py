"""The windows and dialogs the meeting window opens: preparation, exports, imports, worklists."""

from __future__ import annotations

from mdt_desktop.domain.access import Permission, allowed
from mdt_desktop.services.exports import ExportKind
from mdt_desktop.views.audit.audit_log_dialog import AuditLogDialog
from mdt_desktop.views.audit.outcome_audit_window import OutcomeAuditWindow
from mdt_desktop.views.exchange.export_dialog import ExportDialog
from mdt_desktop.views.exchange.import_dialog import IMPORT_NOT_ALLOWED, NOBODY_CHOSEN, ImportDialog
from mdt_desktop.views.meeting.window_base import WindowBase
from mdt_desktop.views.preparation.new_meeting_dialog import NewMeetingDialog
from mdt_desktop.views.preparation.prepare_meeting_dialog import PrepareMeetingDialog
from mdt_desktop.views.worklists.chase_window import ChaseWindow
from mdt_desktop.views.worklists.followup_window import FollowUpWindow
from mdt_desktop.views.worklists.monthly_summary_window import MonthlySummaryWindow


class WindowTools(WindowBase):
    """Opens the secondary windows and dialogs, one of each at a time."""

    def new_meeting(self) -> None:
        """Plan a new meeting (the coordinator)."""
        admin, actor = self._admin, self._presenter.actor
        if admin is None:
            return
        if actor is None or not self._may(Permission.PREPARE_MEETING):
            self._on_error("Only the MDT coordinator plans meetings.")
            return
        chosen = NewMeetingDialog.ask(self._roster, self)
        if chosen is None:
            return
        day, chair_id, location = chosen

        def created(meeting_id: int) -> None:
            self._pending_meeting = meeting_id
            self._presenter.refresh_meetings()
            self.prepare_meeting(meeting_id)  # straight on to candidates and attendance

        self._runner.submit(
            lambda: admin.meeting_admin.create_meeting(day, chair_id, actor, location),
            created,
            lambda error: self._on_error(str(error)),
        )

    def prepare_meeting(self, meeting_id: int | None = None) -> None:
        """Candidates, chair and attendance of *meeting_id* (else the open meeting)."""
        board = self._presenter.board
        if meeting_id is None and board is not None:
            meeting_id = board.meeting.id
        if self._admin is None or meeting_id is None:
            return
        self.preparation = PrepareMeetingDialog(
            self._admin.meeting_admin,
            self._presenter.services.meetings,
            self._roster,
            meeting_id,
            self._presenter.actor,
            self._may(Permission.PREPARE_MEETING),
            self._runner,
            self,
            why_not=self._read_only_reason(),
            identifiers=self._identifiers,
        )
        changed: list[bool] = []
        self.preparation.changed.connect(lambda: changed.append(True))
        self.preparation.exec()
        self.preparation = None
        if changed:
            self._pending_meeting = meeting_id
            self._pending_case = None
            self._presenter.refresh_meetings()

    def export_meeting(
        self, kind: ExportKind = ExportKind.MINUTES, hospital_number: str | None = None
    ) -> None:
        """Export the open meeting: minutes, letters, GP letters or the decisions spreadsheet."""
        board = self._presenter.board
        if self._admin is None or board is None:
            return
        role = self._role()  # exporting only reads, so a read-only file does not stop it
        self.export_dialog = ExportDialog(
            self._admin.exports,
            board,
            self._presenter.actor,
            role is not None and allowed(role, Permission.EXPORT),
            self,
            folder=self._export_folder,
            kind=kind,
            hospital_number=hospital_number,
            shown=self._identifiers,
        )
        self.export_dialog.exec()
        self._export_folder = self.export_dialog.folder
        self._settings.set_export_folder(self._export_folder)
        self.export_dialog = None

    def letter_to_gp(self) -> None:
        """The letter to the current patient's GP or referrer, in the export dialog.

        The dialog checks the permission as every export does, and says why Export is disabled.
        """
        current = self.shown_case
        if current is None:
            self._on_error("Choose a case in the list first.")
            return
        if current.case.decision is None:
            self._on_error("Record a decision first: the letter to the GP reports it.")
            return
        self.export_meeting(ExportKind.GP_LETTER, current.case.patient.hospital_number)

    def import_data(self) -> None:
        """Import lab results, patients and treatment; the open meeting reloads afterwards."""
        if self._admin is None:
            return
        actor = self._presenter.actor
        why_not = (
            self._read_only_reason()
            or (NOBODY_CHOSEN if actor is None else "")
            or ("" if self._may(Permission.IMPORT_DATA) else IMPORT_NOT_ALLOWED)
        )
        self.import_dialog = ImportDialog(
            self._admin.imports,
            actor,
            why_not,
            self,
            folder=self._settings.import_folder(),
        )
        self.import_dialog.imported.connect(lambda _report: self._presenter.reload())
        self.import_dialog.exec()
        self._settings.set_import_folder(self.import_dialog.folder)
        self.import_dialog = None

    def open_audit_log(self) -> None:
        """Show the audit log, filtered on the open meeting."""
        if self._admin is None:
            return
        board = self._presenter.board
        self.audit_dialog = AuditLogDialog(
            self._admin.audit_log,
            self._meetings,
            self._roster,
            self._runner,
            self,
            meeting_id=board.meeting.id if board else None,
        )
        self.audit_dialog.show()

    def open_followup(self) -> None:
        """The follow-up worklist; the coordinator may list a patient for the next meeting."""
        if self._admin is None:
            return
        if self.followup_window is not None:  # one at a time, for the current user
            self.followup_window.close()
            self.followup_window.deleteLater()
        self.followup_window = FollowUpWindow(
            self._admin.followup,
            self._config.thresholds,
            self._presenter.actor,
            self._may(Permission.PREPARE_MEETING),
            self._runner,
            self,
            why_not=self._read_only_reason(),
            identifiers=self._identifiers,
        )

        def listed(_meeting: object) -> None:  # stay on the open meeting and case
            self._stay_here()
            self._presenter.refresh_meetings()

        self.followup_window.listed.connect(listed)
        self.followup_window.show()

    def open_outcome_audit(self) -> None:
        """The outcome audit: anyone may look; its PDF is an export (role checked, audited)."""
        if self._admin is None:
            return
        if self.outcome_window is None:
            self.outcome_window = OutcomeAuditWindow(
                self._admin.outcomes,
                self._config,
                self,
                settings=self._settings,
                actor=lambda: self._presenter.actor,
            )
        self.outcome_window.show()
        if self.outcome_window.audit is None:
            self.outcome_window.refresh()

    def open_chase_list(self, meeting_id: int | None = None) -> None:
        """The chase list of *meeting_id* (else the open meeting); saving it is an export."""
        board = self._presenter.board
        if meeting_id is None and board is not None:
            meeting_id = board.meeting.id
        if self._admin is None or meeting_id is None:
            return
        if self.chase_window is not None:  # one at a time, for the current user
            self.chase_window.close()
            self.chase_window.deleteLater()
        role = self._role()  # saving only reads, so a read-only file does not stop it
        self.chase_window = ChaseWindow(
            self._admin.chase,
            meeting_id,
            self._presenter.actor,
            role is not None and allowed(role, Permission.EXPORT),
            self._runner,
            self,
        )
        self.chase_window.show()

    def open_monthly_summary(self) -> None:
        """The administrators' monthly summary; saving it is an export."""
        if self._admin is None:
            return
        if self.summary_window is not None:
            self.summary_window.close()
            self.summary_window.deleteLater()
        role = self._role()
        self.summary_window = MonthlySummaryWindow(
            self._admin.monthly_summary,
            self._presenter.actor,
            role is not None and allowed(role, Permission.EXPORT),
            self._runner,
            self,
        )
        self.summary_window.show()
