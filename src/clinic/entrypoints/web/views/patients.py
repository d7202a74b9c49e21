"""Patients: the searchable list, the card, adding and changing a card."""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from clinic.application.patients.queries import PatientSearch
from clinic.application.patients.save import REFUSALS, Messaging, PatientFields
from clinic.domain.patients import DuplicatePhone
from clinic.domain.reporting import coming, spent_minor
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import Permission
from clinic.entrypoints.http.container import container
from clinic.entrypoints.web.auth import permission_required
from clinic.entrypoints.web.input_rules import page_arg
from clinic.entrypoints.web.message_log import log_words
from clinic.entrypoints.web.messages import field_errors
from clinic.entrypoints.web.views.audit_log import ACTION_NAMES, card_history
from clinic.entrypoints.web.views.partner import qr_svg

bp = Blueprint("patients", __name__)
FIELDS = ("name", "phone", "email", "note")
# the form's refusal boxes, and where the card keeps the day each was said
PAGE_SIZE = 25


@bp.get("/patients")
@permission_required(Permission.PATIENTS)
def index() -> Any:
    query = request.args.get("q", "").strip()[:100]
    page, offset = page_arg(PAGE_SIZE)
    found = container().patient_queries().find(current_user.clinic_id, query,
                                                offset=offset, limit=PAGE_SIZE)
    template = "patients/_results.html" if request.headers.get("HX-Request") else \
        "patients/index.html"
    return render_template(template, found=found, query=query, page=page, section="patients",
                           pages=max(1, -(-found.total // PAGE_SIZE)),
                           too_short=bool(query) and PatientSearch.of(query).empty)


def _get(patient_id: uuid.UUID) -> Any:
    patient = container().patient_queries().card(current_user.clinic_id, patient_id)
    if patient is None:
        abort(404)
    return patient


@bp.get("/patients/<uuid:patient_id>")
@permission_required(Permission.PATIENTS)
def show(patient_id: uuid.UUID) -> Any:
    patient = container().open_patient_card()(current_user.clinic_id, current_user.user_id,
                                              patient_id)
    if patient is None:
        abort(404)
    visits = container().calendar_queries().patient_visits(current_user.clinic_id, patient_id)
    now = container().clock().now()
    upcoming = [v for v in reversed(visits) if coming(v, now)]
    past = [v for v in visits if not coming(v, now)]
    spent = spent_minor(visits, now)
    currency = visits[0].currency if visits else current_user.clinic_currency
    return render_template("patients/show.html", patient=patient, upcoming=upcoming, past=past,
                           spent=spent, currency=currency, section="patients",
                           history=card_history(patient_id), action_names=ACTION_NAMES,
                           messages=container().message_queries().for_patient(
                               current_user.clinic_id, patient_id, limit=20),
                           log_words=log_words(), telegram_bot=container().message_queries()
                           .settings(current_user.clinic_id).telegram_bot,
                           zone=ZoneInfo(current_user.clinic_timezone or "UTC"))


@bp.route("/patients/new", methods=["GET", "POST"])
@bp.route("/patients/<uuid:patient_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.PATIENTS)
def save(patient_id: uuid.UUID | None = None) -> Any:
    patient = _get(patient_id) if patient_id else None
    if request.method == "GET":
        form = {name: (getattr(patient, name) or "") if patient else "" for name in FIELDS}
        if patient is None:
            form["name"] = request.args.get("name", "")[:120]
        form["preferred_channel"] = (patient and patient.preferred_channel) or ""
        for refusal in REFUSALS:  # ticked while the refusal stands
            form[refusal] = "1" if patient and getattr(patient, REFUSALS[refusal]) else ""
        return _form(patient, form, {})
    form = {name: request.form.get(name, "") for name in (*FIELDS, "preferred_channel")}
    form.update({refusal: "1" if request.form.get(refusal) else "" for refusal in REFUSALS})
    messaging = Messaging(form["preferred_channel"][:16], *(form[r] == "1" for r in REFUSALS))
    try:
        saved = container().save_patient()(
            current_user.clinic_id, current_user.user_id,
            PatientFields(form["name"], form["phone"], form["email"], form["note"],
                          messaging=messaging), patient_id,
            allow_duplicate=request.form.get("allow_duplicate") == "1")
    except ValidationFailed as error:
        return _form(patient, form, field_errors(error.errors), status=422)
    except DuplicatePhone as twin:
        return _form(patient, form, {}, twin=_get(twin.patient_id), status=409)
    except NotFound:
        abort(404)
    flash(_("The card of %(name)s is saved.", name=saved.name), "success")
    return redirect(url_for("patients.show", patient_id=saved.id))


def _form(patient: Any, form: dict[str, str], errors: dict[str, str], twin: Any = None,
          status: int = 200) -> Any:
    return render_template("patients/form.html", patient=patient, form=form, errors=errors,
                           twin=twin, section="patients"), status


@bp.route("/patients/<uuid:patient_id>/erase", methods=["GET", "POST"])
@permission_required(Permission.SETTINGS)
def erase(patient_id: uuid.UUID) -> Any:
    """At the patient's request: their details are wiped for good (password asked again)."""
    patient = _get(patient_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            container().erase_patient()(current_user.clinic_id, current_user.user_id,
                                        patient_id, request.form.get("password", ""),
                                        _("Deleted patient"))
        except ValidationFailed as error:
            errors = field_errors(error.errors)
        except NotFound:
            abort(404)
        else:
            flash(_("%(name)s's details are erased. Their visits stay in the calendar and the "
                    "reports as “Deleted patient”.", name=patient.name), "success")
            return redirect(url_for("patients.index"))
    return render_template("patients/erase.html", patient=patient, errors=errors,
                           section="patients"), 422 if errors else 200


@bp.get("/patients/<uuid:patient_id>/telegram")
@permission_required(Permission.PATIENTS)
def telegram(patient_id: uuid.UUID) -> Any:
    """The patient's link to the clinic's bot, as a QR code to show them at the desk."""
    try:
        link = container().link_telegram()(current_user.clinic_id, current_user.user_id,
                                           patient_id)
    except NotFound:
        abort(404)
    card = container().patient_queries().card(current_user.clinic_id, patient_id)
    if card is None:
        abort(404)
    return render_template("patients/telegram.html", patient=card, link=link,
                           qr=qr_svg(link.url) if link else None, section="patients")
