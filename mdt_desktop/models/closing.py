"""Tables that close the loop: frozen evidence, attendees' positions, carried-over cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mdt_desktop.domain.enums import Position, Role
from mdt_desktop.models.base import Base, one_of
from mdt_desktop.models.meeting import ClinicianRow


class CaseSnapshotRow(Base):
    """Row in ``case_snapshots``: what the meeting saw for one case, frozen at sign-off.

    Append-only (database triggers). ``payload`` is the serialised evidence (the patient's
    record as it stood, checklist with evidence, risk factors, annotations); ``digest`` is the
    SHA-256 of the canonical JSON of the payload, so a changed payload is detectable.
    """

    __tablename__ = "case_snapshots"
    __table_args__ = (UniqueConstraint("case_review_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_review_id: Mapped[int] = mapped_column(ForeignKey("case_reviews.id", ondelete="RESTRICT"))
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="RESTRICT"), index=True
    )
    taken_at: Mapped[datetime] = mapped_column(DateTime)
    format_version: Mapped[int] = mapped_column(default=1)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))

    figures: Mapped[list[SnapshotFigureRow]] = relationship(
        back_populates="snapshot", order_by="SnapshotFigureRow.id"
    )


class SnapshotFigureRow(Base):
    """Row in ``case_snapshot_figures``: one plot image as the meeting saw it (PNG)."""

    __tablename__ = "case_snapshot_figures"
    __table_args__ = (UniqueConstraint("snapshot_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("case_snapshots.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(32), default="image/png")
    data: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[str] = mapped_column(String(64))

    snapshot: Mapped[CaseSnapshotRow] = relationship(back_populates="figures")


class PositionRow(Base):
    """Row in ``decision_positions``: one present attendee's position on one decision."""

    __tablename__ = "decision_positions"
    __table_args__ = (
        one_of("position", Position),
        one_of("role", Role),
        UniqueConstraint("decision_id", "clinician_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    clinician_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id", ondelete="RESTRICT"))
    role: Mapped[str] = mapped_column(String(32))
    position: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)

    clinician: Mapped[ClinicianRow] = relationship(foreign_keys=[clinician_id])


class CarryOverRow(Base):
    """Row in ``case_carry_overs``: a case listed again at a later meeting, and why."""

    __tablename__ = "case_carry_overs"
    __table_args__ = (
        UniqueConstraint("to_case_id"),
        Index("ix_case_carry_overs_from_case", "from_case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_case_id: Mapped[int] = mapped_column(ForeignKey("case_reviews.id", ondelete="RESTRICT"))
    to_case_id: Mapped[int] = mapped_column(ForeignKey("case_reviews.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(120))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("clinicians.id", ondelete="RESTRICT")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime)
