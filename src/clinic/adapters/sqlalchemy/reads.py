"""The connections read queries run on: one per web request instead of one per query.

Checking a connection out of the pool costs round trips of its own: the pre-ping, then on
PostgreSQL a BEGIN before the first statement and a ROLLBACK when it goes back. A calendar page
asks five read queries, so those were most of its round trips. Inside `scope()` (the web app
opens one per request) every read query shares one connection, checked out on first use; on
PostgreSQL it runs in autocommit, so each statement is its own snapshot (as under READ
COMMITTED, the default) and no transaction is left open between them. On SQLite the read
transaction is ended after each query, so a query always sees what a unit of work committed
just before it in the same request. Outside a scope (the CLI, jobs, tests) each query checks
out its own connection as before."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from contextvars import ContextVar, Token
from typing import Protocol

from sqlalchemy import Connection, Engine


class Connects(Protocol):
    """What a read-query class needs: an Engine, or ScopedReads in front of one."""

    def connect(self) -> AbstractContextManager[Connection]: ...


class _Held:
    def __init__(self) -> None:
        self.connection: Connection | None = None
        self.in_use = 0  # reads running on it now (a streamed result reads across yields)


class ScopedReads:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        postgres = engine.dialect.name == "postgresql"
        self._source = engine.execution_options(isolation_level="AUTOCOMMIT") if postgres \
            else engine
        self._held: ContextVar[_Held | None] = ContextVar(f"reads-{id(self)}", default=None)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        held = self._held.get()
        if held is None:
            with self._source.connect() as connection:
                yield connection
            return
        if held.connection is not None and held.connection.invalidated and not held.in_use:
            held.connection.close()  # the database went away: take a fresh one
            held.connection = None
        if held.connection is None:
            held.connection = self._source.connect()
        connection = held.connection
        held.in_use += 1
        try:
            yield connection
        finally:
            held.in_use -= 1
            # SQLite: end the read snapshot (PostgreSQL runs in autocommit: bookkeeping only)
            if not held.in_use and connection.in_transaction():
                connection.rollback()

    def streaming(self) -> Connection:
        """A connection of its own, in a transaction, for a result read in batches (a
        server-side cursor, `yield_per`): PostgreSQL declares those only inside one."""
        return self.engine.connect()

    def release(self) -> None:
        """Give the held connection back now (a unit of work is about to take one); the next
        read in the scope checks one out again."""
        held = self._held.get()
        if held is not None and held.connection is not None and not held.in_use:
            held.connection.close()
            held.connection = None

    @contextmanager
    def scope(self) -> Iterator[None]:
        """Every read inside shares one connection (checked out only if a query runs)."""
        opened = self.open_scope()
        try:
            yield
        finally:
            self.close_scope(opened)

    def open_scope(self) -> tuple[_Held, Token[_Held | None]]:
        """For frameworks with separate start and end hooks (Flask's before_request and
        teardown_request): returns what `close_scope` takes."""
        held = _Held()
        return held, self._held.set(held)

    def close_scope(self, opened: tuple[_Held, Token[_Held | None]]) -> None:
        held, token = opened
        with suppress(ValueError):  # ended in another context (a streamed response)
            self._held.reset(token)
        if held.connection is not None:
            held.connection.close()
            held.connection = None


def streaming(source: Connects) -> AbstractContextManager[Connection]:
    """The connection to read a result in batches on (`yield_per`, a server-side cursor):
    ScopedReads' own transactional one, or a plain Engine's."""
    return source.streaming() if isinstance(source, ScopedReads) else source.connect()
