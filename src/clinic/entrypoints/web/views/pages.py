"""The signed-in shell: the sections and their links, the home redirect, More, the account
page and the choice of clinic."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from clinic.domain.team import Permission
from clinic.entrypoints.http.container import container
from clinic.entrypoints.web.auth import clinic_required, home_url, switch_clinic
from clinic.entrypoints.web.views.team import ROLE_NAMES

bp = Blueprint("pages", __name__)

# (endpoint name, label, icon, what the role must allow to see it)
SECTIONS = [
    ("today", _l("Today"), "clock", Permission.CALENDAR),
    ("calendar", _l("Calendar"), "calendar", Permission.CALENDAR),
    ("patients", _l("Patients"), "people", Permission.PATIENTS),
    ("procedures", _l("Procedures"), "list", Permission.CATALOG_READ),
    ("doctors", _l("Doctors"), "doctor", Permission.CATALOG_READ),
    ("rooms", _l("Rooms"), "door", Permission.CATALOG_READ),
    ("reports", _l("Reports"), "chart", Permission.REPORTS),
    ("reminders", _l("Reminders"), "bell", Permission.SETTINGS),
    ("team", _l("Team"), "team", Permission.PEOPLE),
    ("settings", _l("Settings"), "gear", Permission.SETTINGS),
    ("billing", _l("Billing"), "card", Permission.BILLING),
    ("partner", _l("Partner program"), "gift", Permission.PARTNER),
]
# "Today" comes first on a phone: the desk's list of the day is the phone's starting point.
PHONE_TABS = ("today", "calendar", "patients", "reports")

SECTION_ENDPOINTS: dict[str, tuple[str, dict[str, Any]]] = {
    "today": ("today.index", {}),
    "calendar": ("calendar.week", {}),
    "patients": ("patients.index", {}),
    "procedures": ("records.index", {"kind": "procedures"}),
    "doctors": ("records.index", {"kind": "doctors"}),
    "rooms": ("records.index", {"kind": "rooms"}),
    "reports": ("reports.index", {}),
    "reminders": ("reminders.edit", {}),
    "team": ("team.index", {}),
    "settings": ("clinic_settings.edit", {}),
    "billing": ("billing.index", {}),
    "partner": ("partner.index", {}),
}


def section_url(key: str) -> str:
    endpoint, values = SECTION_ENDPOINTS[key]
    return url_for(endpoint, **values)


def visible_sections() -> list[tuple[str, Any, str, Permission]]:
    if not current_user.is_authenticated:
        return []
    return [s for s in SECTIONS if current_user.can(s[3])]


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    return {"nav_sections": visible_sections, "phone_tabs": PHONE_TABS,
            "section_url": section_url}


@bp.get("/")
def home() -> Any:
    if current_user.is_authenticated:
        return redirect(home_url())
    return redirect(url_for("auth.sign_up"))


@bp.get("/more")
@clinic_required
def more() -> Any:
    return render_template("sections/more.html", section="more")


@bp.get("/account")
@clinic_required
def account() -> Any:
    return render_template("sections/account.html", section="account")


@bp.get("/clinics")
@login_required
def clinics() -> Any:
    """Pick the clinic to work in, for a person who belongs to several."""
    choices = container().team_queries().clinics_of(current_user.user_id)
    return render_template("sections/clinics.html", section="account", choices=choices,
                           role_names=ROLE_NAMES)


@bp.post("/clinics/<uuid:clinic_id>")
@login_required
def choose_clinic(clinic_id: uuid.UUID) -> Any:
    if not switch_clinic(clinic_id):
        abort(404)
    return redirect(home_url())
