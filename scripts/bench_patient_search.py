"""Measure the patient search (`SqlPatientQueries.find`) on one clinic with 50,000 patients.

Makes a scratch PostgreSQL database (dropped and re-created each run), migrates it with the app's
own migrations, fills it fast with COPY (one big clinic plus smaller neighbours, every row built by
the app's own `Patient.register` and `parse_phone`), runs ANALYZE, then times the real query the
app runs for several kinds of typed input and prints EXPLAIN (ANALYZE, BUFFERS) of a name and a
phone search. `--sqlite` does the same on a SQLite file (filled with executemany batches).

    .venv/bin/python scripts/bench_patient_search.py [--patients 50000] [--other-clinics 20]
        [--other-patients 2000] [--runs 200] [--seed 1] [--keep] [--sqlite]
        [--server postgresql+psycopg://postgres@127.0.0.1:5432/test] [--database NAME]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, insert, make_url

from clinic.adapters.sqlalchemy.engine import make_engine
from clinic.adapters.sqlalchemy.migrate import upgrade
from clinic.adapters.sqlalchemy.queries import SqlPatientQueries
from clinic.adapters.sqlalchemy.tables import clinics, patients
from clinic.application.patients.phones import parse_phone
from clinic.domain.accounts import ClinicStatus, normalize_email
from clinic.domain.patients import Patient, fold
from clinic.domain.shared import ValidationFailed

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.data_names import (  # noqa: E402 - the repository root is on the path only now
    FEMALE,
    MAIL_DOMAINS,
    MALE,
    NOTES,
    PATRONYMICS,
    SURNAMES,
    TRANSLIT,
    female_surname,
)

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
YEARS = 3
WARMUP = 20
INPUTS_PER_KIND = 50

# --- Russian names -------------------------------------------------------------------------------
# The lists live in bench/data_names.py (the benchmark's generator draws from them too); this
# script keeps its own, wider set of mobile codes: it checks that search finds every typed form.
# Russian mobile operator codes (DEF codes) that are in common use.
OPERATOR_CODES = [*range(900, 940), *range(950, 970), *range(977, 1000)]


def zipf(count: int, offset: int) -> list[float]:
    return [1 / (rank + offset) for rank in range(count)]


@dataclass
class Person:
    name: str
    surname: str
    raw_phone: str
    email: str
    note: str


class People:
    """Realistic Russian patients: "Фамилия Имя Отчество" mostly, sometimes without the
    patronymic or in the order "Имя Фамилия"; phones typed the many ways people type them."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.surname_weights = zipf(len(SURNAMES), 15)
        self.male_weights = zipf(len(MALE), 6)
        self.female_weights = zipf(len(FEMALE), 6)
        self.fathers = list(PATRONYMICS)
        self.father_weights = zipf(len(self.fathers), 6)

    def person(self, phones_taken: set[str]) -> Person:
        rng = self.rng
        female = rng.random() < 0.56  # dental clinics see somewhat more women
        first = rng.choices(FEMALE if female else MALE,
                            self.female_weights if female else self.male_weights)[0]
        surname = rng.choices(SURNAMES, self.surname_weights)[0]
        if female:
            surname = female_surname(surname)
        form = rng.random()
        if form < 0.6:
            father = rng.choices(self.fathers, self.father_weights)[0]
            name = f"{surname} {first} {PATRONYMICS[father][female]}"
        elif form < 0.85:
            name = f"{surname} {first}"
        else:
            name = f"{first} {surname}"
        if rng.random() < 0.03:
            name = name.lower() if rng.random() < 0.5 else f"  {name} "  # typed carelessly
        email = ""
        if rng.random() < 0.3:
            login = "".join(TRANSLIT.get(c, c) for c in f"{first[0]}.{surname}".lower())
            login = login.replace("-", "")
            if rng.random() < 0.6:
                login += str(rng.randint(1, 2005))
            email = f"{login}@{rng.choice(MAIL_DOMAINS)}"
            if rng.random() < 0.05:
                email = f" {email.capitalize()} "  # the app lowers and strips it
        note = rng.choice(NOTES) if rng.random() < 0.08 else ""
        return Person(name, surname, self.phone(phones_taken), email, note)

    def phone(self, taken: set[str]) -> str:
        rng = self.rng
        while True:
            code = rng.choice(OPERATOR_CODES)
            rest = f"{rng.randrange(10_000_000):07d}"
            if f"{code}{rest}" in taken:
                continue
            taken.add(f"{code}{rest}")
            a, b, c = rest[:3], rest[3:5], rest[5:]
            return rng.choice((
                f"8 ({code}) {a}-{b}-{c}", f"+7 {code} {a}-{b}-{c}", f"8{code}{rest}",
                f"+7{code}{rest}", f"8-{code}-{a}-{b}-{c}", f"{code} {a} {b} {c}",
                f"+7 ({code}) {a} {b} {c}",
            ))


