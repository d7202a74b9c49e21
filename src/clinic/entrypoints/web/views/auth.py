"""Sign-up, sign-in, sign-out (here and everywhere) and password reset pages."""

from __future__ import annotations

import math
import time
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_login import current_user, login_required

from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.accounts.sign_up_by_email import SignUpLinks
from clinic.domain.accounts import (
    EmailAlreadyTaken,
    InvalidCredentials,
    ResetLinkInvalid,
    SignUpLinkInvalid,
)
from clinic.domain.shared import ValidationFailed
from clinic.entrypoints.http.container import container
from clinic.entrypoints.http.links import external_url
from clinic.entrypoints.web.auth import end_session, home_url, start_session
from clinic.entrypoints.web.i18n import current_language
from clinic.entrypoints.web.messages import field_errors
from clinic.entrypoints.web.starter import starter_kit

bp = Blueprint("auth", __name__)

SIGN_UP_FIELDS = ("clinic_name", "name", "email", "password", "timezone", "treats_patients",
                  "promo_code")


def _typed(fields: tuple[str, ...]) -> dict[str, str]:
    return {name: request.form.get(name, "") for name in fields}


def _home() -> Any:
    return redirect(home_url())


@bp.route("/signup", methods=["GET", "POST"])
def sign_up() -> Any:
    if current_user.is_authenticated:
        return _home()
    form = _typed(SIGN_UP_FIELDS)
    errors: dict[str, str] = {}
    if request.method == "GET":
        form["treats_patients"] = "yes"
        form["promo_code"] = request.args.get("promo", "")[:24]  # from a partner's share link
    if request.method == "POST":
        command = SignUpCommand(form["clinic_name"], form["name"], form["email"],
                                form["password"], current_language(), form["timezone"],
                                treats_patients=form["treats_patients"] != "no",
                                starter=starter_kit(), promo_code=form["promo_code"])
        try:
            container().request_sign_up()(command, SignUpLinks(
                open_clinic=lambda token: external_url("auth.open_clinic", token=token),
                sign_in=external_url("auth.sign_in"),
                forgot_password=external_url("auth.forgot_password")))
        except ValidationFailed as error:
            errors = field_errors(error.errors)
        else:  # the same answer whether or not the email has an account already
            return render_template("auth/sign_up_sent.html", email=form["email"].strip(),
                                   console_mail=container().settings().mailer == "console")
    return render_template("auth/sign_up.html", form=form, errors=errors), 422 if errors else 200


@bp.route("/signup/open/<token>", methods=["GET", "POST"])
def open_clinic(token: str) -> Any:
    """The link from the sign-up email: one button opens the clinic (a GET changes nothing,
    so a mail scanner that follows links cannot use it up)."""
    if request.method == "GET":
        pending = container().confirm_sign_up().pending(token)
        if pending is None:
            return render_template("auth/sign_up_link_invalid.html"), 410
        return render_template("auth/sign_up_open.html", token=token, pending=pending)
    try:
        signed_in = container().confirm_sign_up()(token, starter_kit())
    except SignUpLinkInvalid:
        if current_user.is_authenticated:  # a double click: the first one opened the clinic
            return _home()
        return render_template("auth/sign_up_link_invalid.html"), 410
    except EmailAlreadyTaken:
        flash(_("This email already has an account. Sign in with it."), "info")
        return redirect(url_for("auth.sign_in"))
    start_session(signed_in)
    flash(_("Welcome! Your clinic is ready."), "success")
    return redirect(url_for("calendar.week"))  # an empty clinic starts where visits are booked


@bp.route("/signin", methods=["GET", "POST"])
def sign_in() -> Any:
    if current_user.is_authenticated:
        return _home()
    form = _typed(("email", "password"))
    error = None
    if request.method == "POST":
        try:
            signed_in = container().sign_in()(form["email"], form["password"])
        except InvalidCredentials:
            error = _("The email or the password is wrong. Check both and try again.")
        else:
            start_session(signed_in)
            if session.get("clinic_count", 0) > 1:
                return redirect(url_for("pages.clinics"))
            return _home()
    status = 422 if error else 200
    return render_template("auth/sign_in.html", form=form, error=error), status


def too_many_wrong_passwords(limit: RequestLimit) -> Response:
    """The sign-in form again, with what was typed, and how long to wait (429)."""
    seconds = max(1, math.ceil(limit.reset_at - time.time()))
    error = _("Too many wrong passwords for this email from your network. For safety, wait "
              "%(minutes)s min and try again, or reset your password.",
              minutes=math.ceil(seconds / 60))
    response = make_response(render_template(
        "auth/sign_in.html", form=_typed(("email",)), error=error), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.post("/signout")
def sign_out() -> Any:
    end_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.sign_in"))


@bp.post("/signout-everywhere")
@login_required
def sign_out_everywhere() -> Any:
    container().sign_out_everywhere()(current_user.user_id)
    end_session()
    flash(_("You are signed out on every device, this one included."), "info")
    return redirect(url_for("auth.sign_in"))


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password() -> Any:
    form = _typed(("email",))
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            container().request_password_reset()(
                form["email"], current_language(),
                lambda token: external_url("auth.reset_password", token=token))
        except ValidationFailed as error:
            errors = field_errors(error.errors)
        else:
            return render_template("auth/forgot_sent.html", email=form["email"].strip())
    return render_template("auth/forgot.html", form=form, errors=errors), 422 if errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    if request.method == "GET":
        if not container().check_reset_link()(token):
            return render_template("auth/reset_invalid.html"), 410
        return render_template("auth/reset.html", token=token, form={}, errors={})
    form = _typed(("password",))
    try:
        signed_in = container().reset_password()(token, form["password"])
    except ResetLinkInvalid:
        return render_template("auth/reset_invalid.html"), 410
    except ValidationFailed as error:
        return render_template("auth/reset.html", token=token, form=form,
                               errors=field_errors(error.errors)), 422
    start_session(signed_in)
    flash(_("Your new password is set. You are signed in."), "success")
    return _home()
