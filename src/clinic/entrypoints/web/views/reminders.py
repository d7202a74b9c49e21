"""Settings → Reminders (on in one tap, then changed at leisure, with a live preview of the text
on a real upcoming visit), and the desk's list of tomorrow's visits not yet confirmed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from clinic.application.messaging.ports import VisitFacts
from clinic.application.messaging.settings import MessagingChoices
from clinic.application.scheduling.queries import AppointmentFilter
from clinic.domain.catalog import parse_price
from clinic.domain.messaging import (
    MAX_SMS_SEGMENTS,
    Channel,
    MessageKind,
    SmsBudget,
    fill_template,
    sms_length,
)
from clinic.domain.patient_messages import SAME_DAY_LEADS, MessagingSettings
from clinic.domain.shared import ValidationFailed
from clinic.domain.team import Permission
from clinic.entrypoints.http.container import container
from clinic.entrypoints.web.auth import permission_required
from clinic.entrypoints.web.messages import field_errors

bp = Blueprint("reminders", __name__)

OFFERED = (Channel.SMS, Channel.EMAIL)  # Telegram comes with the bot settings


def _clinic() -> Any:
    clinic = container().account_queries().clinic_details(current_user.clinic_id)
    if clinic is None:
        abort(404)
    return clinic


def _sample(clinic: Any) -> VisitFacts:
    """A real upcoming visit's facts for the preview (or a made-up one in an empty diary)."""
    zone = ZoneInfo(clinic.timezone)
    now = container().clock().now()
    entries = container().calendar_queries().find(current_user.clinic_id, AppointmentFilter(
        start=now, end=now + timedelta(days=14), statuses=["scheduled"]), limit=1).rows
    if entries:
        entry = entries[0]
        starts, doctor = entry.starts_at, entry.doctor_name
    else:
        starts = (now + timedelta(days=1)).astimezone(zone).replace(hour=10, minute=0)
        doctor = _("Ivanova A. P.")
    link = container().visit_links().link("Ab3dE6gH9kLm")  # as long as a real one
    return VisitFacts(clinic=clinic.name, starts=(starts,), doctors=(doctor,), link=link,
                      zone=zone)


def _form(settings: MessagingSettings) -> dict[str, Any]:
    budget = settings.sms_budget_minor
    return {"channels": [c.value for c in settings.enabled_channels()],
            "confirm_on_booking": settings.confirm_on_booking,
            "sms_budget": "" if budget is None else f"{budget // 100}" + (
                f",{budget % 100:02d}" if budget % 100 else ""),
            "day_before_at": settings.day_before_at,
            "same_day_lead_minutes": str(settings.same_day_lead_minutes),
            "quiet_from": settings.quiet_from, "quiet_to": settings.quiet_to,
            "reminder_template": settings.reminder_template or ""}


