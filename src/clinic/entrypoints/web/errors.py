"""Errors in one place: a calm page for people, RFC 9457 problem documents (`http/problems.py`)
for the API."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import (
    Forbidden,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    SecurityError,
)
from werkzeug.exceptions import NotFound as HttpNotFound

from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import NotAllowed
from clinic.entrypoints.api.auth import NOT_ALLOWED
from clinic.entrypoints.http.problems import problem, wants_problem

log = logging.getLogger(__name__)


def _page_texts(code: int) -> tuple[str, str]:
    texts = {
        400: (_("Something in the request was wrong"),
              _("Please go back and try again.")),
        403: (_("This page is not available to you"),
              _("Ask the clinic's owner if you need access.")),
        404: (_("Page not found"),
              _("The link may be old, or the page was moved. Start again from the main page.")),
        405: (_("This action is not available here"), _("Please go back and try again.")),
        413: (_("The file is too large"), _("Please choose a smaller file.")),
        429: (_("Too many attempts"),
              _("For safety we paused this for a moment. Please wait a minute and try again.")),
    }
    return texts.get(code, (_("Something went wrong on our side"),
                            _("Nothing you typed was saved twice. Please try again in a minute.")))


def _http_error(error: HTTPException) -> Any:
    if error.response is not None:  # an answer made for this case (the sign-in throttle's)
        return error.response
    code = error.code or 500
    allow = {"Allow": ", ".join(error.valid_methods)} \
        if isinstance(error, MethodNotAllowed) and error.valid_methods else {}
    if wants_problem():
        data = getattr(error, "data", None) or {}
        errors = data.get("messages") or data.get("errors")
        if isinstance(errors, dict) and set(errors) <= {"json", "query", "form", "headers"}:
            merged: dict[str, Any] = {}
            for part in errors.values():
                if isinstance(part, dict):
                    merged.update(part)
                else:  # e.g. {"json": ["Invalid JSON body."]}: about the body as a whole
                    merged.setdefault("body", []).extend(part)
            errors = merged
        headers = {**allow, **(data.get("headers") or {})}
        if code == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
        return problem(code, error.name, data.get("message") or error.description, errors,
                       headers)
    title, text = _page_texts(code)
    return render_template("errors/error.html", title=title, text=text, code=code), code, allow


def _csrf_error(error: CSRFError) -> Any:
    if wants_problem():
        return problem(400, "Bad Request", error.description)
    title = _("This form has expired")
    text = _("For your safety the page must be fresh. Go back, reload the page and send it again.")
    return render_template("errors/error.html", title=title, text=text, code=400), 400


def _refused_input(error: ValidationFailed) -> Any:
    """Input that no view handled itself and the shared rules refused (`input_rules.py`): a
    control character in any field, a day or a page number out of range. 422, in the person's
    language, with a way back to what they typed (the browser keeps the form)."""
    from clinic.entrypoints.web.messages import field_errors

    if wants_problem():
        return problem(422, "Unprocessable Content", "Some input cannot be used.",
                       {name: [text] for name, text in field_errors(error.errors).items()})
    title = _("Something you sent cannot be used")
    texts = list(dict.fromkeys(field_errors(error.errors).values()))
    if request.headers.get("HX-Request"):  # a dialog's form: the words where its form was
        return render_template("errors/_refused.html", title=title, texts=texts), 422
    return render_template("errors/refused.html", title=title, texts=texts), 422


def _unknown_host(_error: SecurityError) -> Any:
    """A Host header outside TRUSTED_HOSTS: no page (it would hold links), no detail."""
    return Response("Unknown host / Неизвестный адрес сайта\n", status=400,
                    mimetype="text/plain")


def _not_found(_error: NotFound) -> Any:
    return _http_error(HttpNotFound())


def _not_allowed(_error: NotAllowed) -> Any:
    """A use case refused the member (`application/authorization.py`): 403, the page or the
    API's problem, for both doors here."""
    return _http_error(Forbidden(NOT_ALLOWED))


def _unexpected(error: Exception) -> Any:
    log.exception("unhandled error", exc_info=error)
    return _http_error(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(SecurityError, _unknown_host)
    app.register_error_handler(ValidationFailed, _refused_input)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(NotAllowed, _not_allowed)
    if not app.testing:
        app.register_error_handler(Exception, _unexpected)
