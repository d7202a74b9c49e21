"""The clinic's settings: name, time zone, currency, country, working days and hours, language."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from babel import Locale
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from clinic.application.accounts.clinic_settings import COUNTRIES, CURRENCIES, ClinicSettings
from clinic.domain.accounts import BOOKING_STEPS
from clinic.domain.shared import ValidationFailed
from clinic.domain.team import Permission
from clinic.entrypoints.http.container import container
from clinic.entrypoints.web.auth import permission_required
from clinic.entrypoints.web.i18n import LANGUAGES, current_language
from clinic.entrypoints.web.messages import field_errors

bp = Blueprint("clinic_settings", __name__)
_TIMEZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


def _choices() -> dict[str, Any]:
    locale = Locale.parse(current_language())
    return {
        "timezones": _TIMEZONES,
        "currencies": [(c, f"{c} — {locale.currencies.get(c, c)}") for c in CURRENCIES],
        "countries": sorted(((c, locale.territories.get(c, c)) for c in COUNTRIES),
                            key=lambda pair: pair[1]),
        "weekdays": [(i + 1, locale.days["format"]["wide"][i]) for i in range(7)],
        "languages": LANGUAGES,
        "booking_steps": BOOKING_STEPS,
    }


@bp.route("/settings", methods=["GET", "POST"])
@permission_required(Permission.SETTINGS)
def edit() -> Any:
    clinic = container().account_queries().clinic_details(current_user.clinic_id)
    if clinic is None:
        abort(404)
    if request.method == "GET":
        current: dict[str, Any] = {
                "name": clinic.name, "timezone": clinic.timezone, "currency": clinic.currency,
                "country": clinic.country, "locale": clinic.locale,
                "working_days": clinic.working_days, "opens_at": clinic.opens_at,
                "closes_at": clinic.closes_at,
                "booking_step_minutes": clinic.booking_step_minutes}
        return render_template("settings/edit.html", form=current, errors={}, section="settings",
                               **_choices())
    days = [int(d) for d in request.form.getlist("working_days") if d.isdigit()]
    form = {key: request.form.get(key, "") for key in
            ("name", "timezone", "currency", "country", "locale", "opens_at", "closes_at")}
    # a form from before the setting existed keeps the clinic's step
    step = request.form.get("booking_step_minutes") or str(clinic.booking_step_minutes)
    try:
        container().update_clinic_settings()(current_user.clinic_id, current_user.user_id,
                                             ClinicSettings(working_days=days, **form,
                                                            booking_step_minutes=int(step)
                                                            if step.isdigit() else 0))
    except ValidationFailed as error:
        return render_template("settings/edit.html",
                               form={**form, "working_days": days,
                                     "booking_step_minutes": step},
                               errors=field_errors(error.errors), section="settings",
                               **_choices()), 422
    flash(_("The clinic's settings are saved."), "success")
    return redirect(url_for("clinic_settings.edit"))
