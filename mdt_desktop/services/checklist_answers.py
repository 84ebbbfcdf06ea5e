"""Recording the team's answer to a checklist item: confirm, override with a reason, or clear.

The answer is stored with the automatic result and evidence it was given against, who gave it
and when, and its audit row, in one transaction. A signed-off meeting refuses changes. A case
listed for re-review after a de-escalation answers the re-review checklist's items, every other
case the remission checklist's (docs/clinical.md, "Checklist").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdt_desktop.domain.access import Actor, Permission
from mdt_desktop.domain.checklist import (
    ChecklistItemSpec,
    RuleContext,
    evaluate_checklist,
    needs_reason,
)
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import ChecklistResult
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.domain.records import ChecklistAnswer
from mdt_desktop.domain.rereview_checklist import RereviewContext, evaluate_rereview_checklist
from mdt_desktop.models import CaseReviewRow, ChecklistAnswerRow, ClinicianRow, PatientRow
from mdt_desktop.models.db import Database
from mdt_desktop.services.audit import Trail
from mdt_desktop.services.clock import Clock, system_clock
from mdt_desktop.services.guards import acting, case_row, still_open
from mdt_desktop.services.mapping import evidence_to_json
from mdt_desktop.services.patients import load_record
from mdt_desktop.services.rereview import case_rereview

MAX_REASON = 2000


class ChecklistService:
    """Writes checklist answers; one transaction per answer."""

    def __init__(
        self, db: Database, config: ClinicalConfig, *, clock: Clock = system_clock
    ) -> None:
        self._db = db
        self._clock = clock
        self._items = {item.key: item for item in (*config.checklist, *config.rereview_checklist)}
        self._config = config

    def answer(
        self,
        case_id: int,
        item_key: str,
        result: ChecklistResult | None,
        reason: str,
        actor: Actor,
        *,
        at: datetime | None = None,
    ) -> None:
        """Confirm (or override, or clear with None) one item of one case, as *actor*."""
        item = self._items.get(item_key)
        if item is None:
            raise ValidationError(f"checklist item {item_key!r}: not in the checklist")
        reason = reason.strip()
        if len(reason) > MAX_REASON:
            raise ValidationError(f"reason: at most {MAX_REASON} characters")
        with self._db.write() as session:
            case = case_row(session, case_id)
            still_open(case.meeting, "its checklists")
            clinician = acting(session, actor, Permission.CONFIRM_CHECKLIST)
            automatic = self._evaluate(session, case, item)
            if needs_reason(automatic.automatic, result) and not reason:
                raise ValidationError(
                    f"reason: {item.label!r} is {automatic.automatic.value.replace('_', ' ')} "
                    f"automatically; give the reason for answering "
                    f"{result.value.replace('_', ' ') if result else 'otherwise'}"
                )
            self._store(session, case, automatic, result, reason, clinician, at or self._clock())

    def _evaluate(
        self, session: Session, case: CaseReviewRow, item: ChecklistItemSpec
    ) -> ChecklistAnswer:
        """The item's automatic result now; refused when it is not on this case's list."""
        config = self._config
        record = load_record(session.get_one(PatientRow, case.patient_id))
        on = case.meeting.meeting_date
        review = case_rereview(session, config, case.patient_id, on, record)
        if item not in config.checklist_for(review is not None):
            kind = "re-review" if review is not None else "remission"
            raise ValidationError(
                f"checklist item {item.key!r}: not on the {kind} checklist this case is read "
                "against"
            )
        context = RuleContext(
            record, on, config.thresholds, config.regimens, config.antibody_assays
        )
        if review is not None:
            rereview_context = RereviewContext(context, review.decision)
            return evaluate_rereview_checklist((item,), rereview_context)[0]
        return evaluate_checklist((item,), context)[0]

    @staticmethod
    def _store(
        session: Session,
        case: CaseReviewRow,
        automatic: ChecklistAnswer,
        result: ChecklistResult | None,
        reason: str,
        clinician: ClinicianRow,
        at: datetime,
    ) -> None:
        row = session.scalar(
            select(ChecklistAnswerRow).where(
                ChecklistAnswerRow.case_review_id == case.id,
                ChecklistAnswerRow.item_key == automatic.item_key,
            )
        )
        before = _snapshot(row)
        if row is None:
            row = ChecklistAnswerRow(case_review_id=case.id, item_key=automatic.item_key)
            session.add(row)
        row.automatic = automatic.automatic.value
        row.evidence = evidence_to_json(automatic.evidence)
        row.note = automatic.note
        row.confirmed = result.value if result else None
        row.override_reason = reason
        row.answered_by_id = clinician.id
        row.answered_at = at
        session.flush()
        trail = Trail(
            session, Actor(clinician.id, clinician.name), at, case.patient_id, case.meeting_id
        )
        after = _snapshot(row)
        assert after is not None
        if before is None:
            trail.created("checklist_answer", row.id, after, reason=reason)
        else:
            trail.updated("checklist_answer", row.id, before, after, reason=reason)


def _snapshot(row: ChecklistAnswerRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "item": row.item_key,
        "automatic": row.automatic,
        "confirmed": row.confirmed,
        "reason": row.override_reason,
        "evidence": row.evidence,
    }
