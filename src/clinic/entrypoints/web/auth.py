"""Sessions with Flask-Login: who is signed in, in which clinic, and is the session current."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    render_template_string,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from clinic.application.accounts.queries import PollSession, SessionUser
from clinic.application.accounts.secrets import token_hash
from clinic.application.accounts.signed_in import SignedIn
from clinic.application.audit import act_as
from clinic.domain.accounts import ClinicStatus
from clinic.domain.audit import Actor
from clinic.domain.team import Permission, can
from clinic.entrypoints.http.container import container
from clinic.entrypoints.http.problems import problem, wants_problem

F = TypeVar("F", bound=Callable[..., Any])



class WebUser(UserMixin):  # type: ignore[misc]
    """The signed-in person as the pages see them. The id carries the session version."""

    def __init__(self, data: SessionUser) -> None:
        self.data = data

    def get_id(self) -> str:
        return f"{self.data.user_id}:{self.data.session_version}"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.data, name)

    def can(self, permission: Permission) -> bool:
        """What the role allows, for showing only what the person may use (the server checks
        again on every request with `permission_required`)."""
        return can(self.data.role, permission)


SESSION_KEY = "sid"  # the key in the signed cookie that holds this browser's session secret


def _claims(session_id: str) -> tuple[uuid.UUID, int, uuid.UUID | None, str] | None:
    """What the signed cookie says: the user, their session version when it was signed, the
    chosen clinic and this browser's session secret; None if any is missing or malformed."""
    try:
        raw_user, raw_version = session_id.split(":", 1)
        user_id, version = uuid.UUID(raw_user), int(raw_version)
        clinic_id = uuid.UUID(session["clinic_id"]) if session.get("clinic_id") else None
        secret = str(session[SESSION_KEY])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return user_id, version, clinic_id, secret


def _load_user(session_id: str) -> WebUser | None:
    claims = _claims(session_id)
    if claims is None:
        return None
    user_id, version, clinic_id, secret = claims
    data = container().account_queries().web_session_user(
        user_id, clinic_id, token_hash(secret), container().clock().now())
    if data is None or data.session_version != version:
        return None  # signed out (here or everywhere), password changed, or the account is gone
    return WebUser(data)


def poll_session(permission: Permission) -> PollSession | Any:
    """The sign-in of an open calendar's poll (every 2 s from every open calendar): the checks
    of `_load_user` and `permission_required` without loading the person for a page. The
    session record is there and unexpired, the session version current, the account enabled
    (else, as signed out, to the sign-in page); a member of the chosen clinic whose role
    allows `permission`, the clinic not suspended (else 403). One small indexed query; the
    rule itself is `can`, as everywhere. Returns the session's row, or the refusal to answer."""
    claims = _claims(session.get("_user_id", ""))  # where Flask-Login keeps the session id
    found = None
    if claims is not None:
        user_id, version, clinic_id, secret = claims
        found = container().account_queries().poll_session(
            user_id, clinic_id, token_hash(secret), container().clock().now())
        if found is not None and found.session_version != version:
            found = None
    if found is None:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    if not can(found.role, permission) \
            or found.clinic_status == ClinicStatus.SUSPENDED.value:
        abort(403)
    return found


def init_app(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "auth.sign_in"
    manager.login_message = _l("Please sign in to continue.")
    manager.login_message_category = "info"
    manager.session_protection = None  # the session version does this job without IP pinning
    manager.user_loader(_load_user)


def start_session(signed_in: SignedIn) -> None:
    """A fresh session (no fixation) that remembers the user and their clinic."""
    end_session()
    session.permanent = True
    session[SESSION_KEY] = container().start_web_session()(signed_in.user_id)
    if signed_in.clinic_id:
        session["clinic_id"] = str(signed_in.clinic_id)
    data = container().account_queries().session_user(signed_in.user_id, signed_in.clinic_id)
    if data is None or data.session_version != signed_in.session_version:
        # Signed out everywhere or reset since the password was checked: whoever had the old
        # password gets no session (the person is simply asked to sign in again).
        end_session()
        return
    login_user(WebUser(data))
    # how many clinics they can switch between: the menu offers a switch when two or more
    session["clinic_count"] = len(container().team_queries().clinics_of(signed_in.user_id))


def switch_clinic(clinic_id: uuid.UUID) -> bool:
    """Work in another of the person's clinics from the next request on."""
    mine = container().team_queries().clinics_of(current_user.user_id)
    if all(choice.clinic_id != clinic_id for choice in mine):
        return False
    session["clinic_id"] = str(clinic_id)
    session["clinic_count"] = len(mine)
    return True


def end_session() -> None:
    """Sign out this browser: its session record goes, so a copy of the cookie is useless."""
    secret = session.get(SESSION_KEY)
    if isinstance(secret, str):
        container().end_web_session()(secret)
    logout_user()
    session.clear()


def clinic_required(view: F) -> F:
    """Signed in *and* a member of the chosen clinic, which must be active."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        if current_user.clinic_id is None:
            if container().team_queries().clinics_of(current_user.user_id):
                flash(_l("You no longer have access to that clinic. Pick another one."), "info")
                return redirect(url_for("pages.clinics"))
            flash(_l("Your account is not part of any clinic now."), "info")
            end_session()
            return redirect(url_for("auth.sign_in"))
        if current_user.clinic_status == ClinicStatus.SUSPENDED.value:
            others = len(container().team_queries().clinics_of(current_user.user_id)) > 1
            return render_template("errors/suspended.html", clinic_name=current_user.clinic_name,
                                   other_clinics=others), 403
        act_as(Actor(current_user.user_id, None, current_user.name, request.remote_addr))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


READS = frozenset({"GET", "HEAD", "OPTIONS"})


def read_only_refusal() -> Any:
    """A change by someone past the seats the clinic pays for: nothing is changed, and why."""
    title = _("You can look, but not change anything now")
    text = _("The clinic pays for fewer people than are in its team, so your access is "
             "read-only for now. Nothing of yours is lost. Ask the clinic's owner to add a "
             "place on the Billing page.")
    if wants_problem():
        return problem(403, "Forbidden", str(text))
    if request.headers.get("HX-Request"):  # a dialog's form: the words where its form was
        return render_template_string(
            '<div class="alert alert--warning" role="alert" tabindex="-1" data-error-summary>'
            '<p class="alert__title">{{ title }}</p><p>{{ text }}</p></div>',
            title=title, text=text), 403
    return render_template("errors/error.html", title=title, text=text, code=403), 403


def on_a_phone() -> bool:
    """Whether the browser says it is a phone: the `Sec-CH-UA-Mobile` hint where sent (Chrome,
    Edge), else "Mobi" in the user agent (Safari, Firefox), as MDN advises."""
    hint = request.headers.get("Sec-CH-UA-Mobile")
    if hint is not None:
        return hint.strip() == "?1"
    return "Mobi" in request.headers.get("User-Agent", "")


def home_url() -> str:
    """Where a signed-in person starts: on a phone the front desk's list of today's visits
    (its tab bar leads on to the calendar), else the calendar."""
    if on_a_phone() and current_user.can(Permission.CALENDAR):
        return url_for("today.index")
    return url_for("calendar.week")


def permission_required(permission: Permission) -> Callable[[F], F]:
    """A member of the chosen clinic whose role allows this; others get the 403 page."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.is_authenticated and current_user.clinic_id is not None:
                if not current_user.can(permission):
                    abort(403)
                if current_user.read_only and request.method not in READS:
                    return read_only_refusal()
            return view(*args, **kwargs)

        return clinic_required(wrapper)  # type: ignore[return-value]

    return decorator
