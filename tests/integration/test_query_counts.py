"""A page's number of SQL statements must not grow with the data."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from tests.integration.conftest import Browser


@contextmanager
def count_statements(engine):
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_a_signed_in_page_costs_the_same_statements_with_one_clinic_or_many(app, web_container):
    browser = Browser(app.test_client())
    browser.sign_up()
    engine = web_container.engine()
    with count_statements(engine) as first:
        assert browser.client.get("/calendar").status_code == 200
    for i in range(20):
        Browser(app.test_client()).sign_up(email=f"other{i}@example.com", clinic=f"Clinic {i}")
    with count_statements(engine) as later:
        assert browser.client.get("/calendar").status_code == 200
    assert len(later) == len(first) <= 2
