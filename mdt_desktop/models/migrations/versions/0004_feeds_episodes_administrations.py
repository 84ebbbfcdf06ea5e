"""medication episodes as EHRs send them, recorded administrations, one drug identity

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 22:00:00

Issue 12 (right answers on real hospital feeds): a medication period keeps the stop reason as
the source gave it (``end_reason_detail``) beside the coded one, which gains "pregnancy"; a
period may be a single dose; doses given (FHIR MedicationAdministration) are stored as contact
with the patient. Antibody results name the molecule they are against (``infliximab``), not a
route (``infliximab_iv``): levels and antibodies of one drug are one drug whatever its route.
A result keeps the laboratory's reference range as sent (``reference_range``). Issue 13:
re-escalation is a decision outcome with a target regimen.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mdt_desktop.models.migrations.helpers import (
    LOCKS,
    POSITION_LOCKS,
    create_signoff_locks,
    drop_signoff_locks,
)

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

DRUGS = (
    "'infliximab_iv', 'infliximab_sc', 'adalimumab', 'golimumab', 'certolizumab', "
    "'vedolizumab', 'ustekinumab', 'risankizumab', 'tofacitinib', 'upadacitinib', "
    "'azathioprine', 'mercaptopurine', 'methotrexate', 'prednisolone', 'hydrocortisone', "
    "'methylprednisolone', 'budesonide'"
)
OLD_PHASES = "'induction', 'maintenance'"
NEW_PHASES = "'induction', 'maintenance', 'single_dose'"
OLD_REASONS = (
    "'regimen_change', 'lack_of_effect', 'adverse_event', 'patient_choice', 'elective_stop', "
    "'course_completed', 'other'"
)
NEW_REASONS = (
    "'regimen_change', 'lack_of_effect', 'adverse_event', 'patient_choice', 'pregnancy', "
    "'elective_stop', 'course_completed', 'other'"
)


def _checks(phases: str, reasons: str) -> None:
    with op.batch_alter_table('medication_periods', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_medication_periods_phase_valid'), type_='check')
        batch_op.drop_constraint(op.f('ck_medication_periods_end_reason_valid'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_medication_periods_phase_valid'), f"phase IN ({phases})"
        )
        batch_op.create_check_constraint(
            op.f('ck_medication_periods_end_reason_valid'),
            f"end_reason IS NULL OR end_reason IN ({reasons})",
        )


OLD_OUTCOMES = (
    "'de_escalate', 'continue_intensified', 'stop_anti_tnf', 'defer_for_investigation', "
    "'refer_to_trial', 'other'"
)
NEW_OUTCOMES = (
    "'de_escalate', 're_escalate', 'continue_intensified', 'stop_anti_tnf', "
    "'defer_for_investigation', 'refer_to_trial', 'other'"
)
TARGET_COLUMNS = (
    "(target_drug IS NOT NULL AND target_dose IS NOT NULL AND target_dose_unit IS NOT NULL AND "
    "target_interval_days IS NOT NULL AND effective_date IS NOT NULL)"
)
# Triggers that name the decisions table: SQLite's table rebuild (rename) refuses to run while
# they exist, so they are dropped before it and installed again after.
DECISION_LOCKS = (*(lock for lock in LOCKS if lock.table == 'decisions'), *POSITION_LOCKS)


def _outcomes(outcomes: str, with_target: str) -> None:
    """Rewrite the outcome CHECKs; SQLite rebuilds the table, so its sign-off lock is renewed."""
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        drop_signoff_locks(DECISION_LOCKS, shared=False)
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_decisions_outcome_valid'), type_='check')
        batch_op.drop_constraint(op.f('ck_decisions_de_escalation_has_target'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_decisions_outcome_valid'), f"outcome IN ({outcomes})"
        )
        batch_op.create_check_constraint(
            op.f('ck_decisions_de_escalation_has_target'),
            f"outcome NOT IN ({with_target}) OR {TARGET_COLUMNS}",
        )
    if sqlite:
        create_signoff_locks(DECISION_LOCKS, shared=False)


def upgrade() -> None:
    with op.batch_alter_table('medication_periods', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('end_reason_detail', sa.Text(), server_default='', nullable=False)
        )
    _checks(NEW_PHASES, NEW_REASONS)
    op.create_table('medication_administrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('drug', sa.String(length=32), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('dose_value', sa.Float(), nullable=True),
    sa.Column('dose_unit', sa.String(length=8), nullable=True),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('dose_value IS NULL OR dose_value > 0', name=op.f('ck_medication_administrations_dose_positive')),
    sa.CheckConstraint(f"drug IN ({DRUGS})", name=op.f('ck_medication_administrations_drug_valid')),
    sa.CheckConstraint("dose_unit IS NULL OR dose_unit IN ('mg/kg', 'mg')", name=op.f('ck_medication_administrations_dose_unit_valid')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_medication_administrations_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medication_administrations')),
    sa.UniqueConstraint('patient_id', 'drug', 'given_on', name=op.f('uq_medication_administrations_patient_id_drug_given_on'))
    )
    # The laboratory's reference range as sent (OBX-7, FHIR referenceRange): for antibodies it is
    # the assay's own positivity limit.
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference_range', sa.String(length=32), nullable=True))
    # Issue 13: re-escalation is an outcome of its own, with a target regimen like a de-escalation.
    _outcomes(NEW_OUTCOMES, "'de_escalate', 're_escalate'")
    # One drug identity: antibodies are against a molecule, whatever the route it was given by.
    op.execute(
        "UPDATE observations SET target_drug = 'infliximab' "
        "WHERE target_drug IN ('infliximab_iv', 'infliximab_sc')"
    )


def downgrade() -> None:
    op.execute("UPDATE decisions SET outcome = 'other' WHERE outcome = 're_escalate'")
    _outcomes(OLD_OUTCOMES, "'de_escalate'")
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_column('reference_range')
    op.drop_table('medication_administrations')
    op.execute("UPDATE medication_periods SET phase = 'induction' WHERE phase = 'single_dose'")
    op.execute("UPDATE medication_periods SET end_reason = 'other' WHERE end_reason = 'pregnancy'")
    _checks(OLD_PHASES, OLD_REASONS)
    with op.batch_alter_table('medication_periods', schema=None) as batch_op:
        batch_op.drop_column('end_reason_detail')
