"""Pharmacist annotations on drug-level and antibody results; an edit supersedes, never erases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdt_desktop.domain.access import Actor, Permission
from mdt_desktop.domain.catalogue import DRUG_LEVEL_ANALYTES
from mdt_desktop.domain.enums import Analyte, Interpretation
from mdt_desktop.domain.errors import NotFoundError, RefusedError, ValidationError
from mdt_desktop.domain.records import Annotation
from mdt_desktop.models import AnnotationRow, ObservationRow
from mdt_desktop.models.db import Database
from mdt_desktop.services.audit import Trail
from mdt_desktop.services.clock import Clock, system_clock
from mdt_desktop.services.guards import acting, case_row, still_open
from mdt_desktop.services.mapping import annotation_from_row

ANNOTATED = (*DRUG_LEVEL_ANALYTES, Analyte.ANTI_DRUG_ANTIBODIES)
MAX_TEXT = 2000


class AnnotationService:
    """Writes and reads pharmacist annotations."""

    def __init__(self, db: Database, *, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock

    def annotate(
        self,
        observation_id: int,
        interpretation: Interpretation,
        comment: str,
        recommendation: str,
        actor: Actor,
        *,
        case_id: int | None = None,
        supersedes_id: int | None = None,
        at: datetime | None = None,
    ) -> int:
        """Annotate a result (or revise an annotation with *supersedes_id*); return the new id."""
        comment, recommendation = comment.strip(), recommendation.strip()
        for name, text in (("comment", comment), ("recommendation", recommendation)):
            if len(text) > MAX_TEXT:
                raise ValidationError(f"{name}: at most {MAX_TEXT} characters")
        with self._db.write() as session:
            pharmacist = acting(session, actor, Permission.ANNOTATE_DRUG_LEVELS)
            observation = session.get(ObservationRow, observation_id)
            if observation is None:
                raise NotFoundError(f"No result with id {observation_id}.")
            if Analyte(observation.analyte) not in ANNOTATED:
                raise ValidationError(
                    f"result {observation_id}: only drug levels and antibodies are annotated"
                )
            meeting_id = None
            if case_id is not None:
                case = case_row(session, case_id)
                meeting_id = case.meeting_id
                still_open(case.meeting, "its annotations")
                if case.patient_id != observation.patient_id:
                    raise ValidationError("case: the result belongs to another patient")
            previous = self._previous(session, supersedes_id, observation_id)
            row = AnnotationRow(
                observation_id=observation_id,
                case_review_id=case_id,
                interpretation=interpretation.value,
                comment=comment,
                recommendation=recommendation,
                pharmacist_id=pharmacist.id,
                created_at=at or self._clock(),
                supersedes_id=supersedes_id,
            )
            session.add(row)
            session.flush()
            trail = Trail(
                session,
                Actor(pharmacist.id, pharmacist.name),
                row.created_at,
                observation.patient_id,
                meeting_id,
            )
            after = {
                "interpretation": row.interpretation,
                "comment": comment,
                "recommendation": recommendation,
                "supersedes": supersedes_id,
            }
            if previous is None:
                trail.created("drug_level_annotation", row.id, after)
            else:
                trail.updated("drug_level_annotation", row.id, previous, after)
            return row.id

    @staticmethod
    def _previous(
        session: Session, supersedes_id: int | None, observation_id: int
    ) -> dict[str, object] | None:
        if supersedes_id is None:
            return None
        old = session.get(AnnotationRow, supersedes_id)
        if old is None or old.observation_id != observation_id:
            raise ValidationError("supersedes: not an annotation of this result")
        newer = session.scalar(
            select(AnnotationRow.id).where(AnnotationRow.supersedes_id == supersedes_id)
        )
        if newer is not None:
            raise RefusedError(
                "That annotation has already been revised; revise the newest version."
            )
        return {
            "interpretation": old.interpretation,
            "comment": old.comment,
            "recommendation": old.recommendation,
        }

    def history(self, observation_id: int) -> list[Annotation]:
        """Every version of every annotation on one result, oldest first."""
        with self._db.read() as session:
            observation = session.get(ObservationRow, observation_id)
            if observation is None:
                raise NotFoundError(f"No result with id {observation_id}.")
            rows = session.scalars(
                select(AnnotationRow)
                .where(AnnotationRow.observation_id == observation_id)
                .order_by(AnnotationRow.id)
            )
            return [annotation_from_row(row, observation) for row in rows]
