"""billing: lower numbers wait for the end of the paid period (subscriptions.next_chairs/seats)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 05:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_chairs', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('next_seats', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_column('next_seats')
        batch_op.drop_column('next_chairs')