def created_at(rng: random.Random) -> datetime:
    """Over the last three years, more of them recently (the clinic grows), in opening hours."""
    days_ago = int(YEARS * 365 * (1 - rng.random() ** 0.8))
    moment = NOW - timedelta(days=days_ago)
    hour_utc = rng.randint(8, 19) - 3  # Moscow is UTC+3
    return moment.replace(hour=hour_utc, minute=rng.randrange(60), second=rng.randrange(60),
                          microsecond=rng.randrange(1_000_000))


@dataclass
class Dataset:
    main_clinic: uuid.UUID
    clinic_rows: list[dict[str, Any]]
    patients: list[Patient]  # every clinic, in the order of created_at (as a real table fills)
    main_names: list[str] = field(default_factory=list)
    main_surnames: list[str] = field(default_factory=list)
    main_national: list[str] = field(default_factory=list)
    haystack: str = ""  # the main clinic's folded names, to make sure "no match" matches none


_QUARTERS_SHOWN: dict[str, int] = {}


def progress(message: str, done: int, total: int, detail: str = "") -> None:
    """One line rewritten in place on a terminal; each quarter on a line of its own otherwise."""
    line = f"  {message}: {done:,}/{total:,} ({done * 100 // max(total, 1)}%) {detail}"
    if sys.stdout.isatty():
        print(f"\r{line:<72}", end="\n" if done >= total else "", flush=True)
        return
    quarter = done * 4 // max(total, 1)
    if quarter > _QUARTERS_SHOWN.get(message, 0):
        _QUARTERS_SHOWN[message] = quarter
        print(line.rstrip(), flush=True)


def generate(n_main: int, n_others: int, per_other: int, seed: int) -> Dataset:
    rng = random.Random(seed)
    people = People(rng)
    clinic_ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(n_others + 1)]
    clinic_rows = [{"id": cid, "name": "Улыбка" if i == 0 else f"Стоматология №{i}",
                    "timezone": "Europe/Moscow", "currency": "RUB", "country": "RU",
                    "locale": "ru", "status": ClinicStatus.ACTIVE,
                    "created_at": NOW - timedelta(days=YEARS * 365 + 30 + i)}
                   for i, cid in enumerate(clinic_ids)]
    data = Dataset(clinic_ids[0], clinic_rows, [])
    plan = [(clinic_ids[0], n_main)] + [(cid, per_other) for cid in clinic_ids[1:]]
    total = sum(n for _, n in plan)
    done = 0
    for cid, count in plan:
        phones_taken: set[str] = set()  # the app asks before a second card gets the same phone
        for _ in range(count):
            person = people.person(phones_taken)
            try:
                phone = parse_phone(person.raw_phone, "RU")
            except ValidationFailed:  # an unassigned range: the app would refuse it too
                person.raw_phone = people.phone(phones_taken)
                phone = parse_phone(person.raw_phone, "RU")
            patient = Patient.register(cid, person.name, phone, created_at(rng),
                                       normalize_email(person.email) or None, person.note)
            patient.id = uuid.UUID(int=rng.getrandbits(128), version=4)  # reproducible ids
            data.patients.append(patient)
            if cid == data.main_clinic:
                data.main_names.append(patient.name)
                data.main_surnames.append(person.surname)
                data.main_national.append(phone.national_digits)
            done += 1
            if done % 5000 == 0 or done == total:
                progress("generating patients", done, total)
    data.patients.sort(key=lambda p: p.created_at)
    return data


COLUMNS = ("id", "clinic_id", "name", "phone", "email", "note", "name_folded", "phone_digits",
           "created_at")


def row_of(p: Patient) -> tuple[Any, ...]:
    return (p.id, p.clinic_id, p.name, p.phone, p.email, p.note, p.name_folded, p.phone_digits,
            p.created_at)


