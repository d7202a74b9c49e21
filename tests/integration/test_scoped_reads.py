"""Read queries share one connection per web request, and still see what was just written."""

from __future__ import annotations

from sqlalchemy import event, text

from clinic.adapters.sqlalchemy.reads import ScopedReads
from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.catalog.rooms import RoomFields
from clinic.application.scheduling.queries import Choice
from tests.acting import owner_of
from tests.integration.conftest import Browser, make_container, make_settings
from tests.licences import grant_licence


def _checkouts(engine) -> list[object]:
    seen: list[object] = []
    event.listen(engine, "checkout", lambda dbapi, record, proxy: seen.append(dbapi))
    return seen


def test_in_a_scope_every_read_shares_one_connection_and_outside_each_has_its_own(
        database_url, tmp_path):
    container = make_container(make_settings(database_url, tmp_path))
    engine = container.engine()
    reads = ScopedReads(engine)
    checkouts = _checkouts(engine)
    try:
        with reads.scope():
            for _ in range(3):
                with reads.connect() as conn:
                    assert conn.execute(text("SELECT 1")).scalar_one() == 1
        assert len(checkouts) == 1
        assert engine.pool.checkedout() == 0  # given back when the scope ends
        for _ in range(2):
            with reads.connect() as conn:
                conn.execute(text("SELECT 1"))
        assert len(checkouts) == 3
        with reads.scope():
            pass
        assert len(checkouts) == 3  # a scope that reads nothing checks nothing out
    finally:
        engine.dispose()


def test_a_read_in_a_scope_sees_what_a_unit_of_work_committed_after_the_scope_began(
        database_url, tmp_path):
    """SQLite keeps a read transaction's snapshot: the held connection must not."""
    container = make_container(make_settings(database_url, tmp_path))
    reads = container.reads()
    calendar = container.calendar_queries()
    clinic_id = container.sign_up()(SignUpCommand(
        clinic_name="Smile", owner_name="Anna", email="anna@example.com",
        password="correct horse", locale="ru", timezone="Europe/Moscow")).clinic_id
    grant_licence(container, clinic_id, chairs=5)
    try:
        with reads.scope():
            before, _doctors = calendar.choices(clinic_id)
            container.save_room()(clinic_id, owner_of(container, clinic_id),
                RoomFields(name="Кабинет 9"))
            after, _doctors = calendar.choices(clinic_id)
        assert [room.name for room in after] == [*[r.name for r in before], "Кабинет 9"]
        assert all(isinstance(room, Choice) for room in after)
    finally:
        container.engine().dispose()


def test_a_web_request_checks_out_one_read_connection_and_gives_it_back(app, web_container):
    browser = Browser(app.test_client())
    browser.sign_up()
    engine = web_container.engine()
    # the first visit of the day view remembers the choice (a write, its own connection)
    assert browser.client.get("/calendar?view=day").status_code == 200
    checkouts = _checkouts(engine)
    assert browser.client.get("/calendar?view=day").status_code == 200
    assert browser.client.get("/calendar?view=day&date=2026-12-01").status_code == 200
    # the calendar reads six queries and writes nothing: one connection per page
    assert len(checkouts) == 2
    assert engine.pool.checkedout() == 0
