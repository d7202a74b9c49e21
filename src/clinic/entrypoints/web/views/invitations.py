"""The invitation link: a new person sets a name and password, a known one gives their password
(or is signed in already), and both land in the clinic's calendar."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from clinic.domain.shared import ValidationFailed
from clinic.domain.team import AlreadyMember, InvitationForSomeoneElse, InvitationInvalid
from clinic.entrypoints.http.container import container
from clinic.entrypoints.web.auth import start_session
from clinic.entrypoints.web.i18n import current_language
from clinic.entrypoints.web.messages import field_errors

bp = Blueprint("invitations", __name__)


def _invalid(reason: str) -> Any:
    return render_template("auth/invitation_invalid.html", reason=reason), \
        404 if reason == "unknown" else 410


@bp.route("/invite/<token>", methods=["GET", "POST"])
def open_link(token: str) -> Any:
    try:
        invitation = container().open_invitation()(token)
    except InvitationInvalid as invalid:
        return _invalid(invalid.reason)
    signed_in_as = current_user.email if current_user.is_authenticated else None
    if signed_in_as is not None and signed_in_as != invitation.email:
        return render_template("auth/invitation.html", invitation=invitation, token=token,
                               someone_else=signed_in_as, form={}, errors={}), 409
    form = {"name": request.form.get("name", ""), "password": request.form.get("password", "")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            signed_in = container().accept_invitation()(
                token, signed_in_user=current_user.user_id if signed_in_as else None,
                name=form["name"], password=form["password"], locale=current_language())
        except InvitationInvalid as invalid:
            return _invalid(invalid.reason)
        except InvitationForSomeoneElse:
            return redirect(url_for("invitations.open_link", token=token))
        except AlreadyMember:
            flash(_("You are already in %(clinic)s.", clinic=invitation.clinic_name), "info")
            return redirect(url_for("calendar.week"))
        except ValidationFailed as error:
            errors = field_errors(error.errors)
        else:
            start_session(signed_in)
            flash(_("Welcome to %(clinic)s!", clinic=invitation.clinic_name), "success")
            return redirect(url_for("calendar.week"))
    return render_template("auth/invitation.html", invitation=invitation, token=token,
                           someone_else=None, form=form, errors=errors), 422 if errors else 200
