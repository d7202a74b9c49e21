"""Alembic is the only way the schema is made: the migrated schema must equal the code's."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select

from clinic.adapters.sqlalchemy import migrate
from clinic.adapters.sqlalchemy.tables import metadata


def test_the_migrated_schema_matches_the_tables_in_code(database_url):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_the_database_is_at_the_newest_revision(database_url):
    current, head = migrate.current(database_url)
    assert current == head is not None


def test_migrations_go_down_to_nothing_and_up_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    migrate.upgrade(url)
    from alembic import command

    command.downgrade(migrate.alembic_config(url), "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(url)
    assert {t.name for t in metadata.sorted_tables} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_chains_written_before_the_head_existed_get_one_on_upgrade(tmp_path):
    """0013 gives every existing chain its head (its newest row), so `clinic audit verify` does
    not call every clinic of a running database headless after the upgrade."""
    import uuid
    from datetime import UTC, datetime

    from clinic.adapters.sqlalchemy.audit_queries import SqlAuditQueries
    from clinic.adapters.sqlalchemy.tables import audit_heads, audit_log, clinics
    from clinic.application.audit import VerifyAudit
    from clinic.domain.audit import AuditAction, AuditEntry, AuditHead, chained

    url = f"sqlite:///{tmp_path / 'before_heads.sqlite3'}"
    migrate.upgrade(url, "0012")
    engine = create_engine(url)
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    ids = [uuid.uuid4(), uuid.uuid4()]
    with engine.begin() as conn:
        for n, clinic_id in enumerate(ids):
            conn.execute(clinics.insert().values(
                id=clinic_id, name=f"Clinic {n}", timezone="UTC", currency="RUB", country="RU",
                locale="ru", status="active", created_at=now, promo_code=f"C-{n}"))
        head = AuditHead()
        for _ in range(3):  # the first clinic has a chain of three, the second none
            entry = chained(AuditEntry(ids[0], 0, now, AuditAction.PATIENT_VIEWED, "clinic",
                                       ids[0], None, None, "operator", None, ""), head)
            conn.execute(audit_log.insert().values(
                {c.name: getattr(entry, c.name) for c in audit_log.columns}))
            head = AuditHead(entry.seq, entry.hash)
    migrate.upgrade(url)
    with engine.connect() as conn:
        assert conn.execute(select(audit_heads.c.clinic_id, audit_heads.c.seq,
                                   audit_heads.c.hash)).all() == [(ids[0], 3, head.hash)]
    assert [(one, count, broken) for one, count, broken in VerifyAudit(
        SqlAuditQueries(engine))()] == [(ids[0], 3, None), (ids[1], 0, None)]
    engine.dispose()
