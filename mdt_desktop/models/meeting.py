"""Tables of the MDT itself: roster, meetings, attendance, case reviews and what they recorded."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mdt_desktop.domain.enums import (
    AttendanceStatus,
    CaseStatus,
    ChecklistResult,
    DoseUnit,
    Drug,
    Interpretation,
    MeetingStatus,
    Outcome,
    Role,
)
from mdt_desktop.models.base import Base, one_of


class ClinicianRow(Base):
    """Row in ``clinicians``: a member of the MDT roster."""

    __tablename__ = "clinicians"
    __table_args__ = (one_of("role", Role),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class MeetingRow(Base):
    """Row in ``meetings``."""

    __tablename__ = "meetings"
    __table_args__ = (
        one_of("status", MeetingStatus),
        CheckConstraint(
            f"status <> '{MeetingStatus.SIGNED_OFF.value}' OR "
            "(signed_off_at IS NOT NULL AND signed_off_by_id IS NOT NULL)",
            name="signed_off_has_signatory",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_date: Mapped[date] = mapped_column(Date, unique=True)
    chair_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16), default=MeetingStatus.PLANNED.value)
    location: Mapped[str] = mapped_column(String(120), default="")
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    signed_off_at: Mapped[datetime | None] = mapped_column(DateTime)
    signed_off_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("clinicians.id", ondelete="RESTRICT")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime)

    chair: Mapped[ClinicianRow] = relationship(foreign_keys=[chair_id])
    signed_off_by: Mapped[ClinicianRow | None] = relationship(foreign_keys=[signed_off_by_id])
    attendance: Mapped[list[AttendanceRow]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", passive_deletes=True
    )
    cases: Mapped[list[CaseReviewRow]] = relationship(
        back_populates="meeting",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CaseReviewRow.position",
    )


class AttendanceRow(Base):
    """Row in ``attendance``: one roster member at one meeting, with the role they had."""

    __tablename__ = "attendance"
    __table_args__ = (
        one_of("status", AttendanceStatus),
        one_of("role", Role),
        UniqueConstraint("meeting_id", "clinician_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    clinician_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(32))

    meeting: Mapped[MeetingRow] = relationship(back_populates="attendance")
    clinician: Mapped[ClinicianRow] = relationship()


class CaseReviewRow(Base):
    """Row in ``case_reviews``: one patient on one meeting's list."""

    __tablename__ = "case_reviews"
    __table_args__ = (
        one_of("status", CaseStatus),
        CheckConstraint("position >= 1", name="position_positive"),
        UniqueConstraint("meeting_id", "patient_id"),
        Index("ix_case_reviews_patient", "patient_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.PENDING.value)
    added_reason: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)

    meeting: Mapped[MeetingRow] = relationship(back_populates="cases")
    checklist: Mapped[list[ChecklistAnswerRow]] = relationship(
        back_populates="case_review",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ChecklistAnswerRow.id",
    )
    decisions: Mapped[list[DecisionRow]] = relationship(
        back_populates="case_review",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="DecisionRow.id",
    )
    actions: Mapped[list[ActionRow]] = relationship(
        back_populates="case_review",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ActionRow.id",
    )
    notes: Mapped[list[CaseNoteRow]] = relationship(
        back_populates="case_review",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CaseNoteRow.id",
    )


class ChecklistAnswerRow(Base):
    """Row in ``checklist_answers``: automatic result with evidence, and the team's answer."""

    __tablename__ = "checklist_answers"
    __table_args__ = (
        one_of("automatic", ChecklistResult),
        one_of("confirmed", ChecklistResult, nullable=True),
        CheckConstraint(
            "confirmed IS NULL OR confirmed = automatic OR automatic = 'unknown' OR "
            "length(trim(override_reason)) > 0",
            name="override_needs_reason",
        ),
        UniqueConstraint("case_review_id", "item_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_review_id: Mapped[int] = mapped_column(ForeignKey("case_reviews.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(64))
    automatic: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    confirmed: Mapped[str | None] = mapped_column(String(16))
    override_reason: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("clinicians.id", ondelete="RESTRICT")
    )
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)

    case_review: Mapped[CaseReviewRow] = relationship(back_populates="checklist")
    answered_by: Mapped[ClinicianRow | None] = relationship()


