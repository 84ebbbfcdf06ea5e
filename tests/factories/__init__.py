"""Factories for tests: build exactly the rows a test needs, in the test's own database.

Two kinds (CONTRIBUTING.md, "How to add a test"):

- ``make_*`` (one per mapped table) add an ORM row to the session the test passes, flush it and
  return it, filling every required column with a sensible, valid default and creating the
  parents it needs (a case review makes its meeting and patient unless given them). Override
  any column by keyword. Use them inside ``db.write()``.
- ``insert_patient`` / ``observation`` / ``insert_observation`` are raw INSERTs below the ORM,
  for the constraint tests that must reach the database's own checks.

Every name, number and value here is synthetic.
"""

from tests.factories.audit import make_audit_event, make_meta
from tests.factories.closing import (
    make_carry_over,
    make_position,
    make_snapshot,
    make_snapshot_figure,
)
from tests.factories.inserts import NOW, PATIENT, insert_observation, insert_patient, observation
from tests.factories.meeting import (
    make_action,
    make_annotation,
    make_attendance,
    make_case_note,
    make_case_review,
    make_checklist_answer,
    make_clinician,
    make_decision,
    make_meeting,
    sign_off,
)
from tests.factories.record import (
    make_administration,
    make_clinical_event,
    make_medication_period,
    make_observation,
    make_patient,
)

__all__ = [
    "NOW",
    "PATIENT",
    "insert_observation",
    "insert_patient",
    "make_action",
    "make_administration",
    "make_annotation",
    "make_attendance",
    "make_audit_event",
    "make_carry_over",
    "make_case_note",
    "make_case_review",
    "make_checklist_answer",
    "make_clinical_event",
    "make_clinician",
    "make_decision",
    "make_medication_period",
    "make_meeting",
    "make_meta",
    "make_observation",
    "make_patient",
    "make_position",
    "make_snapshot",
    "make_snapshot_figure",
    "observation",
    "sign_off",
]
