"""the clinic's booking step: a tap on the calendar books at 5, 10 or 15 minutes (15 before)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 13:30:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NOT NULL with a constant default: PostgreSQL adds it without rewriting `clinics`.
    op.add_column('clinics', sa.Column('booking_step_minutes', sa.Integer(), nullable=False,
                                       server_default='15'))


def downgrade() -> None:
    with op.batch_alter_table('clinics', schema=None) as batch_op:
        batch_op.drop_column('booking_step_minutes')
