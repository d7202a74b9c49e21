"""The signed-in pages: the calendar, the sections later issues fill, the account page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from clinic.entrypoints.web.auth import clinic_required

bp = Blueprint("pages", __name__)

# (endpoint name, label, icon, only for owner and admin)
SECTIONS = [
    ("calendar", _l("Calendar"), "calendar", False),
    ("patients", _l("Patients"), "people", False),
    ("procedures", _l("Procedures"), "list", False),
    ("doctors", _l("Doctors"), "doctor", False),
    ("rooms", _l("Rooms"), "door", False),
    ("reports", _l("Reports"), "chart", True),
    ("team", _l("Team"), "team", True),
    ("settings", _l("Settings"), "gear", True),
]
PHONE_TABS = ("calendar", "patients", "reports")

COMING = {
    "reports": _l("Revenue, number of visits and the average visit value will live here."),
    "team": _l("Here you will invite colleagues by email and choose what they may do."),
}
SECTION_ENDPOINTS: dict[str, tuple[str, dict[str, Any]]] = {
    "calendar": ("calendar.week", {}),
    "patients": ("patients.index", {}),
    "procedures": ("records.index", {"kind": "procedures"}),
    "doctors": ("records.index", {"kind": "doctors"}),
    "rooms": ("records.index", {"kind": "rooms"}),
    "reports": ("pages.section", {"section": "reports"}),
    "team": ("pages.section", {"section": "team"}),
    "settings": ("clinic_settings.edit", {}),
}


def section_url(key: str) -> str:
    endpoint, values = SECTION_ENDPOINTS[key]
    return url_for(endpoint, **values)


def visible_sections() -> list[tuple[str, Any, str, bool]]:
    manager = current_user.is_authenticated and current_user.is_manager
    return [s for s in SECTIONS if manager or not s[3]]


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    return {"nav_sections": visible_sections, "phone_tabs": PHONE_TABS,
            "section_url": section_url}


@bp.get("/")
def home() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("calendar.week"))
    return redirect(url_for("auth.sign_up"))


@bp.get("/<any(reports, team):section>")
@clinic_required
def section(section: str) -> Any:
    entry = next((s for s in visible_sections() if s[0] == section), None)
    if entry is None:
        abort(403)
    return render_template("sections/coming.html", section=section, title=entry[1],
                           text=COMING[section])


@bp.get("/more")
@clinic_required
def more() -> Any:
    return render_template("sections/more.html", section="more")


@bp.get("/account")
@clinic_required
def account() -> Any:
    return render_template("sections/account.html", section="account")
