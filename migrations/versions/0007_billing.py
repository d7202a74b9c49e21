"""billing: the clinic's subscription, payments and refunds, provider events processed once

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 01:33:32.051225
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('processed_events',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processed_events'))
    )
    op.create_table('payments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('clinic_id', sa.Uuid(), nullable=True),
    sa.Column('clinic_name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('payment', 'refund', name='payment_kind', native_enum=False, length=16), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('external_ref', sa.String(length=255), nullable=False),
    sa.Column('invoice_url', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_cents >= 0', name=op.f('ck_payments_amount_not_negative')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_payments_clinic_id_clinics'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('external_ref', name=op.f('uq_payments_external_ref'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_clinic_id'), ['clinic_id'], unique=False)

    op.create_table('subscriptions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('clinic_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.Enum('none', 'active', 'past_due', 'lapsed', name='subscription_status', native_enum=False, length=16), nullable=False),
    sa.Column('paid_chairs', sa.Integer(), nullable=False),
    sa.Column('paid_seats', sa.Integer(), nullable=False),
    sa.Column('period_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('customer_ref', sa.String(length=255), nullable=True),
    sa.Column('subscription_ref', sa.String(length=255), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('paid_chairs >= 0 AND paid_seats >= 0', name=op.f('ck_subscriptions_quantities_not_negative')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_subscriptions_clinic_id_clinics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions')),
    sa.UniqueConstraint('clinic_id', 'id', name='uq_subscriptions_clinic_id_id'),
    sa.UniqueConstraint('clinic_id', name='uq_subscriptions_clinic')
    )


def downgrade() -> None:
    op.drop_table('subscriptions')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_clinic_id'))

    op.drop_table('payments')
    op.drop_table('processed_events')
