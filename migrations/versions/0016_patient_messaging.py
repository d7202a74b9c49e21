"""a patient's preferred channel and what they refused (no processing, no notifications, no
advertising), each with the day it was said

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 16:40:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable columns: PostgreSQL adds them without rewriting `patients`
    op.add_column('patients', sa.Column('preferred_channel', sa.String(length=16), nullable=True))
    op.add_column('patients', sa.Column('refused_processing_on', sa.Date(), nullable=True))
    op.add_column('patients', sa.Column('refused_notifications_on', sa.Date(), nullable=True))
    op.add_column('patients', sa.Column('refused_advertising_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_column('refused_advertising_on')
        batch_op.drop_column('refused_notifications_on')
        batch_op.drop_column('refused_processing_on')
        batch_op.drop_column('preferred_channel')
