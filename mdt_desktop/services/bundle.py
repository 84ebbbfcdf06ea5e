"""The services the meeting screen uses, built together (app.py, tests, benchmarks)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.importers.codes import CodeTable, load_code_table
from mdt_desktop.models.db import Database
from mdt_desktop.paths import resource_path
from mdt_desktop.services.annotations import AnnotationService
from mdt_desktop.services.audit_log import AuditLogService
from mdt_desktop.services.carry_over import CarryOverService
from mdt_desktop.services.chase import ChaseService
from mdt_desktop.services.checklist_answers import ChecklistService
from mdt_desktop.services.decisions import DecisionService
from mdt_desktop.services.exports import ExportService
from mdt_desktop.services.followup import FollowUpService
from mdt_desktop.services.imports import ImportService
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.monthly_summary import MonthlySummaryService
from mdt_desktop.services.notes import NoteService
from mdt_desktop.services.open_actions import OpenActionService
from mdt_desktop.services.outcomes import OutcomeService
from mdt_desktop.services.positions import PositionService
from mdt_desktop.services.roster import RosterAdmin, RosterService
from mdt_desktop.services.signoff import SignOffService


@dataclass(frozen=True, slots=True)
class MeetingServices:
    """One instance of each service behind the meeting screen."""

    meetings: MeetingService
    checklist: ChecklistService
    decisions: DecisionService
    notes: NoteService
    annotations: AnnotationService
    signoff: SignOffService
    positions: PositionService
    open_actions: OpenActionService
    carry_over: CarryOverService


def meeting_services(db: Database, config: ClinicalConfig) -> MeetingServices:
    """Build the meeting screen's services on *db*."""
    return MeetingServices(
        meetings=MeetingService(db, config),
        checklist=ChecklistService(db, config),
        decisions=DecisionService(db, config.regimens),
        notes=NoteService(db),
        annotations=AnnotationService(db),
        signoff=SignOffService(db, config),
        positions=PositionService(db),
        open_actions=OpenActionService(db),
        carry_over=CarryOverService(db, config),
    )


@dataclass(frozen=True, slots=True)
class AdminServices:
    """Services behind the preparation, roster and audit screens."""

    meeting_admin: MeetingAdminService
    roster: RosterService
    roster_admin: RosterAdmin
    audit_log: AuditLogService
    exports: ExportService
    imports: ImportService
    followup: FollowUpService
    outcomes: OutcomeService
    chase: ChaseService
    monthly_summary: MonthlySummaryService


def admin_services(
    db: Database,
    config: ClinicalConfig,
    data_dir: Path,
    codes: CodeTable | Callable[[], CodeTable] | None = None,
) -> AdminServices:
    """Build the administrative services on *db* (*data_dir* holds the pseudonym key).

    *codes*: the lab code table or its loader (default: the shipped table only). Imports
    convert times to the site's zone (*config*.time_zone).
    """
    return AdminServices(
        MeetingAdminService(db, config),
        RosterService(db),
        RosterAdmin(db),
        AuditLogService(db),
        ExportService(db, config, ExportService.default_key_path(data_dir)),
        ImportService(db, codes or _shipped_codes, zone=ZoneInfo(config.time_zone)),
        followup=FollowUpService(db, config),
        outcomes=OutcomeService(db, config),
        chase=ChaseService(db, config),
        monthly_summary=MonthlySummaryService(db, config),
    )


def _shipped_codes() -> CodeTable:
    return load_code_table(resource_path("lab_codes.toml"))
