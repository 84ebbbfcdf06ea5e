"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-24 19:45:42.651901
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mdt_desktop.models.migrations.helpers import (
    APPLICATION_ID,
    create_append_only_triggers,
    drop_append_only_triggers,
)

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('clinicians',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("role IN ('ibd_consultant', 'ibd_clinician', 'ibd_nurse', 'pharmacist', 'radiologist', 'surgeon', 'coordinator', 'observer')", name=op.f('ck_clinicians_role_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinicians'))
    )
    op.create_table('mdt_meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_mdt_meta'))
    )
    op.create_table('patients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hospital_number', sa.String(length=32), nullable=False),
    sa.Column('nhs_number', sa.String(length=10), nullable=True),
    sa.Column('family_name', sa.String(length=100), nullable=False),
    sa.Column('given_name', sa.String(length=100), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('sex', sa.String(length=16), nullable=False),
    sa.Column('ibd_type', sa.String(length=32), nullable=False),
    sa.Column('diagnosis_date', sa.Date(), nullable=False),
    sa.Column('montreal_age', sa.String(length=2), nullable=True),
    sa.Column('montreal_location', sa.String(length=2), nullable=True),
    sa.Column('montreal_upper_gi', sa.Boolean(), nullable=False),
    sa.Column('montreal_behaviour', sa.String(length=2), nullable=True),
    sa.Column('montreal_perianal', sa.Boolean(), nullable=False),
    sa.Column('montreal_extent', sa.String(length=2), nullable=True),
    sa.Column('smoking', sa.String(length=16), nullable=False),
    sa.Column('extraintestinal', sa.JSON(), nullable=False),
    sa.Column('prior_immunomodulator_failure', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("ibd_type IN ('crohns_disease', 'ulcerative_colitis', 'ibd_unclassified')", name=op.f('ck_patients_ibd_type_valid')),
    sa.CheckConstraint("montreal_age IS NULL OR montreal_age IN ('A1', 'A2', 'A3')", name=op.f('ck_patients_montreal_age_valid')),
    sa.CheckConstraint("montreal_behaviour IS NULL OR montreal_behaviour IN ('B1', 'B2', 'B3')", name=op.f('ck_patients_montreal_behaviour_valid')),
    sa.CheckConstraint("montreal_extent IS NULL OR montreal_extent IN ('E1', 'E2', 'E3')", name=op.f('ck_patients_montreal_extent_valid')),
    sa.CheckConstraint("montreal_location IS NULL OR montreal_location IN ('L1', 'L2', 'L3')", name=op.f('ck_patients_montreal_location_valid')),
    sa.CheckConstraint("sex IN ('female', 'male', 'other', 'unknown')", name=op.f('ck_patients_sex_valid')),
    sa.CheckConstraint("smoking IN ('never', 'former', 'current', 'unknown')", name=op.f('ck_patients_smoking_valid')),
    sa.CheckConstraint('diagnosis_date >= date_of_birth', name=op.f('ck_patients_diagnosed_after_birth')),
    sa.CheckConstraint('length(trim(hospital_number)) > 0', name=op.f('ck_patients_hospital_number_present')),
    sa.CheckConstraint('nhs_number IS NULL OR length(nhs_number) = 10', name=op.f('ck_patients_nhs_number_digits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patients')),
    sa.UniqueConstraint('hospital_number', name=op.f('uq_patients_hospital_number')),
    sa.UniqueConstraint('nhs_number', name=op.f('uq_patients_nhs_number'))
    )
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.create_index('ix_patients_family_name', ['family_name'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('entity', sa.String(length=64), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['clinicians.id'], name=op.f('fk_audit_events_actor_id_clinicians'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_actor', ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_events_meeting', ['meeting_id'], unique=False)
        batch_op.create_index('ix_audit_events_patient', ['patient_id'], unique=False)

    op.create_table('clinical_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('is_resection', sa.Boolean(), nullable=True),
    sa.Column('mucosal_healing', sa.Boolean(), nullable=True),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("is_resection IS NULL OR kind = 'surgery'", name=op.f('ck_clinical_events_resection_only_for_surgery')),
    sa.CheckConstraint("kind IN ('endoscopy', 'intestinal_ultrasound', 'surgery', 'trial_enrolment', 'flare')", name=op.f('ck_clinical_events_kind_valid')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_clinical_events_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinical_events'))
    )
    with op.batch_alter_table('clinical_events', schema=None) as batch_op:
        batch_op.create_index('ix_clinical_events_patient_date', ['patient_id', 'occurred_on'], unique=False)

    op.create_table('medication_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('drug', sa.String(length=32), nullable=False),
    sa.Column('dose_value', sa.Float(), nullable=False),
    sa.Column('dose_unit', sa.String(length=8), nullable=False),
    sa.Column('interval_days', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('end_reason', sa.String(length=32), nullable=True),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("dose_unit IN ('mg/kg', 'mg')", name=op.f('ck_medication_periods_dose_unit_valid')),
    sa.CheckConstraint("drug IN ('infliximab_iv', 'infliximab_sc', 'adalimumab', 'golimumab', 'certolizumab', 'vedolizumab', 'ustekinumab', 'risankizumab', 'tofacitinib', 'upadacitinib', 'azathioprine', 'mercaptopurine', 'methotrexate', 'prednisolone', 'hydrocortisone', 'methylprednisolone', 'budesonide')", name=op.f('ck_medication_periods_drug_valid')),
    sa.CheckConstraint("end_reason IS NULL OR end_reason IN ('regimen_change', 'lack_of_effect', 'adverse_event', 'patient_choice', 'elective_stop', 'course_completed', 'other')", name=op.f('ck_medication_periods_end_reason_valid')),
    sa.CheckConstraint("phase IN ('induction', 'maintenance')", name=op.f('ck_medication_periods_phase_valid')),
    sa.CheckConstraint('dose_value > 0', name=op.f('ck_medication_periods_dose_positive')),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_medication_periods_ends_after_start')),
    sa.CheckConstraint('interval_days >= 1', name=op.f('ck_medication_periods_interval_positive')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_medication_periods_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medication_periods'))
    )
    with op.batch_alter_table('medication_periods', schema=None) as batch_op:
        batch_op.create_index('ix_medication_periods_patient_start', ['patient_id', 'start_date'], unique=False)

    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=False),
    sa.Column('chair_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('location', sa.String(length=120), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('signed_off_at', sa.DateTime(), nullable=True),
    sa.Column('signed_off_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status <> 'signed_off' OR (signed_off_at IS NOT NULL AND signed_off_by_id IS NOT NULL)", name=op.f('ck_meetings_signed_off_has_signatory')),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'signed_off')", name=op.f('ck_meetings_status_valid')),
    sa.ForeignKeyConstraint(['chair_id'], ['clinicians.id'], name=op.f('fk_meetings_chair_id_clinicians'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['signed_off_by_id'], ['clinicians.id'], name=op.f('fk_meetings_signed_off_by_id_clinicians'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
    sa.UniqueConstraint('meeting_date', name=op.f('uq_meetings_meeting_date'))
    )
    op.create_table('observations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('analyte', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('comparator', sa.String(length=2), nullable=True),
    sa.Column('original_value', sa.String(length=64), nullable=False),
    sa.Column('original_unit', sa.String(length=32), nullable=False),
    sa.Column('collected_at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('assay', sa.String(length=128), nullable=True),
    sa.Column('target_drug', sa.String(length=32), nullable=True),
    sa.Column('abnormal_flag', sa.String(length=8), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("analyte IN ('faecal_calprotectin', 'crp', 'wbc', 'haemoglobin', 'albumin', 'infliximab_level', 'adalimumab_level', 'anti_drug_antibodies', 'hbi', 'partial_mayo', 'sccai', 'ius_bowel_wall_mm', 'ius_limberg', 'ses_cd', 'mayo_endoscopic', 'uceis')", name=op.f('ck_observations_analyte_valid')),
    sa.CheckConstraint("comparator IS NULL OR comparator IN ('<', '<=', '>', '>=')", name=op.f('ck_observations_comparator_valid')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_observations_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observations')),
    sa.UniqueConstraint('patient_id', 'analyte', 'collected_at', name=op.f('uq_observations_patient_id_analyte_collected_at'))
    )
    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('clinician_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.CheckConstraint("role IN ('ibd_consultant', 'ibd_clinician', 'ibd_nurse', 'pharmacist', 'radiologist', 'surgeon', 'coordinator', 'observer')", name=op.f('ck_attendance_role_valid')),
    sa.CheckConstraint("status IN ('present', 'apologies')", name=op.f('ck_attendance_status_valid')),
    sa.ForeignKeyConstraint(['clinician_id'], ['clinicians.id'], name=op.f('fk_attendance_clinician_id_clinicians'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_attendance_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('meeting_id', 'clinician_id', name=op.f('uq_attendance_meeting_id_clinician_id'))
    )
    op.create_table('case_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('added_reason', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'discussed', 'deferred')", name=op.f('ck_case_reviews_status_valid')),
    sa.CheckConstraint('position >= 1', name=op.f('ck_case_reviews_position_positive')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_case_reviews_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_case_reviews_patient_id_patients'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_reviews')),
    sa.UniqueConstraint('meeting_id', 'patient_id', name=op.f('uq_case_reviews_meeting_id_patient_id'))
    )
    with op.batch_alter_table('case_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_case_reviews_patient', ['patient_id'], unique=False)

    op.create_table('actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_review_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('length(trim(description)) > 0', name=op.f('ck_actions_description_present')),
    sa.ForeignKeyConstraint(['case_review_id'], ['case_reviews.id'], name=op.f('fk_actions_case_review_id_case_reviews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['clinicians.id'], name=op.f('fk_actions_owner_id_clinicians'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions'))
    )
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index('ix_actions_owner_due', ['owner_id', 'due_date'], unique=False)

    op.create_table('checklist_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_review_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=64), nullable=False),
    sa.Column('automatic', sa.String(length=16), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('confirmed', sa.String(length=16), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("automatic IN ('met', 'not_met', 'unknown')", name=op.f('ck_checklist_answers_automatic_valid')),
    sa.CheckConstraint("confirmed IS NULL OR confirmed IN ('met', 'not_met', 'unknown')", name=op.f('ck_checklist_answers_confirmed_valid')),
    sa.CheckConstraint("confirmed IS NULL OR confirmed = automatic OR automatic = 'unknown' OR length(trim(override_reason)) > 0", name=op.f('ck_checklist_answers_override_needs_reason')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['clinicians.id'], name=op.f('fk_checklist_answers_answered_by_id_clinicians'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['case_review_id'], ['case_reviews.id'], name=op.f('fk_checklist_answers_case_review_id_case_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_answers')),
    sa.UniqueConstraint('case_review_id', 'item_key', name=op.f('uq_checklist_answers_case_review_id_item_key'))
    )
    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_review_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('target_drug', sa.String(length=32), nullable=True),
    sa.Column('target_dose', sa.Float(), nullable=True),
    sa.Column('target_dose_unit', sa.String(length=8), nullable=True),
    sa.Column('target_interval_days', sa.Integer(), nullable=True),
    sa.Column('effective_date', sa.Date(), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('dissent', sa.Text(), nullable=False),
    sa.Column('monitoring', sa.JSON(), nullable=False),
    sa.Column('next_review', sa.Date(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('amendment_reason', sa.Text(), nullable=False),
    sa.CheckConstraint("outcome <> 'de_escalate' OR (target_drug IS NOT NULL AND target_dose IS NOT NULL AND target_dose_unit IS NOT NULL AND target_interval_days IS NOT NULL AND effective_date IS NOT NULL)", name=op.f('ck_decisions_de_escalation_has_target')),
    sa.CheckConstraint("outcome IN ('de_escalate', 'continue_intensified', 'stop_anti_tnf', 'defer_for_investigation', 'refer_to_trial', 'other')", name=op.f('ck_decisions_outcome_valid')),
    sa.CheckConstraint("target_dose_unit IS NULL OR target_dose_unit IN ('mg/kg', 'mg')", name=op.f('ck_decisions_target_dose_unit_valid')),
    sa.CheckConstraint("target_drug IS NULL OR target_drug IN ('infliximab_iv', 'infliximab_sc', 'adalimumab', 'golimumab', 'certolizumab', 'vedolizumab', 'ustekinumab', 'risankizumab', 'tofacitinib', 'upadacitinib', 'azathioprine', 'mercaptopurine', 'methotrexate', 'prednisolone', 'hydrocortisone', 'methylprednisolone', 'budesonide')", name=op.f('ck_decisions_target_drug_valid')),
    sa.CheckConstraint('amends_id IS NULL OR length(trim(amendment_reason)) > 0', name=op.f('ck_decisions_amendment_has_reason')),
    sa.CheckConstraint('length(trim(rationale)) > 0', name=op.f('ck_decisions_rationale_present')),
    sa.ForeignKeyConstraint(['amends_id'], ['decisions.id'], name=op.f('fk_decisions_amends_id_decisions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['case_review_id'], ['case_reviews.id'], name=op.f('fk_decisions_case_review_id_case_reviews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['clinicians.id'], name=op.f('fk_decisions_decided_by_id_clinicians'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index('uq_decisions_case_original', ['case_review_id'], unique=True, sqlite_where=sa.text('amends_id IS NULL'), postgresql_where=sa.text('amends_id IS NULL'))

    op.create_table('drug_level_annotations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('observation_id', sa.Integer(), nullable=False),
    sa.Column('case_review_id', sa.Integer(), nullable=True),
    sa.Column('interpretation', sa.String(length=32), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('recommendation', sa.Text(), nullable=False),
    sa.Column('pharmacist_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("interpretation IN ('undetectable', 'below_target', 'within_target', 'above_target', 'antibodies_detected')", name=op.f('ck_drug_level_annotations_interpretation_valid')),
    sa.ForeignKeyConstraint(['case_review_id'], ['case_reviews.id'], name=op.f('fk_drug_level_annotations_case_review_id_case_reviews'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['observation_id'], ['observations.id'], name=op.f('fk_drug_level_annotations_observation_id_observations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['pharmacist_id'], ['clinicians.id'], name=op.f('fk_drug_level_annotations_pharmacist_id_clinicians'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['supersedes_id'], ['drug_level_annotations.id'], name=op.f('fk_drug_level_annotations_supersedes_id_drug_level_annotations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drug_level_annotations'))
    )
    with op.batch_alter_table('drug_level_annotations', schema=None) as batch_op:
        batch_op.create_index('ix_drug_level_annotations_observation', ['observation_id'], unique=False)


    # The audit log is append-only for every tool, not only for this program.
    create_append_only_triggers("audit_events")
    # Mark the file as ours: SQLite's header field and a row any backend can read.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    meta = sa.table("mdt_meta", sa.column("key", sa.String), sa.column("value", sa.Text))
    op.bulk_insert(meta, [{"key": "application", "value": "mdt-desktop"}])


def downgrade() -> None:
    drop_append_only_triggers("audit_events")
    with op.batch_alter_table('drug_level_annotations', schema=None) as batch_op:
        batch_op.drop_index('ix_drug_level_annotations_observation')

    op.drop_table('drug_level_annotations')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index('uq_decisions_case_original', sqlite_where=sa.text('amends_id IS NULL'), postgresql_where=sa.text('amends_id IS NULL'))

    op.drop_table('decisions')
    op.drop_table('checklist_answers')
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('ix_actions_owner_due')

    op.drop_table('actions')
    with op.batch_alter_table('case_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_case_reviews_patient')

    op.drop_table('case_reviews')
    op.drop_table('attendance')
    op.drop_table('observations')
    op.drop_table('meetings')
    with op.batch_alter_table('medication_periods', schema=None) as batch_op:
        batch_op.drop_index('ix_medication_periods_patient_start')

    op.drop_table('medication_periods')
    with op.batch_alter_table('clinical_events', schema=None) as batch_op:
        batch_op.drop_index('ix_clinical_events_patient_date')

    op.drop_table('clinical_events')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_patient')
        batch_op.drop_index('ix_audit_events_meeting')
        batch_op.drop_index('ix_audit_events_actor')

    op.drop_table('audit_events')
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_index('ix_patients_family_name')

    op.drop_table('patients')
    op.drop_table('mdt_meta')
    op.drop_table('clinicians')
