"""Settings → API keys: a key for another program (the website's booking form, a report
script) speaks with the role of the person who made it, and stops when they leave."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import Permission
from clinic.entrypoints.http.container import container
from clinic.entrypoints.web.auth import permission_required
from clinic.entrypoints.web.messages import field_errors

bp = Blueprint("api_keys", __name__)


def _page(form: dict[str, str], errors: dict[str, str], secret: str | None = None,
          status: int = 200) -> Any:
    keys = container().list_api_tokens()(current_user.clinic_id, current_user.user_id)
    return render_template("settings/api_keys.html", section="settings", keys=keys, form=form,
                           errors=errors, secret=secret,
                           docs_url="/api/v1/openapi.json"
                           ), status


@bp.route("/settings/api-keys", methods=["GET", "POST"])
@permission_required(Permission.SETTINGS)
def index() -> Any:
    if request.method == "GET":
        return _page({"name": ""}, {})
    form = {"name": request.form.get("name", "")}
    try:
        made = container().create_api_token()(current_user.clinic_id, current_user.user_id,
                                              form["name"])
    except ValidationFailed as error:
        return _page(form, field_errors(error.errors), status=422)
    return _page({"name": ""}, {}, secret=made.secret)


@bp.post("/settings/api-keys/<uuid:token_id>/revoke")
@permission_required(Permission.SETTINGS)
def revoke(token_id: uuid.UUID) -> Any:
    try:
        container().revoke_api_token()(current_user.clinic_id, current_user.user_id, token_id)
    except NotFound:
        abort(404)
    flash(_("The key is revoked. Programs using it are refused from now on."), "success")
    return redirect(url_for("api_keys.index"))
