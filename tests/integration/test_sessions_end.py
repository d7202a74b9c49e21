"""Signing out ends a copied cookie too; a reset or a disabled account stops that person's
API tokens."""

from __future__ import annotations

import re

from sqlalchemy import select

from clinic.adapters.sqlalchemy import tables
from clinic.application.accounts.sign_up import SignUpCommand
from tests.integration.conftest import Browser


def _cookie(client) -> str:
    cookie = client.get_cookie("chairside_session")
    assert cookie is not None
    return cookie.value


def _with_cookie(app, value: str):
    thief = app.test_client()
    thief.set_cookie("chairside_session", value)
    return thief


def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(app):
    browser = Browser(app.test_client())
    browser.sign_up()
    copied = _cookie(browser.client)
    assert _with_cookie(app, copied).get("/calendar").status_code == 200
    browser.sign_out()
    assert _with_cookie(app, copied).get("/calendar").status_code == 302
    assert _with_cookie(app, copied).get("/account").status_code == 302


def test_signing_out_one_browser_keeps_the_others_signed_in(app):
    phone, laptop = Browser(app.test_client()), Browser(app.test_client())
    phone.sign_up()
    laptop.sign_in()
    phone.sign_out()
    assert laptop.client.get("/calendar").status_code == 200
    assert phone.client.get("/calendar").status_code == 302


def test_a_cookie_copied_before_signing_out_everywhere_opens_nothing(app):
    browser = Browser(app.test_client())
    browser.sign_up()
    copied = _cookie(browser.client)
    browser.post("/signout-everywhere", {}, source="/account")
    assert _with_cookie(app, copied).get("/calendar").status_code == 302


def test_a_session_record_is_kept_per_browser_and_removed_on_sign_out(app, web_container):
    browser = Browser(app.test_client())
    browser.sign_up()
    Browser(app.test_client()).sign_in()
    with web_container.engine().connect() as conn:
        assert len(conn.execute(select(tables.web_sessions)).all()) == 2
    browser.sign_out()
    with web_container.engine().connect() as conn:
        assert len(conn.execute(select(tables.web_sessions)).all()) == 1


def _owner_with_token(container):
    signed_in = container.sign_up()(SignUpCommand(
        "Smile", "Anna Petrova", "anna@example.com", "correct horse", "ru", "Europe/Moscow"))
    token = container.create_api_token()(signed_in.clinic_id, signed_in.user_id, "mine")
    operator = container.create_operator_token()(signed_in.clinic_id, "website")
    return signed_in, token, operator


def _revoked(container) -> dict[str, bool]:
    with container.engine().connect() as conn:
        rows = conn.execute(select(tables.api_tokens.c.name, tables.api_tokens.c.revoked_at))
        return {row.name: row.revoked_at is not None for row in rows}


def test_a_password_reset_revokes_the_tokens_that_person_made(container):
    _owner_with_token(container)
    links: list[str] = []
    container.request_password_reset()("anna@example.com", "ru",
                                       lambda token: links.append(token) or f"/reset/{token}")
    container.reset_password()(links[0], "a brand new password")
    assert _revoked(container) == {"mine": True, "website": False}


def test_disabling_an_account_revokes_the_tokens_it_made(container):
    _owner_with_token(container)
    container.disable_user()("anna@example.com")
    assert _revoked(container) == {"mine": True, "website": False}


def test_the_api_refuses_a_token_after_its_makers_password_reset(app, web_container):
    browser = Browser(app.test_client())
    browser.sign_up()
    signed_in = web_container.sign_in()("anna@example.com", "correct horse")
    token = web_container.create_api_token()(signed_in.clinic_id, signed_in.user_id, "mine")
    headers = {"Authorization": f"Bearer {token.secret}"}
    assert app.test_client().get("/api/v1/clinic", headers=headers).status_code == 200
    browser.post("/forgot", {"email": "anna@example.com"})
    with web_container.engine().connect() as conn:
        text = conn.execute(select(tables.outbox.c.text).where(
            tables.outbox.c.text.like("%/reset/%"))).scalar_one()
    link = re.search(r"http://localhost(/reset/\S+)", text).group(1)
    browser.post(link, {"password": "a brand new password"}, source=link)
    assert app.test_client().get("/api/v1/clinic", headers=headers).status_code == 401


def test_a_sign_in_racing_a_sign_out_everywhere_gets_no_session(app, web_container):
    """Whoever had the old password and passed its check just before the owner signed out
    everywhere (or reset the password) must not get a session from it."""
    from dependency_injector import providers

    Browser(app.test_client()).sign_up()
    real = web_container.sign_in()

    def sign_in_then_owner_signs_out_everywhere(email: str, password: str):
        signed_in = real(email, password)
        web_container.sign_out_everywhere()(signed_in.user_id)
        return signed_in

    thief = Browser(app.test_client())
    with web_container.sign_in.override(providers.Object(sign_in_then_owner_signs_out_everywhere)):
        thief.sign_in()
    assert thief.client.get("/calendar").status_code == 302
