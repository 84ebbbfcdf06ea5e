"""Tables of one patient's clinical record: demographics, medication, observations, events."""

from __future__ import annotations

from datetime import date, datetime

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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mdt_desktop.domain.enums import (
    Analyte,
    Comparator,
    DoseUnit,
    Drug,
    EndReason,
    EventKind,
    IbdType,
    Phase,
    Sex,
    SmokingStatus,
)
from mdt_desktop.domain.montreal import AGES, BEHAVIOURS, EXTENTS, LOCATIONS
from mdt_desktop.models.base import Base, one_of


class PatientRow(Base):
    """Row in ``patients``."""

    __tablename__ = "patients"
    __table_args__ = (
        one_of("sex", Sex),
        one_of("ibd_type", IbdType),
        one_of("smoking", SmokingStatus),
        one_of("montreal_age", AGES, nullable=True),
        one_of("montreal_location", LOCATIONS, nullable=True),
        one_of("montreal_behaviour", BEHAVIOURS, nullable=True),
        one_of("montreal_extent", EXTENTS, nullable=True),
        CheckConstraint("length(trim(hospital_number)) > 0", name="hospital_number_present"),
        CheckConstraint("nhs_number IS NULL OR length(nhs_number) = 10", name="nhs_number_digits"),
        CheckConstraint("diagnosis_date >= date_of_birth", name="diagnosed_after_birth"),
        Index("ix_patients_family_name", "family_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_number: Mapped[str] = mapped_column(String(32), unique=True)
    nhs_number: Mapped[str | None] = mapped_column(String(10), unique=True)
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(16))
    ibd_type: Mapped[str] = mapped_column(String(32))
    diagnosis_date: Mapped[date] = mapped_column(Date)
    montreal_age: Mapped[str | None] = mapped_column(String(2))
    montreal_location: Mapped[str | None] = mapped_column(String(2))
    montreal_upper_gi: Mapped[bool] = mapped_column(Boolean, default=False)
    montreal_behaviour: Mapped[str | None] = mapped_column(String(2))
    montreal_perianal: Mapped[bool] = mapped_column(Boolean, default=False)
    montreal_extent: Mapped[str | None] = mapped_column(String(2))
    smoking: Mapped[str] = mapped_column(String(16), default=SmokingStatus.UNKNOWN.value)
    extraintestinal: Mapped[list[str]] = mapped_column(JSON, default=list)
    prior_immunomodulator_failure: Mapped[bool] = mapped_column(Boolean, default=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    medications: Mapped[list[MedicationPeriodRow]] = relationship(
        back_populates="patient",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="MedicationPeriodRow.start_date",
    )
    observations: Mapped[list[ObservationRow]] = relationship(
        back_populates="patient",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ObservationRow.collected_at",
    )
    events: Mapped[list[ClinicalEventRow]] = relationship(
        back_populates="patient",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ClinicalEventRow.occurred_on",
    )
    administrations: Mapped[list[AdministrationRow]] = relationship(
        back_populates="patient",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="AdministrationRow.given_on",
    )


class MedicationPeriodRow(Base):
    """Row in ``medication_periods``: one drug at one regimen over a span of dates."""

    __tablename__ = "medication_periods"
    __table_args__ = (
        one_of("drug", Drug),
        one_of("dose_unit", DoseUnit),
        one_of("phase", Phase),
        one_of("end_reason", EndReason, nullable=True),
        CheckConstraint("dose_value > 0", name="dose_positive"),
        CheckConstraint("interval_days >= 1", name="interval_positive"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),
        Index("ix_medication_periods_patient_start", "patient_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    drug: Mapped[str] = mapped_column(String(32))
    dose_value: Mapped[float] = mapped_column(Float)
    dose_unit: Mapped[str] = mapped_column(String(8))
    interval_days: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    phase: Mapped[str] = mapped_column(String(16), default=Phase.MAINTENANCE.value)
    reason: Mapped[str] = mapped_column(Text, default="")
    end_reason: Mapped[str | None] = mapped_column(String(32))
    # The reason as the source gave it (FHIR statusReason text or code), shown beside end_reason.
    end_reason_detail: Mapped[str] = mapped_column(Text, default="", server_default="")
    source: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # A period created by an MDT decision, or ended by one: a decision changed before sign-off
    # undoes exactly what it did to the medication history.
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", ondelete="SET NULL", use_alter=True)
    )
    closed_by_decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", ondelete="SET NULL", use_alter=True)
    )

    patient: Mapped[PatientRow] = relationship(back_populates="medications")


class ObservationRow(Base):
    """Row in ``observations``: a value in its canonical unit plus what was received."""

    __tablename__ = "observations"
    __table_args__ = (
        one_of("analyte", Analyte),
        one_of("comparator", Comparator, nullable=True),
        # One result per patient, analyte and sample time: makes re-imports idempotent and is
        # the index every per-patient time-series query uses.
        UniqueConstraint("patient_id", "analyte", "collected_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    analyte: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(32))
    comparator: Mapped[str | None] = mapped_column(String(2))
    original_value: Mapped[str] = mapped_column(String(64))
    original_unit: Mapped[str] = mapped_column(String(32))
    collected_at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(255))
    assay: Mapped[str | None] = mapped_column(String(128))
    target_drug: Mapped[str | None] = mapped_column(String(32))
    abnormal_flag: Mapped[str | None] = mapped_column(String(8))
    reference_range: Mapped[str | None] = mapped_column(String(32))  # as the laboratory sent it
    created_at: Mapped[datetime] = mapped_column(DateTime)

    patient: Mapped[PatientRow] = relationship(back_populates="observations")


class ClinicalEventRow(Base):
    """Row in ``clinical_events``: endoscopy, ultrasound, surgery, trial enrolment, flare."""

    __tablename__ = "clinical_events"
    __table_args__ = (
        one_of("kind", EventKind),
        CheckConstraint(
            f"is_resection IS NULL OR kind = '{EventKind.SURGERY.value}'",
            name="resection_only_for_surgery",
        ),
        Index("ix_clinical_events_patient_date", "patient_id", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    occurred_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    is_resection: Mapped[bool | None] = mapped_column(Boolean)
    mucosal_healing: Mapped[bool | None] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)

    patient: Mapped[PatientRow] = relationship(back_populates="events")


class AdministrationRow(Base):
    """Row in ``medication_administrations``: one dose given (FHIR MedicationAdministration).

    A recorded infusion or injection is contact with the patient: the outcome audit censors a
    de-escalation at the last contact when a patient stops attending (docs/clinical.md,
    "Loss to follow-up").
    """

    __tablename__ = "medication_administrations"
    __table_args__ = (
        one_of("drug", Drug),
        one_of("dose_unit", DoseUnit, nullable=True),
        CheckConstraint("dose_value IS NULL OR dose_value > 0", name="dose_positive"),
        UniqueConstraint("patient_id", "drug", "given_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    drug: Mapped[str] = mapped_column(String(32))
    given_on: Mapped[date] = mapped_column(Date)
    dose_value: Mapped[float | None] = mapped_column(Float)
    dose_unit: Mapped[str | None] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)

    patient: Mapped[PatientRow] = relationship(back_populates="administrations")
