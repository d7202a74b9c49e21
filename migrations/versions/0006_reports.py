"""reports: appointments by clinic and start, for the period scans of reports and the API list

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 02:00:00
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_clinic_time', ['clinic_id', 'starts_at'],
                              unique=False,
                              postgresql_include=['status', 'price_minor', 'doctor_id',
                                                  'room_id'])


def downgrade() -> None:
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_appointments_clinic_time')
