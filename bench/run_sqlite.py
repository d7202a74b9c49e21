"""A SQLite copy of a generated PostgreSQL dataset, for the small scale's SQLite figures.

`bench.generate` writes PostgreSQL only; this migrates a fresh SQLite file with the app's
own migrations and copies every table of the app's metadata into it, row by row as the app's
column types read and write them (in dependency order, foreign keys checked at the end).
The copy is the same data, so the same `Dataset` (with another `database_url`) drives it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, select, text

from bench.dataset import Dataset

BATCH = 5_000


def copy_to_sqlite(dataset: Dataset, path: Path,
                   progress: Callable[[str], object] = print) -> Dataset:
    from clinic.adapters.sqlalchemy.migrate import upgrade
    from clinic.adapters.sqlalchemy.tables import metadata

    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (path, path.with_name(path.name + "-wal"),
                     path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    url = f"sqlite:///{path.resolve()}"
    upgrade(url)
    source = create_engine(dataset.database_url)
    target = create_engine(url)

    @event.listens_for(target, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")  # checked once at the end instead
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()

    copied: dict[str, int] = {}
    with source.connect() as reading, target.begin() as writing:
        for table in metadata.sorted_tables:
            writing.execute(table.delete())  # what the migrations seeded, if anything
            count = 0
            result = reading.execution_options(stream_results=True, yield_per=BATCH).execute(
                select(table))
            for rows in result.partitions(BATCH):
                writing.execute(table.insert(), [dict(row._mapping) for row in rows])
                count += len(rows)
            copied[table.name] = count
        broken = writing.execute(text("PRAGMA foreign_key_check")).all()
        if broken:
            raise RuntimeError(f"the SQLite copy breaks foreign keys: {broken[:5]}")
    with target.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    source.dispose()
    target.dispose()
    progress(f"copied {sum(copied.values()):,} rows of {len(copied)} tables to {path} in "
             f"{time.perf_counter() - started:.1f} s")
    return dataclasses.replace(dataset, database_url=url,
                               counts={**dataset.counts, "sqlite_rows": sum(copied.values())})
