"""the calendar's version: one number per clinic, moved by every change the calendar shows, so
open calendars see a booking made elsewhere without a reload

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:30:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NOT NULL with a constant default: PostgreSQL adds it without rewriting `clinics`.
    op.add_column('clinics', sa.Column('calendar_version', sa.BigInteger(), nullable=False,
                                       server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('clinics', schema=None) as batch_op:
        batch_op.drop_column('calendar_version')
