"""the audit trail's head: each clinic's newest row (number and hash), moved with every append,
so `clinic audit verify` sees the newest rows, or a whole chain, removed

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25 09:00:00
"""
import uuid

import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_heads',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('clinic_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_audit_heads_clinic_id_clinics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_heads')),
    sa.UniqueConstraint('clinic_id', 'id', name='uq_audit_heads_clinic_id_id'),
    sa.UniqueConstraint('clinic_id', name='uq_audit_heads_clinic')
    )
    # Every chain there is gets its head: its newest row as it stands today (a chain already
    # cut short before this revision cannot be told from a whole one).
    log = sa.table('audit_log', sa.column('clinic_id', sa.Uuid()), sa.column('seq', sa.BigInteger()),
                   sa.column('hash', sa.String()))
    heads = sa.table('audit_heads', sa.column('id', sa.Uuid()), sa.column('clinic_id', sa.Uuid()),
                     sa.column('seq', sa.BigInteger()), sa.column('hash', sa.String()))
    newest = (sa.select(log.c.clinic_id, sa.func.max(log.c.seq).label('seq'))
              .group_by(log.c.clinic_id).subquery())
    bind = op.get_bind()
    rows = bind.execute(sa.select(log.c.clinic_id, log.c.seq, log.c.hash).join(
        newest, sa.and_(log.c.clinic_id == newest.c.clinic_id, log.c.seq == newest.c.seq))).all()
    if rows:
        bind.execute(heads.insert(), [{'id': uuid.uuid4(), 'clinic_id': clinic_id, 'seq': seq,
                                       'hash': hash_} for clinic_id, seq, hash_ in rows])
    if bind.dialect.name == 'postgresql':
        # The head only moves forward (UPDATE to a higher number; the same number with the
        # same hash is how an append locks it); DELETE only while a whole clinic is removed
        # (`clinic tenants delete` sets chairside.erasing for its transaction). TRUNCATE is
        # refused on both audit tables, as DELETE is.
        op.execute("""
            CREATE FUNCTION audit_heads_forward_only() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.clinic_id = OLD.clinic_id
                   AND (NEW.seq > OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash = OLD.hash)) THEN
                    RETURN NEW;
                END IF;
                IF TG_OP = 'DELETE' AND current_setting('chairside.erasing', true) = 'on' THEN
                    RETURN OLD;
                END IF;
                RAISE EXCEPTION 'audit_heads only moves forward (% refused)', TG_OP;
            END
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER audit_heads_forward_only BEFORE UPDATE OR DELETE ON audit_heads
            FOR EACH ROW EXECUTE FUNCTION audit_heads_forward_only()
        """)
        op.execute("""
            CREATE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
            BEGIN
                IF current_setting('chairside.erasing', true) = 'on' THEN
                    RETURN NULL;
                END IF;
                RAISE EXCEPTION '% is append-only (TRUNCATE refused)', TG_TABLE_NAME;
            END
            $$ LANGUAGE plpgsql
        """)
        for table in ('audit_log', 'audit_heads'):
            op.execute(f"""
                CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()
            """)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in ('audit_log', 'audit_heads'):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS audit_refuse_truncate()")
        op.execute("DROP TRIGGER IF EXISTS audit_heads_forward_only ON audit_heads")
        op.execute("DROP FUNCTION IF EXISTS audit_heads_forward_only()")
    op.drop_table('audit_heads')
