"""Engines for PostgreSQL and SQLite, with SQLite made safe for a small web server."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from clinic.adapters.sqlalchemy.calendar_version import install_calendar_version
from clinic.adapters.sqlalchemy.mappers import start_mappers
from clinic.adapters.sqlalchemy.tenancy import install_tenant_guard


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
            # SQLAlchemy, not the driver, begins transactions, so a booking can ask for
            # BEGIN IMMEDIATE: check-then-insert with no other writer in between.
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            immediate = conn.get_execution_options().get("sqlite_immediate")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    # No server-side prepared statements: a prepared query may settle on a generic plan, and
    # one plan for every clinic is wrong for a clinic much bigger or smaller than the rest (the
    # year's report took 2.5x as long). Each statement is planned for its own values.
    kwargs.setdefault("connect_args", {}).setdefault("prepare_threshold", None)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _utc_session(dbapi_connection: Any, _record: Any) -> None:
        # Moments come back in UTC with datetime.UTC itself as their zone, which UtcDateTime
        # passes through as they are (converting 1,400 of them was a tenth of a week's list).
        # Nothing here reads the session's zone: days are cut in the clinic's zone in Python.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
        dbapi_connection.commit()

    return engine


def make_poll_engine(url: str, engine: Engine) -> Engine:
    """What the open calendars' poll reads from (every 2 s from each, one small query): on
    PostgreSQL a small pool of its own, in autocommit and without the pre-ping, so the query
    is its only round trip (a connection the server dropped fails once and is asked again:
    queries.py); SQLite pings nothing, so there it is the app's engine."""
    if url.startswith("sqlite"):
        return engine
    # Autocommit: the one SELECT is its own snapshot, with no BEGIN before it nor ROLLBACK
    # after (each of those was a round trip as long as the query's). Prepared at once, unlike
    # the app's queries: it finds every row by a unique key, so one plan is right for every
    # clinic, and planning the four-table join was half the query's time.
    return make_engine(url, pool_pre_ping=False, pool_size=2, max_overflow=4,
                       isolation_level="AUTOCOMMIT", connect_args={"prepare_threshold": 0})


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    start_mappers()
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    install_tenant_guard(factory)
    install_calendar_version(factory)
    return factory