def _page(settings: MessagingSettings, form: dict[str, Any], errors: dict[str, str],
          code: int = 200) -> Any:
    clinic = _clinic()
    writer = container().message_writer()
    default = writer.default_template(MessageKind.REMINDER, clinic.locale)
    facts = _sample(clinic)
    preview = _preview(form.get("reminder_template") or default, clinic.locale, facts)
    queries = container().message_queries()
    counts = queries.status_counts(current_user.clinic_id)
    month = container().clock().now().astimezone(ZoneInfo(clinic.timezone)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0)
    spent = queries.sms_spent(current_user.clinic_id, month)
    return render_template("settings/reminders.html", settings=settings, form=form,
                           sms_gateway=bool(container().settings().smsru_api_id),
                           spent=spent, budget_reached=SmsBudget(
                               settings.sms_budget_minor, spent).reached,
                           errors=errors, default_template=default, preview=preview,
                           offered=OFFERED,
                           leads=[(str(m), _("%(n)s h before", n=m // 60))
                                  for m in SAME_DAY_LEADS], counts=counts,
                           section="reminders"), code


def _preview(template: str, locale: str, facts: VisitFacts) -> dict[str, Any]:
    values = container().message_writer().values(locale, facts)
    text = fill_template(template, values)
    length = sms_length(text)
    return {"text": text, "segments": length.segments, "units": length.units,
            "too_long": length.segments > MAX_SMS_SEGMENTS}


@bp.route("/settings/reminders", methods=["GET", "POST"])
@permission_required(Permission.SETTINGS)
def edit() -> Any:
    settings = container().message_queries().settings(current_user.clinic_id)
    if request.method == "GET":
        return _page(settings, _form(settings), {})
    text = {key: request.form.get(key, "") for key in
            ("day_before_at", "same_day_lead_minutes", "quiet_from", "quiet_to",
             "reminder_template", "sms_budget")}
    channels = request.form.getlist("channels")
    confirm_on_booking = request.form.get("confirm_on_booking") == "1"
    form: dict[str, Any] = {**text, "channels": channels,
                            "confirm_on_booking": confirm_on_booking}
    clinic = _clinic()
    default = container().message_writer().default_template(MessageKind.REMINDER,
                                                             clinic.locale)
    template = text["reminder_template"].replace("\r\n", "\n")
    lead = text["same_day_lead_minutes"]
    try:
        budget = (parse_price(text["sms_budget"], "RUB").amount_minor
                  if text["sms_budget"].strip() else None)
    except ValidationFailed as error:  # SMS.ru charges roubles, whatever the clinic's currency
        return _page(settings, form, field_errors({"sms_budget": error.errors["price"]}), 422)
    try:
        container().save_messaging_settings()(
            current_user.clinic_id, current_user.user_id, MessagingChoices(
                reminders_on=settings.reminders_on,
                confirm_on_booking=confirm_on_booking,
                channels=channels, day_before_at=text["day_before_at"],
                same_day_lead_minutes=int(lead) if lead.isdigit() else 0,
                quiet_from=text["quiet_from"], quiet_to=text["quiet_to"],
                # the standard text (or none) follows the language's wording as it improves
                reminder_template=None if template.strip() in ("", default) else template,
                sms_budget_minor=budget))
    except ValidationFailed as error:
        return _page(settings, form, field_errors(error.errors), 422)
    flash(_("Reminder settings are saved."), "success")
    return redirect(url_for("reminders.edit"))


@bp.post("/settings/reminders/switch")
@permission_required(Permission.SETTINGS)
def switch() -> Any:
    on = request.form.get("on") == "1"
    container().save_messaging_settings().switch(current_user.clinic_id,
                                                 current_user.user_id, on)
    if on:
        flash(_("Reminders are on: patients get one before each visit."), "success")
    else:
        flash(_("Reminders are off. Nothing more is sent to patients."), "info")
    return redirect((request.form.get("back") == "unconfirmed"
                    and url_for("reminders.unconfirmed")) or url_for("reminders.edit"))


@bp.post("/settings/reminders/telegram")
@permission_required(Permission.SETTINGS)
def telegram() -> Any:
    """Connect the clinic's own bot with its token from @BotFather."""
    token = request.form.get("telegram_token", "")[:200]
    try:
        name = container().connect_telegram()(current_user.clinic_id, current_user.user_id,
                                              token)
    except ValidationFailed as error:
        settings = container().message_queries().settings(current_user.clinic_id)
        return _page(settings, {**_form(settings), "telegram_token": token},
                     field_errors(error.errors), 422)
    flash(_("The bot @%(name)s is connected. Patients link it from their card.", name=name),
          "success")
    return redirect(url_for("reminders.edit"))


@bp.post("/settings/reminders/telegram/off")
@permission_required(Permission.SETTINGS)
def telegram_off() -> Any:
    container().connect_telegram().disconnect(current_user.clinic_id, current_user.user_id)
    flash(_("The bot is disconnected: nothing more goes out by Telegram."), "info")
    return redirect(url_for("reminders.edit"))


@bp.post("/settings/reminders/preview")
@permission_required(Permission.SETTINGS)
def preview() -> Any:
    """The text as a patient would get it, and its SMS length (the same rules as the send)."""
    clinic = _clinic()
    template = (request.form.get("reminder_template") or "")[:2000]
    if not template.strip():
        template = container().message_writer().default_template(MessageKind.REMINDER,
                                                                 clinic.locale)
    shown = _preview(template, clinic.locale, _sample(clinic))
    shown["length"] = _("%(units)s characters, %(segments)s SMS", units=shown["units"],
                        segments=shown["segments"])
    return jsonify(shown)


@bp.get("/calendar/unconfirmed")
@permission_required(Permission.CALENDAR)
def unconfirmed() -> Any:
    """Tomorrow's visits whose patient has not said "I will come": the desk calls them."""
    clinic = _clinic()
    zone = ZoneInfo(clinic.timezone)
    today = container().clock().now().astimezone(zone).date()
    tomorrow = today + timedelta(days=1)
    start = datetime.combine(tomorrow, datetime.min.time(), zone)
    visits = container().message_queries().to_call(current_user.clinic_id, start,
                                                   start + timedelta(days=1))
    queries = container().message_queries()
    settings = queries.settings(current_user.clinic_id)
    cancelled = queries.cancelled_by_patients(current_user.clinic_id,
                                              container().clock().now() - timedelta(days=1))
    return render_template("calendar/unconfirmed.html", visits=visits, day=tomorrow,
                           settings=settings, cancelled=cancelled, section="today")
