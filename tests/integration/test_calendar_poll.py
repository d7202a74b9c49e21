"""The calendar's poll signs itself in with one small query (`auth.poll_session`), not by
loading the person for a page; on SQLite and PostgreSQL it must refuse exactly whom a page
refuses: a signed-out browser, a session ended everywhere or by a new password, a disabled
account, someone removed from the team, a suspended clinic, another clinic than theirs."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from clinic.adapters.sqlalchemy import tables
from clinic.entrypoints.web.app import create_app
from tests.integration.conftest import Browser
from tests.integration.test_query_counts import count_statements
from tests.licences import grant_licence

PATH = "/calendar/version"


@pytest.fixture
def clinic(container):
    """The owner signed in on either backend, and a second person of the same clinic."""
    app = create_app(container.settings(), container)
    owner = Browser(app.test_client())
    owner.sign_up()
    clinic_id = container.account_queries().tenants()[0].id
    owner_id = container.team_queries().members(clinic_id)[0].user_id
    grant_licence(container, clinic_id, seats=3)
    links: list[str] = []
    container.invite_member()(clinic_id, owner_id, "sam@example.com", "staff",
                              lambda token: links.append(token) or token)
    container.accept_invitation()(links[0], name="Sam", password="correct horse")
    sam = Browser(app.test_client())
    assert sam.sign_in("sam@example.com").status_code == 302
    sam_id = next(m.user_id for m in container.team_queries().members(clinic_id)
                  if m.user_id != owner_id)
    return {"app": app, "id": clinic_id, "owner": owner, "owner_id": owner_id, "sam": sam,
            "sam_id": sam_id}


def tag_of(browser: Browser) -> str:
    answer = browser.client.get(PATH)
    assert answer.status_code == 200
    return str(answer.headers["ETag"])


def poll(browser: Browser, tag: str):
    return browser.client.get(PATH, headers={"If-None-Match": tag})


def refused(answer) -> bool:
    """Neither the 304 nor a version: sent to sign in (302) or forbidden (403)."""
    return answer.status_code in (302, 403) and b'"version"' not in answer.get_data() \
        and "ETag" not in answer.headers


def test_an_unchanged_poll_is_one_statement_and_304(clinic, container):
    tag = tag_of(clinic["sam"])
    with count_statements(container.engine()) as main, \
            count_statements(container.poll_engine()) as polls:
        answer = poll(clinic["sam"], tag)
    assert answer.status_code == 304
    assert answer.get_data() == b""
    assert answer.headers["ETag"] == tag
    seen = main if container.poll_engine() is container.engine() else main + polls
    assert len(seen) == 1, seen  # the poll's own query, nothing else (no ping, no BEGIN)
    assert seen[0].lstrip().startswith("SELECT")
    assert "Set-Cookie" not in answer.headers


def test_signing_out_stops_the_poll(clinic):
    tag = tag_of(clinic["sam"])
    clinic["sam"].sign_out()
    assert refused(poll(clinic["sam"], tag))


def test_a_copied_cookie_stops_when_its_browser_signs_out(clinic):
    """The cookie alone is not enough: its session record must still be there."""
    sam = clinic["sam"]
    tag = tag_of(sam)
    cookie = sam.client.get_cookie("chairside_session").value
    sam.sign_out()
    thief = clinic["app"].test_client()
    thief.set_cookie("chairside_session", cookie)
    assert refused(thief.get(PATH, headers={"If-None-Match": tag}))


def test_an_expired_session_record_stops_the_poll(clinic, container):
    from datetime import timedelta

    tag = tag_of(clinic["sam"])
    past = container.clock().now() - timedelta(seconds=1)
    with container.engine().begin() as conn:
        conn.execute(update(tables.web_sessions)
                     .where(tables.web_sessions.c.user_id == clinic["sam_id"])
                     .values(expires_at=past))
    assert refused(poll(clinic["sam"], tag))
    assert poll(clinic["owner"], tag).status_code == 304


def test_signing_out_everywhere_stops_the_poll(clinic, container):
    tag = tag_of(clinic["sam"])
    container.sign_out_everywhere()(clinic["sam_id"])
    assert refused(poll(clinic["sam"], tag))


def test_a_new_session_version_alone_stops_the_poll(clinic, container):
    """A changed password moves the session version: the old cookie carries the old one."""
    tag = tag_of(clinic["sam"])
    with container.engine().begin() as conn:
        conn.execute(update(tables.users).where(tables.users.c.id == clinic["sam_id"])
                     .values(session_version=tables.users.c.session_version + 1))
    assert refused(poll(clinic["sam"], tag))
    assert poll(clinic["owner"], tag).status_code == 304  # nobody else is touched


def test_a_disabled_account_stops_polling(clinic, container):
    tag = tag_of(clinic["sam"])
    with container.engine().begin() as conn:  # the flag alone (DisableUser also ends sessions)
        conn.execute(update(tables.users).where(tables.users.c.id == clinic["sam_id"])
                     .values(disabled=True))
    assert refused(poll(clinic["sam"], tag))


def test_someone_removed_from_the_team_stops_polling(clinic, container):
    tag = tag_of(clinic["sam"])
    container.remove_member()(clinic["id"], clinic["owner_id"], clinic["sam_id"])
    answer = poll(clinic["sam"], tag)
    assert refused(answer)
    assert poll(clinic["owner"], tag).status_code == 304


def test_a_suspended_clinic_is_not_polled(clinic, container):
    tag = tag_of(clinic["owner"])
    container.suspend_clinic()(clinic["id"], "unpaid")
    answer = poll(clinic["owner"], tag)
    assert answer.status_code == 403
    assert refused(answer)


def test_another_clinics_version_is_never_answered(clinic, container):
    """A session that names a clinic the person is not a member of (as a forged or stale
    cookie would) gets no version of it, whatever the ETag it sends."""
    from clinic.application.accounts.sign_up import SignUpCommand

    other = container.sign_up()(SignUpCommand(
        "Other", "Olga", "olga@example.com", "correct horse", "ru", "Europe/Moscow"))
    sam = clinic["sam"]
    with sam.client.session_transaction() as session:
        session["clinic_id"] = str(other.clinic_id)
    for tag in ('"0"', '"1"', "*", ""):
        answer = poll(sam, tag)
        assert refused(answer), (tag, answer.status_code)
        assert answer.status_code == 403


def test_a_poll_without_a_session_record_or_with_a_malformed_cookie_is_sent_to_sign_in(
        clinic):
    app = clinic["app"]
    stranger = app.test_client()
    assert stranger.get(PATH).status_code == 302
    with stranger.session_transaction() as session:
        session["_user_id"] = f"{clinic['sam_id']}:1"  # no session secret
    assert refused(stranger.get(PATH, headers={"If-None-Match": '"0"'}))
    with stranger.session_transaction() as session:
        session["_user_id"] = "not-a-user"
        session["sid"] = "x"
    assert refused(stranger.get(PATH, headers={"If-None-Match": '"0"'}))


def test_a_connection_the_database_dropped_is_asked_again(clinic, container):
    """The poll's pool has no pre-ping: a connection the server closed fails once, inside,
    and the poll is answered from a fresh one."""
    from sqlalchemy import text

    if container.poll_engine() is container.engine():
        return  # SQLite: the poll reads through the app's own engine, nothing to drop

    tag = tag_of(clinic["owner"])
    assert poll(clinic["owner"], tag).status_code == 304  # a pooled connection now
    with container.poll_engine().connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with container.engine().connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    with count_statements(container.poll_engine()) as tried:
        assert poll(clinic["owner"], tag).status_code == 304
    assert len(tried) == 2  # the dropped connection's attempt, then the fresh one's
