"""Команда: invite people by email, change what they may do, link them to a doctor, remove them
(asked in words first), hand over ownership; and the history of every change."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from clinic.application.team.queries import MemberRow
from clinic.domain.licensing import SeatLimitReached
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import (
    AlreadyMember,
    InvitationInvalid,
    OwnerCannotLeave,
    Permission,
)
from clinic.entrypoints.http.container import container
from clinic.entrypoints.http.links import external_url
from clinic.entrypoints.web.auth import permission_required
from clinic.entrypoints.web.licence_offer import Offer, offer_for
from clinic.entrypoints.web.messages import field_errors

bp = Blueprint("team", __name__)

ROLE_NAMES = {"owner": _l("Owner"), "admin": _l("Administrator"), "staff": _l("Staff")}
ROLE_HINTS = {
    "admin": _l("Everything except payments: people, settings, reports, the catalog."),
    "staff": _l("The calendar and patients; sees the catalog but cannot change it."),
}
ACTION_NAMES = {
    "invited": _l("Invitation sent"), "resent": _l("Invitation sent again"),
    "revoked": _l("Invitation withdrawn"), "joined": _l("New member"),
    "role_changed": _l("Role changed"), "doctor_linked": _l("Doctor record linked"),
    "removed": _l("Access closed"), "owner_changed": _l("Clinic handed over"),
}


def link_for(token: str) -> str:
    return external_url("invitations.open_link", token=token)


def _page(form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
          status: int = 200, offer: Offer | None = None) -> Any:
    clinic_id = current_user.clinic_id
    queries = container().team_queries()
    doctors = container().catalog_queries().items(clinic_id, "doctors")
    return render_template(
        "team/index.html", section="team", members=queries.members(clinic_id),
        invitations=queries.pending_invitations(clinic_id, container().clock().now()),
        events=queries.events(clinic_id), doctors=doctors, role_names=ROLE_NAMES,
        role_hints=ROLE_HINTS, action_names=ACTION_NAMES,
        form=form or {"email": request.args.get("email", "")[:254],
                      "role": "admin" if request.args.get("role") == "admin" else "staff"},
        errors=errors or {}, offer=offer), status


def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _member_or_404(user_id: uuid.UUID) -> MemberRow:
    """Someone of this clinic (another clinic's people are not there at all)."""
    person = next((m for m in container().team_queries().members(current_user.clinic_id)
                   if m.user_id == user_id), None)
    if person is None:
        abort(404)
    return person


@bp.get("/team")
@permission_required(Permission.PEOPLE)
def index() -> Any:
    return _page()


@bp.post("/team/invite")
@permission_required(Permission.PEOPLE)
def invite() -> Any:
    form = {"email": request.form.get("email", "").strip(),
            "role": request.form.get("role", "staff")}
    try:
        container().invite_member()(current_user.clinic_id, current_user.user_id,
                                    form["email"], form["role"], link_for)
    except ValidationFailed as error:
        return _page(form, field_errors(error.errors), 422)
    except AlreadyMember:
        return _page(form, {"email": _("This person is already in the clinic.")}, 422)
    except SeatLimitReached as limit:
        return _page(form, None, 402, offer_for(limit, url_for("team.index", email=form["email"],
                                                             role=form["role"])))
    flash(_("The invitation is on its way to %(email)s. The link works for 72 hours.",
            email=form["email"].lower()), "success")
    return redirect(url_for("team.index"))


@bp.post("/team/invitations/<uuid:invitation_id>/<any(resend, revoke):action>")
@permission_required(Permission.PEOPLE)
def invitation(invitation_id: uuid.UUID, action: str) -> Any:
    try:
        if action == "resend":
            sent = container().resend_invitation()(
                current_user.clinic_id, current_user.user_id, invitation_id, link_for)
            flash(_("A new link is on its way to %(email)s; the old one no longer works.",
                    email=sent.email), "success")
        else:
            container().revoke_invitation()(current_user.clinic_id, current_user.user_id,
                                            invitation_id)
            flash(_("The invitation is withdrawn; its link no longer works."), "success")
    except NotFound:
        abort(404)
    except InvitationInvalid:
        flash(_("This invitation was already used or withdrawn."), "info")
    return redirect(url_for("team.index"))


@bp.post("/team/members/<uuid:user_id>/role")
@permission_required(Permission.PEOPLE)
def change_role(user_id: uuid.UUID) -> Any:
    _member_or_404(user_id)
    try:
        container().change_role()(current_user.clinic_id, current_user.user_id, user_id,
                                  request.form.get("role", ""))
    except NotFound:
        abort(404)
    except OwnerCannotLeave:
        flash(_("The owner stays the owner. Hand the clinic over first."), "info")
    except ValidationFailed:
        flash(_("Pick a role from the list."), "info")
    else:
        flash(_("The role is changed. It applies from their next click."), "success")
    return redirect(url_for("team.index"))


@bp.post("/team/members/<uuid:user_id>/doctor")
@permission_required(Permission.PEOPLE)
def link_doctor(user_id: uuid.UUID) -> Any:
    _member_or_404(user_id)
    try:
        container().link_doctor()(current_user.clinic_id, current_user.user_id, user_id,
                                  _uuid(request.form.get("doctor_id", "")))
    except NotFound:
        abort(404)
    except ValidationFailed:
        flash(_("Pick a doctor who is in the list."), "info")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("team.index"))


@bp.route("/team/members/<uuid:user_id>/remove", methods=["GET", "POST"])
@permission_required(Permission.PEOPLE)
def remove(user_id: uuid.UUID) -> Any:
    person = _member_or_404(user_id)
    if request.method == "GET":
        return render_template("team/remove.html", section="team", person=person,
                               role_names=ROLE_NAMES)
    try:
        container().remove_member()(current_user.clinic_id, current_user.user_id, user_id)
    except NotFound:
        abort(404)
    except OwnerCannotLeave:
        flash(_("The owner cannot be removed. Hand the clinic over first."), "info")
        return redirect(url_for("team.index"))
    flash(_("%(name)s no longer has access to the clinic.", name=person.name), "success")
    if user_id == current_user.user_id:
        return redirect(url_for("auth.sign_in"))
    return redirect(url_for("team.index"))


@bp.route("/team/ownership", methods=["GET", "POST"])
@permission_required(Permission.OWNERSHIP)
def ownership() -> Any:
    admins = [m for m in container().team_queries().members(current_user.clinic_id)
              if m.role == "admin"]
    form = {"new_owner_id": request.form.get("new_owner_id", "")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            container().transfer_ownership()(
                current_user.clinic_id, current_user.user_id, request.form.get("password", ""),
                _uuid(form["new_owner_id"]) or uuid.UUID(int=0))
        except ValidationFailed as error:
            errors = field_errors(error.errors)
        else:
            heir = next((m.name for m in admins if str(m.user_id) == form["new_owner_id"]), "")
            flash(_("%(name)s is now the owner. You stay as an administrator.", name=heir),
                  "success")
            return redirect(url_for("team.index"))
    return render_template("team/ownership.html", section="team", admins=admins, form=form,
                           errors=errors), 422 if errors else 200
