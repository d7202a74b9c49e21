"""The plans of the hot queries, as PostgreSQL runs them on a generated dataset.

Each query is the application's own: the read-query classes run with a listener that keeps
every statement and its parameters, and each kept statement is then run again under
`EXPLAIN (ANALYZE, BUFFERS)` with the same parameters. Written to
`bench/results/plans-<scale>.txt` by `python -m bench` (after the load) and quoted in
docs/performance.md.

    .venv/bin/python -m bench.plans --scale large     # on an already generated dataset
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event

from bench.dataset import Dataset

RESULTS = Path(__file__).resolve().parent / "results"


def _queries(dataset: Dataset, engine: Any) -> list[tuple[str, Callable[[], Any]]]:
    from clinic.adapters.sqlalchemy.calendar_queries import SqlCalendarQueries
    from clinic.adapters.sqlalchemy.queries import SqlAccountQueries, SqlPatientQueries
    from clinic.adapters.sqlalchemy.report_queries import SqlReportQueries
    from clinic.application.reporting.queries import ReportScope
    from clinic.application.scheduling.queries import AppointmentFilter
    from clinic.domain.reporting import Period

    clinic = uuid.UUID(dataset.clinic_id)
    zone = ZoneInfo(SqlAccountQueries(engine).clinic_details(clinic).timezone)  # type: ignore[union-attr]
    monday = date.fromisoformat(dataset.busy_week)
    start = datetime.combine(monday, datetime.min.time(), zone)
    end = start + timedelta(days=7)
    calendar, patients = SqlCalendarQueries(engine), SqlPatientQueries(engine)
    reports = SqlReportQueries(engine)
    year = ReportScope(clinic, Period(date.fromisoformat(dataset.report_from),
                                      date.fromisoformat(dataset.report_to)),
                       zone, datetime.now(UTC))
    name_term = next(t for t in dataset.search_terms if not t[:1].isdigit())
    phone_term = next((t for t in dataset.search_terms if t[:1].isdigit()), "916")
    return [
        ("the week of one room (the week page)", lambda: calendar.entries(
            clinic, start, end, room_id=uuid.UUID(dataset.room_ids[0]))),
        ("the clinic's week (the appointments JSON)", lambda: calendar.find(
            clinic, AppointmentFilter(start=start, end=end), 0, 1000)),
        (f"patient search by name ({name_term!r})", lambda: patients.find(clinic, name_term)),
        (f"patient search by phone ({phone_term!r})", lambda: patients.find(clinic, phone_term)),
        ("the report summary of a year", lambda: reports.summary(year, "RUB")),
        ("the CSV's first page of a year", lambda: next(iter(reports.stream(year)))),
    ]


def explain(dataset: Dataset) -> str:
    """Every statement of each hot query, with its plan."""
    from clinic.adapters.sqlalchemy.engine import make_engine

    engine = make_engine(dataset.database_url)
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        seen.append((statement, parameters))

    out = [f"# Plans on {dataset.scale} ({dataset.counts.get('appointments', '?')} visits in "
           f"all), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"]
    try:
        for title, run in _queries(dataset, engine):
            run()  # warm the cache, as a page would find it
            seen.clear()
            event.listen(engine, "before_cursor_execute", keep)
            try:
                run()
            finally:
                event.remove(engine, "before_cursor_execute", keep)
            out.append(f"## {title}: {len(seen)} statement(s)\n")
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                for statement, parameters in list(seen):
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                    out.append(" ".join(statement.split())[:300] + ("…" if len(statement) > 300
                                                                     else ""))
                    out.extend("    " + row[0] for row in cursor.fetchall())
                    out.append("")
                raw.rollback()
            finally:
                raw.close()
    finally:
        engine.dispose()
    return "\n".join(out)


def write(dataset: Dataset, out_dir: Path = RESULTS) -> Path:
    path = out_dir / f"plans-{dataset.scale}.txt"
    path.write_text(explain(dataset))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.plans",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    args = parser.parse_args(argv)
    dataset = Dataset.load(RESULTS / f"dataset-{args.scale}.json")
    if not dataset.database_url.startswith("postgresql"):
        parser.error("plans are PostgreSQL's")
    print(f"written: {write(dataset)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
