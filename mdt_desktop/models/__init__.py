"""SQLAlchemy 2 typed ORM mappings and nothing else; Alembic migrations live in migrations/."""

from mdt_desktop.models.audit import AuditEventRow, MetaRow
from mdt_desktop.models.base import Base
from mdt_desktop.models.closing import (
    CarryOverRow,
    CaseSnapshotRow,
    PositionRow,
    SnapshotFigureRow,
)
from mdt_desktop.models.meeting import (
    ActionRow,
    AnnotationRow,
    AttendanceRow,
    CaseNoteRow,
    CaseReviewRow,
    ChecklistAnswerRow,
    ClinicianRow,
    DecisionRow,
    MeetingRow,
)
from mdt_desktop.models.patient import (
    AdministrationRow,
    ClinicalEventRow,
    MedicationPeriodRow,
    ObservationRow,
    PatientRow,
)

__all__ = [
    "ActionRow",
    "AdministrationRow",
    "AnnotationRow",
    "AttendanceRow",
    "AuditEventRow",
    "Base",
    "CarryOverRow",
    "CaseNoteRow",
    "CaseReviewRow",
    "CaseSnapshotRow",
    "ChecklistAnswerRow",
    "ClinicalEventRow",
    "ClinicianRow",
    "DecisionRow",
    "MedicationPeriodRow",
    "MeetingRow",
    "MetaRow",
    "ObservationRow",
    "PatientRow",
    "PositionRow",
    "SnapshotFigureRow",
]
