"""Every page and action of the web app, walked as staff, admin and owner: what a role may not
use answers 403 and changes nothing; what it may use never answers 403. A new route that is not
in the table below fails this test until someone decides who may use it."""

from __future__ import annotations

import itertools
import re

import pytest
from sqlalchemy import select
from werkzeug.routing import UUIDConverter

from clinic.adapters.sqlalchemy import tables
from tests.integration.conftest import Browser, csrf_of
from tests.integration.test_tenant_isolation import ARGUMENT_KINDS, _clinic_a_ids
from tests.licences import grant_licence

EVERYONE = {"staff", "admin", "owner"}
MANAGERS = {"admin", "owner"}
OWNER = {"owner"}
PUBLIC = None  # no clinic needed: sign-in pages, health, language, static, invitation links

# endpoint -> who may use it
ROLES: dict[str, set[str] | None] = {
    "calendar.week": EVERYONE, "calendar.go": EVERYONE, "calendar.version": EVERYONE,
    "booking.new": EVERYONE, "booking.create": EVERYONE, "booking.patient_options": EVERYONE,
    "appointments.show": EVERYONE, "appointments.change_status": EVERYONE,
    "appointments.move": EVERYONE, "appointments.edit": EVERYONE,
    "today.index": EVERYONE, "today.change_status": EVERYONE,
    "patients.index": EVERYONE, "patients.show": EVERYONE, "patients.save": EVERYONE,
    "records.index": EVERYONE, "records.save": MANAGERS, "records.set_archived": MANAGERS,
    "doctor_photos.show": EVERYONE, "doctor_photos.upload": MANAGERS,
    "doctor_photos.remove": MANAGERS,
    "clinic_settings.edit": MANAGERS,
    "reports.index": MANAGERS, "reports.download_csv": MANAGERS,
    "reports.download_xlsx": MANAGERS,
    "api_keys.index": MANAGERS, "api_keys.revoke": MANAGERS,
    "billing.index": OWNER, "billing.change_plan": OWNER, "billing.test_checkout": OWNER,
    "billing.manage_card": OWNER,
    "partner.index": MANAGERS,
    "audit_log.index": MANAGERS,
    "patients.erase": MANAGERS,
    "team.index": MANAGERS, "team.invite": MANAGERS, "team.invitation": MANAGERS,
    "team.change_role": MANAGERS, "team.link_doctor": MANAGERS, "team.remove": MANAGERS,
    "team.ownership": OWNER,
    "pages.account": EVERYONE, "pages.more": EVERYONE, "pages.clinics": EVERYONE,
    "pages.choose_clinic": EVERYONE,
    "pages.home": PUBLIC, "static": PUBLIC, "health.healthz": PUBLIC,
    "health.readyz": PUBLIC, "language.choose": PUBLIC, "invitations.open_link": PUBLIC,
    "reminders.edit": MANAGERS, "reminders.switch": MANAGERS, "reminders.preview": MANAGERS,
    "reminders.unconfirmed": EVERYONE,
    "visit_answer.page": PUBLIC,
    "telegram_webhook.receive": PUBLIC,  # Telegram's secret header, not a session
    "reminders.telegram": MANAGERS, "reminders.telegram_off": MANAGERS,
    "patients.telegram": EVERYONE,  # the reminder's signed link: no session, one visit only
    "stripe_webhooks.receive": PUBLIC,  # authenticated by Stripe's signature, not a session
}
WRITTEN = (tables.rooms, tables.doctors, tables.procedures, tables.patients, tables.memberships,
           tables.appointments, tables.invitations, tables.clinics, tables.api_tokens)


def _snapshot(engine) -> dict[str, list]:
    with engine.connect() as conn:
        return {t.name: sorted(map(str, conn.execute(select(t)).all())) for t in WRITTEN}


def _join(app, web_container, clinic_id, owner_id, email: str, role: str) -> Browser:
    links: list[str] = []
    web_container.invite_member()(clinic_id, owner_id, email, role,
                                  lambda token: links.append(token) or token)
    web_container.accept_invitation()(links[0], name=role.title(), password="correct horse")
    browser = Browser(app.test_client())
    browser.sign_in(email)
    return browser


@pytest.fixture
def people(app, web_container):
    owner = Browser(app.test_client())
    owner.sign_up()
    clinic_id = web_container.account_queries().tenants()[0].id
    owner_id = web_container.team_queries().members(clinic_id)[0].user_id
    ids = _clinic_a_ids(web_container, clinic_id)
    grant_licence(web_container, clinic_id, seats=5)  # the licence is not this test's subject
    return {"owner": owner,
            "admin": _join(app, web_container, clinic_id, owner_id, "adam@example.com", "admin"),
            "staff": _join(app, web_container, clinic_id, owner_id, "sam@example.com", "staff"),
            }, ids


def _routes(app, ids):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            continue  # the API has its own walk (test_api_roles.py)
        if rule.endpoint.startswith("auth."):
            continue  # signing in and out, before there is a role
        assert rule.endpoint in ROLES, f"{rule.endpoint} ({rule.rule}): who may use it?"
        if ROLES[rule.endpoint] is PUBLIC:
            continue
        # `any(...)` rules are walked for each choice; a plain string argument gets a word
        choices = {a: list(getattr(c, "items", None) or ["anything"])
                   for a, c in rule._converters.items() if not isinstance(c, UUIDConverter)}
        for combo in itertools.product(*choices.values()):
            values = dict(zip(choices, combo, strict=True))
            for arg, converter in rule._converters.items():
                if isinstance(converter, UUIDConverter):
                    values[arg] = ids[ARGUMENT_KINDS.get(arg) or values["kind"]]
            url = rule.build(values, append_unknown=False)[1]
            for method in sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, url, method


def test_every_page_and_action_checks_the_role(app, web_container, people):
    browsers, ids = people
    engine = web_container.engine()
    for role in ("staff", "admin"):  # the owner is walked last: their actions change roles
        browser = browsers[role]
        token = csrf_of(browser.client.get("/account").get_data(as_text=True))
        for endpoint, url, method in _routes(app, ids):
            allowed = role in ROLES[endpoint]
            if method == "POST" and allowed:
                continue  # allowed writes are the other tests' business; here: no 403
            before = _snapshot(engine) if not allowed else None
            response = browser.client.open(url, method=method, data={"csrf_token": token})
            if allowed:
                assert response.status_code != 403, f"{role} {method} {url} -> 403"
            else:
                assert response.status_code == 403, f"{role} {method} {url} -> " \
                                                     f"{response.status_code}"
                assert _snapshot(engine) == before, f"{role} {method} {url} wrote something"


def test_each_role_sees_only_the_sections_it_may_use(people):
    browsers, _ids = people
    links = {}
    for role, browser in browsers.items():
        html = browser.client.get("/calendar").get_data(as_text=True)
        nav = re.search(r'<nav class="sidebar".*?</nav>', html, re.S).group(0)
        links[role] = set(re.findall(r'href="(/[a-z]+)', nav))
    assert {"/reports", "/team", "/settings"} <= links["owner"]
    assert {"/reports", "/team", "/settings"} <= links["admin"]
    assert not {"/reports", "/team", "/settings"} & links["staff"]
    assert {"/calendar", "/patients", "/procedures", "/doctors", "/rooms"} <= links["staff"]
    rooms = browsers["staff"].client.get("/rooms").get_data(as_text=True)
    assert "/rooms/new" not in rooms and "Edit" not in rooms  # the catalog is read-only
    assert "/rooms/new" in browsers["admin"].client.get("/rooms").get_data(as_text=True)
