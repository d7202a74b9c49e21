"""operations: when and why the operator suspended a clinic

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 04:10:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, no constraint): no batch copy of `clinics` is needed.
    op.add_column('clinics', sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('clinics', sa.Column('suspended_reason', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('clinics', schema=None) as batch_op:
        batch_op.drop_column('suspended_reason')
        batch_op.drop_column('suspended_at')
