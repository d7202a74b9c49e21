"""team: invitations and the history of membership changes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A person's API tokens speak with their role; were the person ever deleted, a token must
    # go with them rather than lose its maker and look like the operator's (owner) token.
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_constraint('fk_api_tokens_created_by_users', type_='foreignkey')
        batch_op.create_foreign_key('fk_api_tokens_created_by_users', 'users', ['created_by'],
                                    ['id'], ondelete='CASCADE')
    op.create_table('invitations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('clinic_id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.Enum('owner', 'admin', 'staff', name='member_role', native_enum=False, length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by', sa.Uuid(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['accepted_by'], ['users.id'], name=op.f('fk_invitations_accepted_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_invitations_clinic_id_clinics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by'], ['users.id'], name=op.f('fk_invitations_invited_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('clinic_id', 'id', name='uq_invitations_clinic_id_id'),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index('ix_invitations_clinic_email', ['clinic_id', 'email'], unique=False)
        batch_op.create_index('uq_invitations_open', ['clinic_id', 'email'], unique=True,
                              sqlite_where=sa.text('accepted_at IS NULL AND revoked_at IS NULL'),
                              postgresql_where=sa.text('accepted_at IS NULL AND revoked_at IS NULL'))

    op.create_table('membership_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('clinic_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.Enum('invited', 'resent', 'revoked', 'joined', 'role_changed', 'doctor_linked', 'removed', 'owner_changed', name='team_action', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('actor_name', sa.String(length=120), nullable=False),
    sa.Column('subject_email', sa.String(length=254), nullable=False),
    sa.Column('subject_name', sa.String(length=120), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_membership_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_membership_events_clinic_id_clinics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership_events')),
    sa.UniqueConstraint('clinic_id', 'id', name='uq_membership_events_clinic_id_id')
    )
    with op.batch_alter_table('membership_events', schema=None) as batch_op:
        batch_op.create_index('ix_membership_events_clinic_time', ['clinic_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_constraint('fk_api_tokens_created_by_users', type_='foreignkey')
        batch_op.create_foreign_key('fk_api_tokens_created_by_users', 'users', ['created_by'],
                                    ['id'], ondelete='SET NULL')
    with op.batch_alter_table('membership_events', schema=None) as batch_op:
        batch_op.drop_index('ix_membership_events_clinic_time')
    op.drop_table('membership_events')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index('uq_invitations_open')
        batch_op.drop_index('ix_invitations_clinic_email')
    op.drop_table('invitations')
