"""talking to patients: a clinic's messaging settings, the send log (unique by key: a message
goes out once), and a visit's confirmation by the patient

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 18:16:19.698862
"""
import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('leases',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=80), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_leases'))
    )
    op.create_table('messaging_settings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('clinic_id', sa.Uuid(), nullable=False),
    sa.Column('reminders_on', sa.Boolean(), nullable=False),
    sa.Column('confirm_on_booking', sa.Boolean(), nullable=False),
    sa.Column('channels', sa.String(length=40), nullable=False),
    sa.Column('day_before_at', sa.String(length=5), nullable=False),
    sa.Column('same_day_lead_minutes', sa.Integer(), nullable=False),
    sa.Column('quiet_from', sa.String(length=5), nullable=False),
    sa.Column('quiet_to', sa.String(length=5), nullable=False),
    sa.Column('reminder_template', sa.Text(), nullable=True),
    sa.Column('confirmation_template', sa.Text(), nullable=True),
    sa.Column('sms_budget_minor', sa.BigInteger(), nullable=True),
    sa.Column('telegram_token', sa.String(length=100), nullable=True),
    sa.Column('telegram_bot', sa.String(length=64), nullable=True),
    sa.Column('telegram_secret', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_messaging_settings_clinic_id_clinics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messaging_settings')),
    sa.UniqueConstraint('clinic_id', 'id', name='uq_messaging_settings_clinic_id_id'),
    sa.UniqueConstraint('clinic_id', name='uq_messaging_settings_clinic')
    )
    op.create_table('patient_messages',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('clinic_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('appointment_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.Enum('confirmation', 'reminder', 'change', 'cancellation', 'advertising', name='message_kind', native_enum=False, length=16), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('channel', sa.Enum('telegram', 'sms', 'email', name='message_channel', native_enum=False, length=16), nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'sending', 'sent', 'delivered', 'failed', 'skipped', 'unknown', name='message_status', native_enum=False, length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('provider_ref', sa.String(length=120), nullable=True),
    sa.Column('cost_minor', sa.BigInteger(), nullable=True),
    sa.Column('link_code', sa.String(length=16), nullable=True),
    sa.Column('reply', sa.Enum('coming', 'reschedule', 'cancel', name='message_reply', native_enum=False, length=16), nullable=True),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['clinic_id', 'appointment_id'], ['appointments.clinic_id', 'appointments.id'], name='fk_patient_message_same_clinic_appointments', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['clinic_id', 'patient_id'], ['patients.clinic_id', 'patients.id'], name='fk_patient_id_same_clinic_patients'),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_patient_messages_clinic_id_clinics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_messages')),
    sa.UniqueConstraint('clinic_id', 'id', name='uq_patient_messages_clinic_id_id'),
    sa.UniqueConstraint('clinic_id', 'key', name='uq_patient_messages_clinic_key')
    )
    with op.batch_alter_table('patient_messages', schema=None) as batch_op:
        batch_op.create_index('ix_patient_messages_appointment', ['clinic_id', 'appointment_id'], unique=False)
        batch_op.create_index('ix_patient_messages_patient', ['clinic_id', 'patient_id', 'created_at'], unique=False)
        batch_op.create_index('ix_patient_messages_status', ['status', 'created_at'], unique=False)
        batch_op.create_index('uq_patient_messages_link_code', ['link_code'], unique=True)

    op.add_column('patients', sa.Column('telegram_chat_id', sa.String(length=32), nullable=True))
    op.add_column('patients', sa.Column('telegram_code', sa.String(length=16), nullable=True))
    op.create_index('uq_patients_telegram_code', 'patients', ['telegram_code'], unique=True)
    # NOT NULL with a constant default: PostgreSQL adds it without rewriting `appointments`
    op.add_column('appointments', sa.Column('confirmation', sa.Enum('none', 'confirmed', 'reschedule_requested', name='appointment_confirmation', native_enum=False, length=24), server_default='none', nullable=False))
    op.add_column('appointments', sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_index('uq_patients_telegram_code', table_name='patients')
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_column('telegram_code')
        batch_op.drop_column('telegram_chat_id')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_column('answered_at')
        batch_op.drop_column('confirmation')

    with op.batch_alter_table('patient_messages', schema=None) as batch_op:
        batch_op.drop_index('uq_patient_messages_link_code')
        batch_op.drop_index('ix_patient_messages_status')
        batch_op.drop_index('ix_patient_messages_patient')
        batch_op.drop_index('ix_patient_messages_appointment')

    op.drop_table('patient_messages')
    op.drop_table('messaging_settings')
    op.drop_table('leases')
