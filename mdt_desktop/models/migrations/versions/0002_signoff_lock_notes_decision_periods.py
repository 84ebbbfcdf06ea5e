"""case notes, decision-linked medication periods, sign-off lock

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 21:06:03.080912
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mdt_desktop.models.migrations.helpers import create_signoff_locks, drop_signoff_locks

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_review_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('length(trim(text)) > 0', name=op.f('ck_case_notes_text_present')),
    sa.ForeignKeyConstraint(['author_id'], ['clinicians.id'], name=op.f('fk_case_notes_author_id_clinicians'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['case_review_id'], ['case_reviews.id'], name=op.f('fk_case_notes_case_review_id_case_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes'))
    )
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_notes_case_review_id'), ['case_review_id'], unique=False)

    with op.batch_alter_table('medication_periods', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('closed_by_decision_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_medication_periods_closed_by_decision_id_decisions'), 'decisions', ['closed_by_decision_id'], ['id'], ondelete='SET NULL', use_alter=True)
        batch_op.create_foreign_key(batch_op.f('fk_medication_periods_decision_id_decisions'), 'decisions', ['decision_id'], ['id'], ondelete='SET NULL', use_alter=True)

    create_signoff_locks()


def downgrade() -> None:
    drop_signoff_locks()
    with op.batch_alter_table('medication_periods', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_medication_periods_decision_id_decisions'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_medication_periods_closed_by_decision_id_decisions'), type_='foreignkey')
        batch_op.drop_column('closed_by_decision_id')
        batch_op.drop_column('decision_id')

    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_notes_case_review_id'))

    op.drop_table('case_notes')
