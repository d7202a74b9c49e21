"""A lease on a singleton background task, in the database every server shares: of several
processes asking, one holds it until it stops renewing; then, after the lease lapses, another
takes over. Works alike on SQLite (one host, several gunicorn workers) and PostgreSQL (several
hosts)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, or_, update
from sqlalchemy.exc import IntegrityError

from clinic.adapters.sqlalchemy.tables import leases


class SqlLease:
    def __init__(self, engine: Engine, name: str, holder: str,
                 length: timedelta = timedelta(seconds=150)) -> None:
        self.engine, self.name, self.holder, self.length = engine, name, holder, length

    def acquire(self, now: datetime) -> bool:
        """Take or renew the lease: True when this holder has it until now + length."""
        until = now + self.length
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(leases).where(leases.c.name == self.name, or_(
                    leases.c.holder == self.holder, leases.c.expires_at < now))
                .values(holder=self.holder, expires_at=until)).rowcount
            if taken:
                return True
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(leases).values(name=self.name, holder=self.holder,
                                                   expires_at=until))
            return True
        except IntegrityError:  # someone else holds it
            return False

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(leases).where(leases.c.name == self.name,
                                              leases.c.holder == self.holder)
                         .values(expires_at=datetime(2000, 1, 1).astimezone()))
