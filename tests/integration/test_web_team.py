"""The team pages through HTTP: inviting (with what was typed kept on a mistake), the
invitation link in each of its states, removing a person, handing over ownership, choosing
between clinics, and API keys made by a person that stop when the person leaves."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from dependency_injector import providers
from sqlalchemy import func, select

from clinic.adapters.sqlalchemy import tables
from tests.integration.conftest import Browser
from tests.licences import grant_every_clinic
from tests.unit.fakes import FakeClock


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def owner(app, web_container):
    browser = Browser(app.test_client())
    browser.sign_up()
    grant_every_clinic(web_container, seats=5)  # the licence is test_licence_limits.py's
    return browser


def _invite(owner, email: str, role: str = "staff"):
    return owner.post("/team/invite", {"email": email, "role": role}, source="/team")


def _link(web_container, email: str) -> str:
    with web_container.engine().connect() as conn:
        text = conn.execute(select(tables.outbox.c.text).where(
            tables.outbox.c.recipient == email).order_by(tables.outbox.c.created_at.desc())
        ).scalars().first()
    return re.search(r"http://localhost(/invite/\S+)", text).group(1)


def test_a_wrong_invitation_keeps_what_was_typed_and_says_why(owner, web_container):
    bad = _invite(owner, "olga@", "admin")
    html = _text(bad)
    assert bad.status_code == 422
    assert 'value="olga@"' in html and "does not look like an email" in html
    assert re.search(r'value="admin"\s+checked', html)
    assert _invite(owner, "anna@example.com").status_code == 422  # the owner is in already
    assert _invite(owner, "olga@example.com").status_code == 302
    again = _invite(owner, "OLGA@example.com")
    assert again.status_code == 422 and "already invited" in _text(again)
    with web_container.engine().connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.invitations)).scalar() == 1


def test_a_new_person_joins_through_the_link_and_lands_in_the_calendar(app, owner,
                                                                      web_container):
    _invite(owner, "olga@example.com")
    link = _link(web_container, "olga@example.com")
    olga = Browser(app.test_client())
    page = olga.client.get(link)
    assert page.status_code == 200 and "Join Smile" in _text(page)
    short = olga.post(link, {"name": "Olga", "password": "short"})
    assert short.status_code == 422 and 'value="Olga"' in _text(short)
    joined = olga.post(link, {"name": "Olga", "password": "correct horse"})
    assert joined.status_code == 302 and joined.headers["Location"].endswith("/calendar")
    assert olga.client.get("/calendar").status_code == 200
    assert olga.client.get("/team").status_code == 403  # staff
    used = Browser(app.test_client()).client.get(link)
    assert used.status_code == 410 and "used already" in _text(used)
    assert Browser(app.test_client()).client.get("/invite/nonsense").status_code == 404


def test_someone_signed_in_as_another_person_is_told_to_sign_out(app, owner, web_container):
    _invite(owner, "olga@example.com")
    link = _link(web_container, "olga@example.com")
    page = owner.client.get(link)  # the owner opens the colleague's link by mistake
    assert page.status_code == 409
    assert "but you are signed in as anna@example.com" in _text(page)
    assert owner.post(link, {}, source=link).status_code == 409  # no join as the wrong person
    with web_container.engine().connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.memberships)).scalar() == 1


def test_a_person_with_two_clinics_picks_one_and_can_switch(app, owner, web_container):
    other = Browser(app.test_client())
    other.sign_up(email="boris@example.com", clinic="Dent")
    grant_every_clinic(web_container, seats=5)
    other.post("/team/invite", {"email": "anna@example.com", "role": "admin"}, source="/team")
    link = _link(web_container, "anna@example.com")
    assert owner.post(link, {}, source=link).status_code == 302  # Anna joins Dent as herself
    anna = Browser(app.test_client())
    signed_in = anna.sign_in()
    assert signed_in.headers["Location"].endswith("/clinics")
    choices = _text(anna.client.get("/clinics"))
    assert "Smile" in choices and "Dent" in choices
    dent = next(c for c in web_container.account_queries().tenants() if c.name == "Dent")
    anna.post(f"/clinics/{dent.id}", {}, source="/clinics")
    assert "Dent" in _text(anna.client.get("/calendar"))
    assert "Switch clinic" in _text(anna.client.get("/calendar"))


def test_removing_a_person_ends_their_session_and_their_api_keys(app, owner, web_container):
    _invite(owner, "olga@example.com", "admin")
    link = _link(web_container, "olga@example.com")
    olga = Browser(app.test_client())
    olga.post(link, {"name": "Olga", "password": "correct horse"})
    made = olga.post("/settings/api-keys", {"name": "website"}, source="/settings/api-keys")
    secret = re.search(r'<code class="secret">(chs_[^<]+)</code>', _text(made)).group(1)
    api = {"Authorization": f"Bearer {secret}"}
    assert olga.client.get("/api/v1/rooms", headers=api).status_code == 200
    olga_id = next(m.user_id for m in web_container.team_queries().members(
        web_container.account_queries().tenants()[0].id) if m.email == "olga@example.com")
    question = owner.client.get(f"/team/members/{olga_id}/remove")
    assert "Remove Olga from the clinic?" in _text(question)
    owner.post(f"/team/members/{olga_id}/remove", {}, source="/team")
    assert olga.client.get("/calendar").headers["Location"].startswith("/signin")
    assert olga.client.get("/api/v1/rooms", headers=api).status_code == 401
    assert "Access closed: Olga" in _text(owner.client.get("/team"))


def test_ownership_is_handed_over_only_with_the_password(app, owner, web_container):
    _invite(owner, "olga@example.com", "admin")
    link = _link(web_container, "olga@example.com")
    Browser(app.test_client()).post(link, {"name": "Olga", "password": "correct horse"})
    clinic_id = web_container.account_queries().tenants()[0].id
    olga_id = next(m.user_id for m in web_container.team_queries().members(clinic_id)
                   if m.email == "olga@example.com")
    wrong = owner.post("/team/ownership", {"new_owner_id": str(olga_id), "password": "nope"})
    assert wrong.status_code == 422 and "not the password" in _text(wrong)
    done = owner.post("/team/ownership", {"new_owner_id": str(olga_id),
                                          "password": "correct horse"})
    assert done.status_code == 302
    roles = {m.email: m.role for m in web_container.team_queries().members(clinic_id)}
    assert roles == {"olga@example.com": "owner", "anna@example.com": "admin"}
    assert owner.client.get("/team/ownership").status_code == 403  # Anna is an admin now


def test_an_api_key_is_shown_once_and_can_be_revoked(owner):
    made = owner.post("/settings/api-keys", {"name": "website"}, source="/settings/api-keys")
    secret = re.search(r'<code class="secret">(chs_[^<]+)</code>', _text(made)).group(1)
    listing = _text(owner.client.get("/settings/api-keys"))
    assert secret not in listing and "website" in listing and "Anna Petrova" in listing
    api = {"Authorization": f"Bearer {secret}"}
    assert owner.client.get("/api/v1/members", headers=api).status_code == 200
    token_id = re.search(r'/settings/api-keys/([0-9a-f-]{36})/revoke', listing).group(1)
    owner.post(f"/settings/api-keys/{token_id}/revoke", {}, source="/settings/api-keys")
    assert owner.client.get("/api/v1/members", headers=api).status_code == 401
    empty = owner.post("/settings/api-keys", {"name": " "}, source="/settings/api-keys")
    assert empty.status_code == 422


def test_an_invitation_leaves_the_pending_list_when_the_containers_clock_passes_its_end(
        owner, web_container):
    clock = FakeClock(datetime.now(UTC))
    web_container.clock.override(providers.Object(clock))
    _invite(owner, "bob@example.com")
    assert "link valid until" in _text(owner.client.get("/team"))
    clock.advance(hours=72, minutes=1)  # INVITATION_TTL is 72 hours
    assert "link valid until" not in _text(owner.client.get("/team"))