def load_postgres(engine: Engine, data: Dataset) -> None:
    with engine.begin() as conn:
        conn.execute(insert(clinics), data.clinic_rows)
    raw = engine.raw_connection()
    try:
        total = len(data.patients)
        with (raw.driver_connection.cursor() as cursor,
              cursor.copy("COPY patients (id, clinic_id, name, phone, email, note, "
                          "name_folded, phone_digits, created_at) FROM STDIN") as copy):
            for i, patient in enumerate(data.patients, 1):
                copy.write_row(row_of(patient))
                if i % 10_000 == 0 or i == total:
                    progress("COPY into patients", i, total)
        raw.commit()
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE patients")
        conn.exec_driver_sql("ANALYZE clinics")


def load_sqlite(engine: Engine, data: Dataset) -> None:
    with engine.begin() as conn:
        conn.execute(insert(clinics), data.clinic_rows)
    total, batch = len(data.patients), 5000
    for start in range(0, total, batch):
        chunk = data.patients[start:start + batch]
        with engine.begin() as conn:
            conn.execute(insert(patients), [dict(zip(COLUMNS, row_of(p), strict=True))
                                            for p in chunk])
        progress("INSERT batches into patients", start + len(chunk), total)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def check_stored(engine: Engine, data: Dataset, rng: random.Random) -> None:
    """What is in the table is what the app computes from the stored name and phone."""
    p = patients.c
    with engine.connect() as conn:
        rows = conn.execute(patients.select().where(p.clinic_id == data.main_clinic)
                            .limit(500)).all()
    assert rows, "no patients stored"
    for row in rng.sample(rows, min(200, len(rows))):
        phone = parse_phone(row.phone, "RU")
        assert row.name_folded == fold(row.name), row
        assert row.phone == phone.e164 and row.phone_digits == phone.search_digits, row
        assert row.email is None or row.email == row.email.strip().lower(), row
        assert row.created_at.tzinfo is not None, row


# --- what people type ----------------------------------------------------------------------------

def cased(rng: random.Random, fragment: str) -> str:
    style = rng.random()
    if style < 0.45:
        return fragment.lower()
    if style < 0.85:
        return fragment[:1].upper() + fragment[1:].lower()
    return fragment.upper()


def name_fragment(rng: random.Random, data: Dataset, length: int) -> str:
    while True:
        words = [w for w in rng.choice(data.main_names).split() if len(w) >= length]
        if words:
            word = rng.choice(words)
            start = 0 if rng.random() < 0.5 else rng.randrange(len(word) - length + 1)
            return cased(rng, word[start:start + length])


def no_match(rng: random.Random, data: Dataset) -> str:
    if not data.haystack:
        data.haystack = "\n".join(fold(name) for name in data.main_names)
    while True:
        candidate = "".join(rng.choice("жщъыэюфцш") for _ in range(5))
        if candidate not in data.haystack:
            return cased(rng, candidate)


def surname_and_name(rng: random.Random, data: Dataset) -> str:
    """"Иванова Ма": the first word as typed on the card, then two letters of the second."""
    first, second = rng.choice(data.main_names).split()[:2]
    return f"{first} {second[:2]}"


def middle_digits(rng: random.Random, national: str) -> str:
    start = rng.randint(4, 7)  # after "8916", within the subscriber's seven digits
    return national[start:start + 4]


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    make: Callable[[random.Random, Dataset], str]


KINDS = (
    Kind("empty", "empty query (newest first)", lambda rng, d: ""),
    Kind("name_1", "1 letter (live search fires)", lambda rng, d: name_fragment(rng, d, 1)),
    Kind("name_2", "2 letters of a name", lambda rng, d: name_fragment(rng, d, 2)),
    Kind("name_3", "3 letters of a name", lambda rng, d: name_fragment(rng, d, 3)),
    Kind("name_5", "5 letters of a name", lambda rng, d: name_fragment(rng, d, 5)),
    Kind("surname", "a full surname", lambda rng, d: cased(rng, rng.choice(d.main_surnames))),
    Kind("surname_name", "surname + 2 letters of name", surname_and_name),
    Kind("phone_2_national", "2 digits (89): too few for a phone search",
         lambda rng, d: rng.choice(d.main_national)[:2]),
    Kind("phone_4_national", "4 digits, national (8916)",
         lambda rng, d: rng.choice(d.main_national)[:4]),
    Kind("phone_7_national", "7 digits, national (8916123)",
         lambda rng, d: rng.choice(d.main_national)[:7]),
    Kind("phone_4_middle", "4 digits from the middle",
         lambda rng, d: middle_digits(rng, rng.choice(d.main_national))),
    Kind("no_match", "matches nothing", no_match),
)


# --- measuring -----------------------------------------------------------------------------------

