"""audit trail (who viewed or changed a patient or an appointment; append-only, hash-chained)
and erasure at a patient's request (patients.erased_at)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 04:30:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_ACTIONS = ('patient.viewed', 'patient.created', 'patient.changed', 'patient.erased',
            'patients.exported', 'appointment.created', 'appointment.changed')


def upgrade() -> None:
    op.add_column('patients', sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('audit_log',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('clinic_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.Enum(*_ACTIONS, name='audit_action', native_enum=False, length=24), nullable=False),
    sa.Column('entity_type', sa.String(length=20), nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=True),
    sa.Column('actor_user_id', sa.Uuid(), nullable=True),
    sa.Column('actor_token_id', sa.Uuid(), nullable=True),
    sa.Column('actor_name', sa.String(length=120), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_audit_log_clinic_id_clinics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    sa.UniqueConstraint('clinic_id', 'id', name='uq_audit_log_clinic_id_id'),
    sa.UniqueConstraint('clinic_id', 'seq', name='uq_audit_log_clinic_seq')
    )
    op.create_index('ix_audit_log_clinic_entity', 'audit_log', ['clinic_id', 'entity_id'], unique=False)
    op.create_index('ix_audit_log_clinic_time', 'audit_log', ['clinic_id', 'created_at'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        # Append-only in the database itself: no UPDATE ever, and DELETE only while a whole
        # clinic is being removed (`clinic tenants delete` sets chairside.erasing for its
        # transaction).
        op.execute("""
            CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' AND current_setting('chairside.erasing', true) = 'on' THEN
                    RETURN OLD;
                END IF;
                RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
            END
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
        """)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_index('ix_audit_log_clinic_time', table_name='audit_log')
    op.drop_index('ix_audit_log_clinic_entity', table_name='audit_log')
    op.drop_table('audit_log')
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
