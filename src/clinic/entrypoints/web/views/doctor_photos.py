"""A doctor's photo: upload (checked and re-encoded), remove, and serve to this clinic only."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import Permission
from clinic.entrypoints.http.container import container
from clinic.entrypoints.web.auth import permission_required
from clinic.entrypoints.web.messages import field_errors

bp = Blueprint("doctor_photos", __name__)


@bp.post("/doctors/<uuid:doctor_id>/photo")
@permission_required(Permission.CATALOG_EDIT)
def upload(doctor_id: uuid.UUID) -> Any:
    upload = request.files.get("photo")
    data = upload.read() if upload else b""
    try:
        container().set_doctor_photo()(current_user.clinic_id, current_user.user_id,
                                       doctor_id, data)
    except NotFound:
        abort(404)
    except ValidationFailed as error:
        flash(field_errors(error.errors)["photo"], "error")
    else:
        flash(_("The photo is saved."), "success")
    return redirect(url_for("records.save", kind="doctors", item_id=doctor_id))


@bp.post("/doctors/<uuid:doctor_id>/photo/remove")
@permission_required(Permission.CATALOG_EDIT)
def remove(doctor_id: uuid.UUID) -> Any:
    try:
        container().remove_doctor_photo()(current_user.clinic_id, current_user.user_id,
                                          doctor_id)
    except NotFound:
        abort(404)
    flash(_("The photo is removed."), "success")
    return redirect(url_for("records.save", kind="doctors", item_id=doctor_id))


@bp.get("/doctors/<uuid:doctor_id>/photo/<any(thumb, large):size>")
@permission_required(Permission.CATALOG_READ)
def show(doctor_id: uuid.UUID, size: str) -> Any:
    photo = container().load_doctor_photo()(current_user.clinic_id, current_user.user_id,
                                            doctor_id, size)
    if photo is None:
        abort(404)
    data, content_type = photo
    response = Response(data, mimetype=content_type)
    # The URL carries the photo's version, so a browser may keep it; never a shared cache.
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
