"""Switching the interface language; the choice sticks in a cookie and on the account."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from clinic.entrypoints.http.container import container
from clinic.entrypoints.web.i18n import LANGUAGE_COOKIE, LANGUAGES

bp = Blueprint("language", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target:
        return url_for("pages.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.home")
    return target


@bp.post("/language")
def choose() -> Any:
    locale = request.form.get("locale", "")
    response = redirect(_safe_next(request.form.get("next")))
    if locale in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, locale, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True, secure=request.is_secure)
        if current_user.is_authenticated:
            container().choose_language()(current_user.user_id, locale)
    return response