class StatementTimer:
    """Times each SQL statement the engine runs, and keeps the last ones for EXPLAIN."""

    def __init__(self, engine: Engine) -> None:
        self.log: list[tuple[str, Any, float]] = []
        self.key = f"bench_started_{id(self)}"
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any,
               executemany: bool) -> None:
        conn.info[self.key] = time.perf_counter()

    def after(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any,
              executemany: bool) -> None:
        elapsed = (time.perf_counter() - conn.info.pop(self.key)) * 1000
        self.log.append((statement, params, elapsed))


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def measure(engine: Engine, data: Dataset, runs: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed + 1)
    find = SqlPatientQueries(engine).find
    timer = StatementTimer(engine)
    results: dict[str, Any] = {}
    for kind in KINDS:
        inputs = [kind.make(rng, data) for _ in range(1 if kind.key == "empty"
                                                      else INPUTS_PER_KIND)]
        for i in range(WARMUP):
            find(data.main_clinic, inputs[i % len(inputs)], offset=0, limit=20)
        timer.log.clear()
        times, rows, totals, counted, count_ms = [], [], [], 0, []
        for i in range(runs):
            query = inputs[i % len(inputs)]
            before = len(timer.log)
            started = time.perf_counter()
            page = find(data.main_clinic, query, offset=0, limit=20)
            times.append((time.perf_counter() - started) * 1000)
            rows.append(len(page.rows))
            totals.append(page.total)
            statements = timer.log[before:]
            if len(statements) > 1:  # the page was full, so find() counted the matches
                counted += 1
                count_ms.append(statements[1][2])
        results[kind.key] = {
            "label": kind.label, "examples": inputs[:5], "distinct_inputs": len(set(inputs)),
            "runs": runs, "median_ms": statistics.median(times), "p95_ms": p95(times),
            "max_ms": max(times), "mean_rows": statistics.fmean(rows),
            "mean_total": statistics.fmean(totals), "count_query_runs": counted,
            "count_query_median_ms": statistics.median(count_ms) if count_ms else None,
        }
        progress("measuring kinds of input", len(results), len(KINDS), kind.key)
    results["_statements"] = timer
    return results


def explain(engine: Engine, data: Dataset, timer: StatementTimer, query: str,
            sqlite: bool) -> dict[str, Any]:
    """EXPLAIN the very statements `find` sent for `query` (rows, and the count if it ran)."""
    timer.log.clear()
    page = SqlPatientQueries(engine).find(data.main_clinic, query, offset=0, limit=20)
    statements = [(s, p) for s, p, _ in timer.log]
    timer.log.clear()
    plans = []
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    with engine.connect() as conn:
        for statement, params in statements:
            lines = [" | ".join(str(c) for c in row) if sqlite else row[0]
                     for row in conn.exec_driver_sql(prefix + statement, params)]
            plans.append({"sql": " ".join(statement.split()), "plan": lines})
    timer.log.clear()
    return {"query": query, "rows": len(page.rows), "total": page.total, "statements": plans}


def index_summary(plan: dict[str, Any]) -> str:
    names: list[str] = []
    for statement in plan["statements"]:
        for line in statement["plan"]:
            for found in re.findall(r"(?:on|using|INDEX) ((?:ix|uq|pk|sqlite_autoindex)_\w+)",
                                    line):
                if found not in names:
                    names.append(found)
    times = [m.group(1) for s in plan["statements"] for line in s["plan"]
             if (m := re.search(r"Execution Time: ([\d.]+ ms)", line))]
    return (f"indexes: {', '.join(names) or 'none (sequential scan)'}"
            + (f"; execution time {' + '.join(times)}" if times else ""))


# --- the databases -------------------------------------------------------------------------------

