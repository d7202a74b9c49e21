"""/api/v1/patients: patient cards, found by name or phone; a shared phone is asked about."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from clinic.application.patients.queries import PatientCardView
from clinic.application.patients.save import REFUSALS, Messaging, PatientFields
from clinic.domain.patients import digits
from clinic.domain.team import Permission
from clinic.entrypoints.api.auth import (
    current_actor_id,
    current_clinic_id,
    permission_required,
    token_required,
)
from clinic.entrypoints.api.errors import ApiBlueprint, found, problems
from clinic.entrypoints.api.schemas.patients import (
    PatientCreateSchema,
    PatientListArgsSchema,
    PatientPageSchema,
    PatientPatchSchema,
    PatientSchema,
)
from clinic.entrypoints.http.container import container

blp = ApiBlueprint("api_patients", __name__, url_prefix="/api/v1/patients",
                   description="Patient cards; a phone already on another card answers 409")


def _patient(patient_id: uuid.UUID) -> PatientCardView:
    patient: PatientCardView = found(
        container().patient_queries().card(current_clinic_id(), patient_id))
    return patient


def _fields(body: dict[str, Any], current: PatientCardView | None = None) -> PatientFields:
    """The body's fields over the current card's (none when adding one)."""
    def value(name: str) -> str:
        return (body[name] if name in body else getattr(current, name, None)) or ""

    return PatientFields(value("name"), value("phone"), value("email"), value("note"),
                         messaging=_messaging(body, current))


def _messaging(body: dict[str, Any], current: PatientCardView | None) -> Messaging | None:
    """The channel and the refusals over the current card's; None when the body names none
    of them (they stay as they are)."""
    if "preferred_channel" not in body and not REFUSALS.keys() & body.keys():
        return None
    channel = (body["preferred_channel"] if "preferred_channel" in body
               else getattr(current, "preferred_channel", None))
    flags = [body[flag] if flag in body else getattr(current, kept, None) is not None
             for flag, kept in REFUSALS.items()]
    return Messaging(channel or "", *flags)


def _phone_kept(body: dict[str, Any], current: PatientCardView) -> bool:
    """The PATCH leaves the phone as it is (in any of the ways it can be written)."""
    return "phone" not in body or digits(body["phone"]) in current.phone_digits.split()


@blp.route("")
class Patients(MethodView):
    decorators = [token_required]

    @permission_required(Permission.PATIENTS)
    @blp.arguments(PatientListArgsSchema, location="query")
    @blp.response(200, PatientPageSchema)
    @problems(blp, 401, 403, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """Find patients: newest first, or those whose name or phone contains `q`"""
        return container().patient_queries().find(current_clinic_id(), args["q"],
                                                  args["offset"], args["limit"])

    @permission_required(Permission.PATIENTS)
    @blp.arguments(PatientCreateSchema)
    @blp.response(201, PatientSchema)
    @problems(blp, 401, 403, 409, 422)
    def post(self, body: dict[str, Any]) -> Any:
        """Add a patient card"""
        return container().save_patient()(current_clinic_id(), current_actor_id(), _fields(body),
                                          allow_duplicate=body.get("allow_duplicate", False))


@blp.route("/<uuid:patient_id>")
class PatientById(MethodView):
    decorators = [token_required]

    @permission_required(Permission.PATIENTS)
    @blp.response(200, PatientSchema)
    @problems(blp, 401, 403, 404)
    def get(self, patient_id: uuid.UUID) -> Any:
        """Read a patient card (the view is written to the clinic's audit trail)"""
        return found(container().open_patient_card()(current_clinic_id(), current_actor_id(),
                                                     patient_id))

    @permission_required(Permission.PATIENTS)
    @blp.arguments(PatientPatchSchema)
    @blp.response(200, PatientSchema)
    @problems(blp, 401, 403, 404, 409, 422)
    def patch(self, body: dict[str, Any], patient_id: uuid.UUID) -> Any:
        """Change a patient card; fields left out keep their value"""
        patient = _patient(patient_id)
        allow = body.get("allow_duplicate", False) or _phone_kept(body, patient)
        return container().save_patient()(current_clinic_id(), current_actor_id(),
                                          _fields(body, patient), patient_id,
                                          allow_duplicate=allow)
