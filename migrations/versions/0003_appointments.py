"""appointments

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 23:11:36.132711
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table('appointments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('clinic_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('room_id', sa.Uuid(), nullable=False),
    sa.Column('doctor_id', sa.Uuid(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'done', 'cancelled', 'no_show', name='appointment_status', native_enum=False, length=16), nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('doctor_overlap_confirmed', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_appointments_ends_after_start')),
    sa.CheckConstraint('price_minor >= 0', name=op.f('ck_appointments_price_not_negative')),
    sa.ForeignKeyConstraint(['clinic_id', 'doctor_id'], ['doctors.clinic_id', 'doctors.id'], name='fk_doctor_id_same_clinic_doctors'),
    sa.ForeignKeyConstraint(['clinic_id', 'patient_id'], ['patients.clinic_id', 'patients.id'], name='fk_patient_id_same_clinic_patients'),
    sa.ForeignKeyConstraint(['clinic_id', 'room_id'], ['rooms.clinic_id', 'rooms.id'], name='fk_room_id_same_clinic_rooms'),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_appointments_clinic_id_clinics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_appointments_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_appointments_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
    sa.UniqueConstraint('clinic_id', 'id', name='uq_appointments_clinic_id_id')
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_doctor_time', ['clinic_id', 'doctor_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_appointments_patient_time', ['clinic_id', 'patient_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_appointments_room_time', ['clinic_id', 'room_id', 'starts_at'], unique=False)

    op.create_table('appointment_lines',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('clinic_id', sa.Uuid(), nullable=False),
    sa.Column('appointment_id', sa.Uuid(), nullable=False),
    sa.Column('procedure_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id', 'appointment_id'], ['appointments.clinic_id', 'appointments.id'], name='fk_appointment_same_clinic_appointments', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['clinic_id', 'procedure_id'], ['procedures.clinic_id', 'procedures.id'], name='fk_procedure_id_same_clinic_procedures'),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_appointment_lines_clinic_id_clinics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_lines')),
    sa.UniqueConstraint('clinic_id', 'id', name='uq_appointment_lines_clinic_id_id')
    )
    with op.batch_alter_table('appointment_lines', schema=None) as batch_op:
        batch_op.create_index('ix_appointment_lines_appointment', ['appointment_id'], unique=False)

    if postgresql:
        # Two non-cancelled appointments can never overlap in one room, whatever races happen.
        op.execute(
            "ALTER TABLE appointments ADD CONSTRAINT ex_appointments_room_time "
            "EXCLUDE USING gist (clinic_id WITH =, room_id WITH =, "
            "tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (status <> 'cancelled')")


def downgrade() -> None:
    with op.batch_alter_table('appointment_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_lines_appointment')

    op.drop_table('appointment_lines')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_appointments_room_time')
        batch_op.drop_index('ix_appointments_patient_time')
        batch_op.drop_index('ix_appointments_doctor_time')

    op.drop_table('appointments')
