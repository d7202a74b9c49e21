"""Rooms, doctors and procedures: one list page, one form, archive and restore for each."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from clinic.application.catalog.doctors import DoctorFields
from clinic.application.catalog.procedures import ProcedureFields
from clinic.application.catalog.queries import CatalogKind
from clinic.application.catalog.rooms import RoomFields
from clinic.domain.catalog import DOCTOR_COLORS
from clinic.domain.licensing import ChairLimitReached
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import Permission
from clinic.entrypoints.http.container import container
from clinic.entrypoints.web.auth import permission_required
from clinic.entrypoints.web.licence_offer import Offer, offer_for
from clinic.entrypoints.web.messages import field_errors

bp = Blueprint("records", __name__)
KINDS_RULE = "<any(rooms, doctors, procedures):kind>"


@dataclass(frozen=True)
class Kind:
    title: Any
    add_label: Any
    saved: Any
    archived: Any
    restored: Any
    fields: tuple[str, ...]
    make: Callable[[dict[str, str]], Any]


KINDS = {
    "rooms": Kind(_l("Rooms"), _l("Add room"), _l("Room “%(name)s” is saved."),
                  _l("Room “%(name)s” is archived. It is kept with its history."),
                  _l("Room “%(name)s” is back in use."), ("name", "address"),
                  lambda f: RoomFields(f["name"], f["address"])),
    "doctors": Kind(_l("Doctors"), _l("Add doctor"), _l("Doctor “%(name)s” is saved."),
                    _l("Doctor “%(name)s” is archived. Their past visits stay as they were."),
                    _l("Doctor “%(name)s” is back in the list."), ("name", "color"),
                    lambda f: DoctorFields(f["name"], f["color"])),
    "procedures": Kind(_l("Procedures"), _l("Add procedure"),
                       _l("Procedure “%(name)s” is saved."),
                       _l("Procedure “%(name)s” is archived. Past visits keep their price."),
                       _l("Procedure “%(name)s” is back in the price list."),
                       ("name", "price", "duration_minutes"),
                       lambda f: ProcedureFields(f["name"], f["price"], f["duration_minutes"])),
}


def _items(kind: CatalogKind, include_archived: bool) -> list[Any]:
    return list(container().catalog_queries().items(current_user.clinic_id, kind,
                                                    include_archived=include_archived))


def _get(kind: CatalogKind, item_id: uuid.UUID) -> Any:
    item = container().catalog_queries().item(current_user.clinic_id, kind, item_id)
    if item is None:
        abort(404)
    return item


def _form_values(kind: CatalogKind, item: Any | None) -> dict[str, str]:
    if item is None:
        return {name: "" for name in KINDS[kind].fields}
    if kind == "procedures":
        return {"name": item.name, "price": item.price.amount_text,
                "duration_minutes": str(item.duration_minutes)}
    return {name: getattr(item, name) or "" for name in KINDS[kind].fields}


def _render_form(kind: CatalogKind, item: Any | None, form: dict[str, str],
                 errors: dict[str, str], status: int = 200, offer: Offer | None = None) -> Any:
    return render_template(f"records/{kind}_form.html", kind=kind, item=item, form=form,
                           errors=errors, section=kind, colors=DOCTOR_COLORS,
                           title=KINDS[kind].title, offer=offer), status


@bp.get(f"/{KINDS_RULE}")
@permission_required(Permission.CATALOG_READ)
def index(kind: CatalogKind) -> Any:
    return _list(kind, request.args.get("archived") == "1")


def _list(kind: CatalogKind, show_archived: bool, offer: Offer | None = None,
          status: int = 200) -> Any:
    items = _items(kind, include_archived=True)
    archived_count = sum(1 for item in items if item.archived)
    if not show_archived:
        items = [item for item in items if not item.archived]
    return render_template(f"records/{kind}.html", kind=kind, items=items, section=kind,
                           show_archived=show_archived, archived_count=archived_count,
                           title=KINDS[kind].title, add_label=KINDS[kind].add_label,
                           offer=offer), status


@bp.route(f"/{KINDS_RULE}/new", methods=["GET", "POST"])
@bp.route(f"/{KINDS_RULE}/<uuid:item_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.CATALOG_EDIT)
def save(kind: CatalogKind, item_id: uuid.UUID | None = None) -> Any:
    item = _get(kind, item_id) if item_id else None
    if request.method == "GET":
        values = _form_values(kind, item)
        if item is None:  # back from paying for a chair: what was typed, filled in again
            values.update({k: request.args.get(k, "")[:200] for k in values if k in request.args})
        return _render_form(kind, item, values, {})
    form = {name: request.form.get(name, "") for name in KINDS[kind].fields}
    use_case = getattr(container(), f"save_{kind[:-1]}")()
    try:
        saved = use_case(current_user.clinic_id, current_user.user_id, KINDS[kind].make(form),
                         item_id)
    except ValidationFailed as error:
        return _render_form(kind, item, form, field_errors(error.errors), 422)
    except ChairLimitReached as limit:
        typed: dict[str, Any] = {k: v for k, v in form.items() if v}
        back = url_for("records.save", kind=kind, **typed)
        return _render_form(kind, item, form, {}, 402, offer_for(limit, back))
    except NotFound:
        abort(404)
    flash(str(KINDS[kind].saved) % {"name": saved.name}, "success")
    if kind == "doctors" and item_id is None:
        return redirect(url_for("records.save", kind=kind, item_id=saved.id, added=1))
    return redirect(url_for("records.index", kind=kind))


@bp.post(f"/{KINDS_RULE}/<uuid:item_id>/<any(archive, restore):action>")
@permission_required(Permission.CATALOG_EDIT)
def set_archived(kind: CatalogKind, item_id: uuid.UUID, action: str) -> Any:
    use_case = getattr(container(), f"archive_{kind[:-1]}")()
    try:
        item = use_case(current_user.clinic_id, current_user.user_id, item_id,
                        archived=action == "archive")
    except NotFound:
        abort(404)
    except ChairLimitReached as limit:
        back = url_for("records.index", kind=kind, archived=1)
        return _list(kind, True, offer_for(limit, back), 402)
    except ValidationFailed as error:
        flash(_("“%(name)s” cannot come back under this name: %(reason)s",
                name=_get(kind, item_id).name,
                reason=field_errors(error.errors).get("name", "")), "error")
        return redirect(url_for("records.index", kind=kind, archived=1))
    message = KINDS[kind].archived if action == "archive" else KINDS[kind].restored
    flash(str(message) % {"name": item.name}, "success")
    return redirect(url_for("records.index", kind=kind))
