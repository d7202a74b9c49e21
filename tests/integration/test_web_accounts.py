"""Sign-up, sign-in, sign-out and password reset through the Flask app, as a browser sends them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from clinic.application.outbox.message import OutboxMessage
from clinic.application.ports import ANY_CLINIC
from clinic.entrypoints.web.app import create_app
from tests.integration.conftest import Browser


@pytest.fixture
def any_db_app(container):
    """The app on each database the `container` fixture is parametrised over."""
    return create_app(container.settings(), container)


def _outbox(container) -> list[OutboxMessage]:
    with container.uow(ANY_CLINIC) as uow:
        return list(uow.session.scalars(select(OutboxMessage)).all())


def _resets(container) -> list[OutboxMessage]:
    """The password-reset emails (sign-up sends its own link first)."""
    return [m for m in _outbox(container) if "/reset/" in m.text]


def _reset_link(container) -> str:
    (message,) = _resets(container)
    return re.search(r"http://localhost(/reset/\S+)", message.text).group(1)


def test_signing_up_lands_on_the_calendar_signed_in(browser):
    response = browser.sign_up(follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.request.path == "/calendar"
    assert "Smile" in page and "Anna Petrova" in page
    assert "Welcome! Your clinic is ready." in page


def test_wrong_fields_come_back_with_what_was_typed_and_a_message_by_each(browser):
    response = browser.sign_up(email="anna@", password="short", clinic="Smile ", name="")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Smile "' in page and 'value="anna@"' in page
    assert 'id="f-name-error"' in page and "Please fill this in." in page
    assert 'id="f-email-error"' in page and "does not look like an email" in page
    assert 'id="f-password-error"' in page and "at least 8 characters" in page
    assert 'id="f-clinic_name-error"' not in page
    assert browser.client.get("/calendar").status_code == 302  # nobody signed in


def test_messages_are_in_the_browsers_language(client):
    browser = Browser(client)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru-RU,ru;q=0.9,en;q=0.8"
    page = browser.sign_up(email="bad").get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert "Это не похоже на адрес почты" in page and "Создайте свою клинику" in page


def _form(email: str, clinic: str = "Second") -> dict[str, str]:
    return {"clinic_name": clinic, "name": "Anna Petrova", "email": email,
            "password": "another good one", "timezone": "Europe/Moscow"}


def test_sign_up_answers_alike_for_a_new_and_a_taken_email(app, web_container):
    Browser(app.test_client()).sign_up()
    visitor = Browser(app.test_client())
    taken = visitor.post("/signup", _form("ANNA@example.com"))
    new = visitor.post("/signup", _form("zoe@example.com"))
    assert taken.status_code == new.status_code == 200
    assert (taken.get_data(as_text=True).replace("ANNA@example.com", "X")
            == new.get_data(as_text=True).replace("zoe@example.com", "X"))
    notice, opening = (m for m in _outbox(web_container) if m.to != "anna@example.com"
                       or "already has an account" in m.text)
    assert notice.to == "anna@example.com" and "already has an account" in notice.text
    assert "http://localhost/signin" in notice.text and "http://localhost/forgot" in notice.text
    assert opening.to == "zoe@example.com" and "http://localhost/signup/open/" in opening.text
    with web_container.uow(ANY_CLINIC) as uow:  # nothing is made before the link is opened
        assert uow.users.get_by_email("zoe@example.com") is None


def test_the_emailed_link_opens_the_clinic_once(app, web_container):
    browser = Browser(app.test_client())
    browser.post("/signup", _form("zoe@example.com", clinic="Zoe Dental"))
    link = browser.emailed_link("zoe@example.com", "/signup/open/")
    page = browser.client.get(link)
    assert page.status_code == 200 and "Zoe Dental" in page.get_data(as_text=True)
    assert browser.client.get("/calendar").status_code == 302  # a GET opens nothing
    opened = browser.post(link, {})
    assert opened.headers["Location"].endswith("/calendar")
    assert "Zoe Dental" in browser.client.get("/calendar").get_data(as_text=True)
    assert Browser(app.test_client()).client.get(link).status_code == 410
    assert Browser(app.test_client()).sign_in("zoe@example.com", "another good one"
                                              ).status_code == 302


def test_a_clinics_own_promo_code_does_not_tell_that_the_email_owns_it(app, web_container):
    owner = Browser(app.test_client())
    owner.sign_up()
    code = web_container.referral_queries().overview(
        web_container.account_queries().tenants()[0].id).promo_code
    visitor = Browser(app.test_client())
    own = visitor.post("/signup", {**_form("anna@example.com"), "promo_code": code})
    other = visitor.post("/signup", {**_form("zoe@example.com"), "promo_code": code})
    assert own.status_code == other.status_code == 200


def test_a_double_click_on_the_open_button_opens_one_clinic_and_no_error(any_db_app,
                                                                         container):
    import threading

    browsers = [Browser(any_db_app.test_client()) for _ in range(4)]
    browsers[0].post("/signup", _form("zoe@example.com"))
    link = browsers[0].emailed_link("zoe@example.com", "/signup/open/")
    tokens = [browser.token(link) for browser in browsers]
    answers: list[int] = []

    def press(browser, token):
        answers.append(browser.client.post(link, data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=press, args=pair)
               for pair in zip(browsers, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [302, 410, 410, 410]
    with container.uow(ANY_CLINIC) as uow:
        user = uow.users.get_by_email("zoe@example.com")
        assert len(uow.memberships.for_user(user.id)) == 1


def test_two_links_for_one_email_open_one_clinic(app, web_container):
    first, second = Browser(app.test_client()), Browser(app.test_client())
    first.post("/signup", _form("zoe@example.com", clinic="First"))
    link_one = first.emailed_link("zoe@example.com", "/signup/open/")
    second.post("/signup", _form("zoe@example.com", clinic="Second"))
    link_two = second.emailed_link("zoe@example.com", "/signup/open/")
    assert link_one != link_two
    assert first.post(link_one, {}).headers["Location"].endswith("/calendar")
    refused = second.post(link_two, {})
    assert refused.headers["Location"].endswith("/signin")
    with web_container.uow(ANY_CLINIC) as uow:
        assert len(uow.memberships.for_user(uow.users.get_by_email("zoe@example.com").id)) == 1


def test_sign_out_then_sign_in_again(browser):
    browser.sign_up()
    assert browser.sign_out().headers["Location"].endswith("/signin")
    assert browser.client.get("/calendar").status_code == 302
    response = browser.sign_in(password="wrong password")
    assert response.status_code == 422
    assert "The email or the password is wrong" in response.get_data(as_text=True)
    assert browser.sign_in().headers["Location"].endswith("/calendar")
    assert browser.client.get("/calendar").status_code == 200


def test_signing_out_everywhere_ends_sessions_on_other_devices(app):
    phone, laptop = Browser(app.test_client()), Browser(app.test_client())
    phone.sign_up()
    laptop.sign_in()
    assert laptop.client.get("/calendar").status_code == 200
    phone.post("/signout-everywhere", {}, source="/account")
    assert laptop.client.get("/calendar").status_code == 302
    assert phone.client.get("/calendar").status_code == 302
    laptop.sign_in()
    assert laptop.client.get("/calendar").status_code == 200


def test_a_password_reset_link_works_once_and_ends_other_sessions(app, web_container):
    laptop = Browser(app.test_client())
    laptop.sign_up()
    phone = Browser(app.test_client())
    answer = phone.post("/forgot", {"email": "anna@example.com"}).get_data(as_text=True)
    assert "Check your email" in answer
    link = _reset_link(web_container)
    assert phone.client.get(link).status_code == 200
    response = phone.post(link, {"password": "a new password"}, source=link)
    assert response.headers["Location"].endswith("/calendar")
    assert laptop.client.get("/calendar").status_code == 302  # the old session ended
    assert phone.client.get(link).status_code == 410
    assert Browser(app.test_client()).sign_in(password="a new password").status_code == 302


def test_the_reset_answer_is_the_same_for_unknown_emails(browser, web_container):
    browser.sign_up()
    browser.sign_out()
    known = browser.post("/forgot", {"email": "anna@example.com"}).get_data(as_text=True)
    unknown = browser.post("/forgot", {"email": "zoe@example.com"}).get_data(as_text=True)
    strip = lambda page: re.sub(r'value="[^"]+"|anna@example.com|zoe@example.com', "", page)  # noqa: E731
    assert strip(known) == strip(unknown)
    assert [m.to for m in _resets(web_container)] == ["anna@example.com"]


def test_a_short_new_password_keeps_the_link_usable(browser, web_container):
    browser.sign_up()
    browser.sign_out()
    browser.post("/forgot", {"email": "anna@example.com"})
    link = _reset_link(web_container)
    response = browser.post(link, {"password": "short"}, source=link)
    assert response.status_code == 422 and 'id="f-password-error"' in response.get_data(True)
    assert browser.client.get(link).status_code == 200


def test_the_reset_email_goes_out_in_the_users_language(client, web_container):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    browser = Browser(client)
    browser.sign_up()
    browser.sign_out()
    browser.post("/forgot", {"email": "anna@example.com"})
    (message,) = _resets(web_container)
    assert message.subject == "Новый пароль для Chairside"
    assert "Здравствуйте, Anna Petrova!" in message.text and message.sent_at is not None


def test_an_unknown_reset_link_says_so_kindly(client):
    response = client.get("/reset/not-a-real-token")
    assert response.status_code == 410
    assert "This link no longer works" in response.get_data(as_text=True)
