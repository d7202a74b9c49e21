"""What one web booking with a new patient costs the code: the source files it runs through
(every file of `src/clinic` that executes a line while the request is served) and the SQL
statements and transactions it sends. Used for issue 17's before/after figures:

    .venv/bin/python scripts/measure_booking_path.py [DATABASE_URL]

Without an argument it runs on a fresh SQLite file; give a PostgreSQL URL to count there (a
fresh database is made beside it and dropped)."""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, event, make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clinic.adapters.sqlalchemy import migrate  # noqa: E402
from clinic.entrypoints.web.app import create_app  # noqa: E402
from tests.integration.conftest import Browser, make_container, make_settings  # noqa: E402

SRC = str(ROOT / "src" / "clinic")


def _database(argument: str | None, folder: Path) -> tuple[str, object]:
    if not argument:
        return f"sqlite:///{folder / 'clinic.sqlite3'}", None
    name = f"measure_{uuid.uuid4().hex[:8]}"
    admin = create_engine(argument, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(argument).set(database=name).render_as_string(hide_password=False), (admin,
                                                                                          name)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url, cleanup = _database(sys.argv[1] if len(sys.argv) > 1 else None, Path(folder))
        container = make_container(make_settings(url, Path(folder)))
        migrate.upgrade(url)
        owner = Browser(create_app(container.settings(), container).test_client())
        logging.disable(logging.CRITICAL)
        with contextlib.redirect_stdout(io.StringIO()):  # the console mailer's email
            owner.sign_up()
        clinic_id = container.account_queries().tenants()[0].id
        with container.uow(clinic_id) as uow:
            room, doctor = uow.rooms.list()[0], uow.doctors.list()[0]
            consultation = next(p for p in uow.procedures.list() if p.name == "Consultation")
        form = {"date": "2026-12-08", "time": "10:00", "room_id": str(room.id),
                "doctor_id": str(doctor.id), "procedure_ids": str(consultation.id),
                "new_name": "Olga Smirnova", "new_phone": "+79161112233", "q": "",
                "patient_id": "", "price": "", "note": "", "confirm_unusual_day": "1"}
        headers = {"HX-Request": "true", "X-CSRFToken": owner.token("/calendar")}
        owner.client.post("/calendar/book", data={**form, "time": "09:00",
                                                  "new_phone": "+79161112200"},
                          headers=headers)  # a first booking warms every import and cache

        statements: list[str] = []
        files: set[str] = set()

        def before(conn, cursor, statement, *args):
            statements.append(statement.split(None, 1)[0].upper())

        def tracer(frame, what, arg):
            name = frame.f_code.co_filename
            if name.startswith(SRC):
                files.add(name[len(SRC) + 1:])
            return None

        engine = container.engine()
        event.listen(engine, "before_cursor_execute", before)
        sys.setprofile(tracer)
        try:
            answer = owner.client.post("/calendar/book", data=form, headers=headers)
        finally:
            sys.setprofile(None)
            event.remove(engine, "before_cursor_execute", before)
        assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
        transactions = sum(1 for s in statements if s in ("COMMIT", "BEGIN")) or None
        print(f"database: {make_url(url).get_backend_name()}")
        print(f"SQL statements: {len(statements)} "
              f"({', '.join(f'{k} {statements.count(k)}' for k in sorted(set(statements)))})")
        print(f"transactions (explicit BEGIN/COMMIT seen): {transactions}")
        print(f"source files run: {len(files)}")
        for name in sorted(files):
            print(f"  {name}")
        container.engine().dispose()
        if cleanup is not None:
            admin, name = cleanup
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