def recreate_postgres(server: str, name: str) -> str:
    import psycopg
    from psycopg import sql

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise SystemExit(f"not a plain database name: {name!r}")
    conninfo = make_url(server).set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_postgres(server: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    conninfo = make_url(server).set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


def print_table(results: dict[str, Any]) -> None:
    print(f"{'kind':<18}{'e.g.':<16}{'median':>10}{'p95':>10}{'rows':>7}{'total':>8}"
          f"{'counted':>9}{'count median':>14}")
    for kind in KINDS:
        r = results[kind.key]
        example = repr(r["examples"][0])
        count = (f"{r['count_query_median_ms']:>11.2f} ms" if r["count_query_median_ms"]
                 is not None else f"{'-':>14}")
        print(f"{kind.key:<18}{example:<16}{r['median_ms']:>7.2f} ms{r['p95_ms']:>7.2f} ms"
              f"{r['mean_rows']:>7.1f}{r['mean_total']:>8.0f}"
              f"{r['count_query_runs'] * 100 // r['runs']:>8}%{count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=DEFAULT_SERVER,
                        help="a PostgreSQL URL; the scratch database is made on its server")
    parser.add_argument("--database", default="chairside_bench_search",
                        help="the scratch database (dropped and re-created)")
    parser.add_argument("--patients", type=int, default=50_000, help="in the measured clinic")
    parser.add_argument("--other-clinics", type=int, default=20)
    parser.add_argument("--other-patients", type=int, default=2_000, help="in each other clinic")
    parser.add_argument("--runs", type=int,
                        help="timed searches of each kind (200; 50 with --sqlite, which scans)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--sqlite", action="store_true",
                        help="measure a SQLite file instead of PostgreSQL")
    args = parser.parse_args()
    args.runs = args.runs or (50 if args.sqlite else 200)
    started = time.perf_counter()

    if args.sqlite:
        workdir = Path(tempfile.mkdtemp(prefix="chairside-bench-search-"))
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        where = f"SQLite {workdir / 'bench.sqlite3'}"
    else:
        url = recreate_postgres(args.server, args.database)
        where = f"PostgreSQL {make_url(url).render_as_string(hide_password=True)}"
    print(f"scratch database: {where}")
    upgrade(url)
    engine = make_engine(url)
    try:
        data = generate(args.patients, args.other_clinics, args.other_patients, args.seed)
        generated = time.perf_counter()
        (load_sqlite if args.sqlite else load_postgres)(engine, data)
        loaded = time.perf_counter()
        check_stored(engine, data, random.Random(args.seed))
        with engine.connect() as conn:
            version = conn.exec_driver_sql(
                "SELECT sqlite_version()" if args.sqlite else "SHOW server_version").scalar()
        print(f"  {len(data.patients):,} patients in {len(data.clinic_rows)} clinics: generated "
              f"in {generated - started:.1f} s, loaded and analysed in {loaded - generated:.1f} s")
        results = measure(engine, data, args.runs, args.seed)
        timer: StatementTimer = results.pop("_statements")
        plans = {kind.key: explain(engine, data, timer, results[kind.key]["examples"][0],
                                   args.sqlite) for kind in KINDS}
    finally:
        engine.dispose()
        if not args.keep:
            if args.sqlite:
                for leftover in sorted(workdir.iterdir(), reverse=True):
                    leftover.unlink()
                workdir.rmdir()
            else:
                drop_postgres(args.server, args.database)

    engine_name = "SQLite" if args.sqlite else "PostgreSQL"
    print(f"\n{engine_name} {version}: clinic of {args.patients:,} patients "
          f"(+{args.other_clinics} clinics × {args.other_patients:,}); SqlPatientQueries.find("
          f"limit=20), {WARMUP} warm-up + {args.runs} timed calls per kind, cycling through "
          f"{INPUTS_PER_KIND} inputs")
    print_table(results)
    shown = ("name_3", "phone_7_national")
    for key in shown:
        plan = plans[key]
        print(f"\n{'EXPLAIN QUERY PLAN' if args.sqlite else 'EXPLAIN (ANALYZE, BUFFERS)'} of "
              f"find({plan['query']!r}): {plan['rows']} rows, total {plan['total']}")
        for statement in plan["statements"]:
            print(f"  -- {statement['sql'][:96]}…" if len(statement["sql"]) > 96
                  else f"  -- {statement['sql']}")
            for line in statement["plan"]:
                print(f"  {line}")
    print("\nplans of every kind (first input):")
    for kind in KINDS:
        print(f"  {kind.key:<18}{plans[kind.key]['query']!r:<16}"
              f"{index_summary(plans[kind.key])}")

    out = ROOT / "bench" / "results" / (
        "patient_search_sqlite.json" if args.sqlite else "patient_search.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "database": f"{engine_name} {version}", "patients": args.patients,
        "other_clinics": args.other_clinics, "other_patients": args.other_patients,
        "runs": args.runs, "warmup": WARMUP, "seed": args.seed,
        "generate_seconds": round(generated - started, 2),
        "load_seconds": round(loaded - generated, 2), "kinds": results, "plans": plans,
    }, indent=2, ensure_ascii=False, default=str))
    print(f"\nwritten to {out.relative_to(ROOT)} in {time.perf_counter() - started:.0f} s"
          + (" (database kept)" if args.keep else ""))


if __name__ == "__main__":
    sys.exit(main())