class DecisionRow(Base):
    """Row in ``decisions``. An amendment is a new row pointing at the decision it corrects."""

    __tablename__ = "decisions"
    __table_args__ = (
        one_of("outcome", Outcome),
        one_of("target_drug", Drug, nullable=True),
        one_of("target_dose_unit", DoseUnit, nullable=True),
        CheckConstraint(
            f"outcome NOT IN ('{Outcome.DE_ESCALATE.value}', '{Outcome.RE_ESCALATE.value}') OR "
            "(target_drug IS NOT NULL AND target_dose IS NOT NULL AND target_dose_unit IS NOT "
            "NULL AND target_interval_days IS NOT NULL AND effective_date IS NOT NULL)",
            name="de_escalation_has_target",
        ),
        CheckConstraint("length(trim(rationale)) > 0", name="rationale_present"),
        CheckConstraint(
            "amends_id IS NULL OR length(trim(amendment_reason)) > 0",
            name="amendment_has_reason",
        ),
        # One original decision per case; corrections are amendments (new rows).
        Index(
            "uq_decisions_case_original",
            "case_review_id",
            unique=True,
            sqlite_where=text("amends_id IS NULL"),
            postgresql_where=text("amends_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_review_id: Mapped[int] = mapped_column(ForeignKey("case_reviews.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(32))
    target_drug: Mapped[str | None] = mapped_column(String(32))
    target_dose: Mapped[float | None] = mapped_column(Float)
    target_dose_unit: Mapped[str | None] = mapped_column(String(8))
    target_interval_days: Mapped[int | None] = mapped_column(Integer)
    effective_date: Mapped[date | None] = mapped_column(Date)
    rationale: Mapped[str] = mapped_column(Text)
    dissent: Mapped[str] = mapped_column(Text, default="")
    monitoring: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    next_review: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime] = mapped_column(DateTime)
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id", ondelete="RESTRICT"))
    amendment_reason: Mapped[str] = mapped_column(Text, default="")

    case_review: Mapped[CaseReviewRow] = relationship(back_populates="decisions")
    decided_by: Mapped[ClinicianRow] = relationship()


class ActionRow(Base):
    """Row in ``actions``: a task agreed for a case, with its owner from the roster."""

    __tablename__ = "actions"
    __table_args__ = (
        CheckConstraint("length(trim(description)) > 0", name="description_present"),
        Index("ix_actions_owner_due", "owner_id", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_review_id: Mapped[int] = mapped_column(ForeignKey("case_reviews.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id", ondelete="RESTRICT"))
    due_date: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    case_review: Mapped[CaseReviewRow] = relationship(back_populates="actions")
    owner: Mapped[ClinicianRow] = relationship()


class AnnotationRow(Base):
    """Row in ``drug_level_annotations``. An edit is a new row that supersedes the old one."""

    __tablename__ = "drug_level_annotations"
    __table_args__ = (
        one_of("interpretation", Interpretation),
        Index("ix_drug_level_annotations_observation", "observation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id", ondelete="RESTRICT"))
    case_review_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_reviews.id", ondelete="SET NULL")
    )
    interpretation: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str] = mapped_column(Text, default="")
    recommendation: Mapped[str] = mapped_column(Text, default="")
    pharmacist_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("drug_level_annotations.id", ondelete="RESTRICT")
    )

    pharmacist: Mapped[ClinicianRow] = relationship()


class CaseNoteRow(Base):
    """Row in ``case_notes``: a clinician's or nurse's note on a case."""

    __tablename__ = "case_notes"
    __table_args__ = (CheckConstraint("length(trim(text)) > 0", name="text_present"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_review_id: Mapped[int] = mapped_column(
        ForeignKey("case_reviews.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id", ondelete="RESTRICT"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    case_review: Mapped[CaseReviewRow] = relationship(back_populates="notes")
    author: Mapped[ClinicianRow] = relationship()
