"""frozen evidence, attendee positions, carried-over cases

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 23:24:38.513092

Issue 8 (closing the loop): the evidence each case was decided on, frozen at sign-off
(append-only); each present attendee's position on a decision (locked with its meeting);
cases carried over to a later meeting.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mdt_desktop.models.migrations.helpers import (
    POSITION_LOCKS,
    create_append_only_triggers,
    create_signoff_locks,
    drop_append_only_triggers,
    drop_signoff_locks,
)

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

SNAPSHOT_TABLES = ('case_snapshots', 'case_snapshot_figures')


def upgrade() -> None:
    op.create_table('case_carry_overs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_case_id', sa.Integer(), nullable=False),
    sa.Column('to_case_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=120), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['clinicians.id'], name=op.f('fk_case_carry_overs_created_by_id_clinicians'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['from_case_id'], ['case_reviews.id'], name=op.f('fk_case_carry_overs_from_case_id_case_reviews'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['to_case_id'], ['case_reviews.id'], name=op.f('fk_case_carry_overs_to_case_id_case_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_carry_overs')),
    sa.UniqueConstraint('to_case_id', name=op.f('uq_case_carry_overs_to_case_id'))
    )
    with op.batch_alter_table('case_carry_overs', schema=None) as batch_op:
        batch_op.create_index('ix_case_carry_overs_from_case', ['from_case_id'], unique=False)

    op.create_table('case_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_review_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(), nullable=False),
    sa.Column('format_version', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['case_review_id'], ['case_reviews.id'], name=op.f('fk_case_snapshots_case_review_id_case_reviews'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_case_snapshots_meeting_id_meetings'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_snapshots')),
    sa.UniqueConstraint('case_review_id', name=op.f('uq_case_snapshots_case_review_id'))
    )
    with op.batch_alter_table('case_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_snapshots_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('case_snapshot_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['case_snapshots.id'], name=op.f('fk_case_snapshot_figures_snapshot_id_case_snapshots'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_snapshot_figures')),
    sa.UniqueConstraint('snapshot_id', 'name', name=op.f('uq_case_snapshot_figures_snapshot_id_name'))
    )
    op.create_table('decision_positions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('clinician_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('position', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("position IN ('agree', 'disagree', 'abstain')", name=op.f('ck_decision_positions_position_valid')),
    sa.CheckConstraint("role IN ('ibd_consultant', 'ibd_clinician', 'ibd_nurse', 'pharmacist', 'radiologist', 'surgeon', 'coordinator', 'observer')", name=op.f('ck_decision_positions_role_valid')),
    sa.ForeignKeyConstraint(['clinician_id'], ['clinicians.id'], name=op.f('fk_decision_positions_clinician_id_clinicians'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_decision_positions_decision_id_decisions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['clinicians.id'], name=op.f('fk_decision_positions_recorded_by_id_clinicians'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_positions')),
    sa.UniqueConstraint('decision_id', 'clinician_id', name=op.f('uq_decision_positions_decision_id_clinician_id'))
    )
    create_signoff_locks(POSITION_LOCKS, shared=False)
    for table in SNAPSHOT_TABLES:
        create_append_only_triggers(table)


def downgrade() -> None:
    for table in SNAPSHOT_TABLES:
        drop_append_only_triggers(table)
    drop_signoff_locks(POSITION_LOCKS, shared=False)
    op.drop_table('decision_positions')
    op.drop_table('case_snapshot_figures')
    with op.batch_alter_table('case_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_snapshots_meeting_id'))

    op.drop_table('case_snapshots')
    with op.batch_alter_table('case_carry_overs', schema=None) as batch_op:
        batch_op.drop_index('ix_case_carry_overs_from_case')

    op.drop_table('case_carry_overs')
