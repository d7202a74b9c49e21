"""CSRF, cookies, headers, rate limits, language choice and the page shell."""

from __future__ import annotations

import re

import pytest

from clinic.entrypoints.web.app import create_app
from tests.integration.conftest import Browser, make_container, make_settings
from tests.licences import grant_every_clinic


def test_a_form_without_its_csrf_token_is_refused_and_creates_nothing(client):
    response = client.post("/signup", data={"clinic_name": "Smile", "name": "Anna",
                                            "email": "anna@example.com",
                                            "password": "correct horse"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert Browser(client).sign_in().status_code == 422  # no account was made


def test_htmx_requests_may_carry_the_csrf_token_in_a_header(browser):
    browser.sign_up()
    token = browser.token("/account")
    response = browser.client.post("/signout", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 302


def test_the_session_cookie_is_http_only_and_same_site(browser):
    response = browser.sign_up()
    cookie = next(h for h in response.headers.getlist("Set-Cookie")
                  if h.startswith("chairside_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookies_when_served_over_https(sqlite_url, tmp_path):
    container = make_container(make_settings(sqlite_url, tmp_path, session_cookie_secure=True))
    app = create_app(container.settings(), container)
    browser = Browser(app.test_client(), base_url="https://localhost")
    response = browser.sign_up()
    cookie = next(h for h in response.headers.getlist("Set-Cookie")
                  if h.startswith("chairside_session="))
    assert "Secure" in cookie
    assert "max-age" in app.test_client().get("/signin", base_url="https://localhost").headers[
        "Strict-Transport-Security"]
    container.engine().dispose()


@pytest.mark.parametrize("path", ["/signup", "/signin", "/forgot", "/healthz", "/nowhere"])
def test_every_answer_carries_security_headers_and_a_strict_csp(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_or_styles(browser):
    page = browser.sign_up(follow_redirects=True).get_data(as_text=True)
    assert "<script>" not in page and " style=" not in page and "<style" not in page
    assert "onclick=" not in page


def test_pages_and_static_files_are_gzipped_for_browsers_that_ask(client):
    page = client.get("/signup", headers={"Accept-Encoding": "gzip, br"})
    assert page.headers["Content-Encoding"] == "gzip"
    css = client.get("/static/app.css", headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip"
    assert int(css.headers["Content-Length"]) < len(client.get("/static/app.css").get_data())


def test_sign_in_is_rate_limited_per_address(sqlite_url, tmp_path):
    container = make_container(make_settings(sqlite_url, tmp_path, ratelimit_enabled=True))
    browser = Browser(create_app(container.settings(), container).test_client())
    codes = [browser.sign_in(email=f"guess{i}@example.com").status_code for i in range(12)]
    assert codes[:10] == [422] * 10 and codes[10:] == [429, 429]
    assert "Too many attempts" in browser.sign_in().get_data(as_text=True)
    container.engine().dispose()


def _limited_app(sqlite_url, tmp_path):
    container = make_container(make_settings(sqlite_url, tmp_path, ratelimit_enabled=True))
    return create_app(container.settings(), container), container


def _from(app, address: str) -> Browser:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return Browser(client)


def test_wrong_passwords_from_one_address_cannot_lock_the_owner_out(sqlite_url, tmp_path):
    app, container = _limited_app(sqlite_url, tmp_path)
    _from(app, "10.0.0.1").sign_up()
    attacker = _from(app, "10.0.0.66")
    codes = [attacker.sign_in(password=f"guess {i}").status_code for i in range(12)]
    assert codes[:3] == [422] * 3 and set(codes[3:]) == {429}
    owner = _from(app, "10.0.0.1")
    assert owner.sign_in().headers["Location"].endswith("/calendar")
    container.engine().dispose()


def test_a_throttled_sign_in_keeps_the_email_and_says_how_long_to_wait(sqlite_url, tmp_path):
    app, container = _limited_app(sqlite_url, tmp_path)
    _from(app, "10.0.0.1").sign_up()
    browser = _from(app, "10.0.0.7")
    for _ in range(3):
        assert browser.sign_in(password="wrong password").status_code == 422
    refused = browser.sign_in(password="wrong password")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 61
    assert "Too many wrong passwords for this email" in page
    assert 'value="anna@example.com"' in page
    assert browser.sign_in().status_code == 429  # the right password waits too, from here
    container.engine().dispose()


def test_successful_sign_ins_do_not_count_as_wrong_ones(sqlite_url, tmp_path):
    app, container = _limited_app(sqlite_url, tmp_path)
    _from(app, "10.0.0.1").sign_up()
    for _ in range(5):
        assert _from(app, "10.0.0.2").sign_in().status_code == 302
    browser = _from(app, "10.0.0.2")
    assert [browser.sign_in(password="wrong").status_code for _ in range(3)] == [422] * 3
    container.engine().dispose()


def test_addresses_of_one_ipv6_network_share_their_wrong_passwords(sqlite_url, tmp_path):
    app, container = _limited_app(sqlite_url, tmp_path)
    _from(app, "10.0.0.1").sign_up()
    codes = [_from(app, f"2001:db8::{i + 1:x}").sign_in(password="wrong").status_code
             for i in range(5)]
    assert codes == [422, 422, 422, 429, 429]  # one /64 is one household or one server
    assert _from(app, "2001:db8:0:1::1").sign_in(password="wrong").status_code == 422
    container.engine().dispose()


def test_nobody_can_have_a_stranger_sent_dozens_of_sign_up_emails(sqlite_url, tmp_path):
    app, container = _limited_app(sqlite_url, tmp_path)
    codes = [_from(app, f"10.0.1.{i}").post("/signup", {
        "clinic_name": "Spam", "name": "Spam", "email": "zoe@example.com",
        "password": "another good one"}).status_code for i in range(6)]
    assert codes == [200] * 5 + [429]
    container.engine().dispose()


def test_rate_limits_fall_back_to_memory_when_redis_is_down(sqlite_url, tmp_path):
    container = make_container(make_settings(sqlite_url, tmp_path, ratelimit_enabled=True,
                                             redis_url="redis://127.0.0.1:1/0"))
    browser = Browser(create_app(container.settings(), container).test_client())
    codes = [browser.sign_in().status_code for _ in range(11)]
    assert 500 not in codes and codes[-1] == 429
    container.engine().dispose()


class TestLanguage:
    def test_a_russian_browser_gets_russian_and_others_english(self, client):
        ru = client.get("/signup", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
        de = client.get("/signup", headers={"Accept-Language": "de-DE,de;q=0.9"})
        assert '<html lang="ru">' in ru.get_data(as_text=True)
        assert '<html lang="en">' in de.get_data(as_text=True)

    def test_the_choice_sticks_in_a_cookie(self, browser):
        client = browser.client
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
        response = browser.post("/language", {"locale": "en", "next": "/signin"},
                                source="/signin")
        assert response.headers["Location"] == "/signin"
        assert "Sign in" in client.get("/signin").get_data(as_text=True)

    def test_the_choice_follows_the_account_to_another_device(self, app):
        laptop = Browser(app.test_client())
        laptop.sign_up()
        laptop.post("/language", {"locale": "ru", "next": "/calendar"}, source="/account")
        phone = Browser(app.test_client())
        phone.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        page = phone.sign_in(follow_redirects=True).get_data(as_text=True)
        assert '<html lang="ru">' in page and "Календарь" in page

    def test_next_never_leads_off_the_site(self, browser):
        response = browser.post("/language", {"locale": "en", "next": "https://evil.example/"},
                                source="/signin")
        assert response.headers["Location"] == "/"
        response = browser.post("/language", {"locale": "en", "next": "//evil.example/"},
                                source="/signin")
        assert response.headers["Location"] == "/"


class TestShell:
    def test_the_signed_in_shell_lists_every_section(self, browser):
        page = browser.sign_up(follow_redirects=True).get_data(as_text=True)
        for label in ("Calendar", "Patients", "Procedures", "Doctors", "Rooms", "Reports",
                      "Team", "Settings"):
            assert f"<span>{label}</span>" in page

    def test_every_section_link_leads_to_a_built_page(self, browser):
        page = browser.sign_up(follow_redirects=True).get_data(as_text=True)
        nav = re.search(r'<nav class="sidebar".*?</nav>', page, re.S).group(0)
        for path in sorted(set(re.findall(r'href="(/[a-z]+)"', nav))):
            response = browser.client.get(path)
            assert response.status_code == 200, path
        reports = browser.client.get("/reports").get_data(as_text=True)
        assert 'data-figure="revenue"' in reports  # no longer a placeholder

    @pytest.mark.parametrize("path", ["/calendar", "/patients", "/more", "/account", "/rooms",
                                      "/doctors", "/procedures", "/settings", "/patients/new",
                                      "/reports", "/reports/download.csv"])
    def test_pages_need_a_signed_in_person(self, client, path):
        response = client.get(path)
        assert response.status_code == 302 and "/signin" in response.headers["Location"]

    def test_the_root_sends_visitors_to_sign_up_and_members_to_the_calendar(self, browser):
        assert browser.client.get("/").headers["Location"].endswith("/signup")
        browser.sign_up()
        assert browser.client.get("/").headers["Location"].endswith("/calendar")


def test_static_files_never_carry_the_session_cookie(browser):
    browser.sign_up()
    response = browser.client.get("/static/app.css")
    assert response.status_code == 200 and not response.headers.getlist("Set-Cookie")
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_invitations_and_invitation_links_are_rate_limited(sqlite_url, tmp_path):
    container = make_container(make_settings(sqlite_url, tmp_path, ratelimit_enabled=True))
    browser = Browser(create_app(container.settings(), container).test_client())
    browser.sign_up()
    grant_every_clinic(container, seats=20)
    codes = [browser.post("/team/invite", {"email": f"p{i}@example.com", "role": "staff"},
                          source="/team").status_code for i in range(11)]
    assert codes[:10] == [302] * 10 and codes[10] == 429
    with container.engine().connect() as conn:
        from sqlalchemy import func, select

        from clinic.adapters.sqlalchemy import tables

        assert conn.execute(select(func.count()).select_from(tables.invitations)).scalar() == 10
    guesses = [browser.post(f"/invite/guess{i}", {"password": "x"}, source="/account"
                            ).status_code for i in range(11)]
    assert guesses[:10] == [404] * 10 and guesses[10] == 429
    container.engine().dispose()
