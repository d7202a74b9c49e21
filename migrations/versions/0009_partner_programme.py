"""partner programme: each clinic's promo code, who referred it, and the append-only ledger

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 04:00:00
"""
import secrets

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# As in clinic.domain.referrals, kept here so this revision never changes: readable letters only.
_ALPHABET = "34679ACDEFGHJKMNPQRTWXY"


def upgrade() -> None:
    # On SQLite the batch copies `clinics`; migrations run on a plain engine, where SQLite's
    # foreign keys are off, so dropping the old copy cascades to nothing.
    with op.batch_alter_table('clinics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('promo_code', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('referred_by', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_clinics_referred_by_clinics'), 'clinics',
                                    ['referred_by'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_clinics_referred_by'), ['referred_by'],
                              unique=False)
    clinics = sa.table('clinics', sa.column('id', sa.Uuid()),
                       sa.column('promo_code', sa.String()))
    bind = op.get_bind()
    taken: set[str] = set()
    for (clinic_id,) in bind.execute(sa.select(clinics.c.id)).all():
        code = ""
        while not code or code in taken:
            code = "CLINIC-" + "".join(secrets.choice(_ALPHABET) for _ in range(4))
        taken.add(code)
        bind.execute(clinics.update().where(clinics.c.id == clinic_id).values(promo_code=code))
    with op.batch_alter_table('clinics', schema=None) as batch_op:
        batch_op.create_index('uq_clinics_promo_code', ['promo_code'], unique=True)

    op.create_table('referral_entries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('clinic_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('credit', 'reversal', name='referral_entry_kind', native_enum=False, length=16), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('source_ref', sa.String(length=100), nullable=False),
    sa.Column('source_clinic_id', sa.Uuid(), nullable=True),
    sa.Column('source_clinic_name', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_referral_entries_clinic_id_clinics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_clinic_id'], ['clinics.id'], name=op.f('fk_referral_entries_source_clinic_id_clinics'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_entries')),
    sa.UniqueConstraint('clinic_id', 'id', name='uq_referral_entries_clinic_id_id'),
    sa.UniqueConstraint('source_ref', name=op.f('uq_referral_entries_source_ref'))
    )
    op.create_index('ix_referral_entries_clinic_time', 'referral_entries',
                    ['clinic_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_referral_entries_clinic_time', table_name='referral_entries')
    op.drop_table('referral_entries')
    with op.batch_alter_table('clinics', schema=None) as batch_op:
        batch_op.drop_index('uq_clinics_promo_code')
        batch_op.drop_index(batch_op.f('ix_clinics_referred_by'))
        batch_op.drop_constraint(batch_op.f('fk_clinics_referred_by_clinics'),
                                 type_='foreignkey')
        batch_op.drop_column('referred_by')
        batch_op.drop_column('promo_code')
