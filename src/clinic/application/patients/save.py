"""Add or change a patient card; a phone already on another card is pointed out first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from clinic.application.audit import AuditTrail
from clinic.application.authorization import authorize
from clinic.application.patients.phones import parse_phone
from clinic.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from clinic.domain.accounts import Clinic, email_error, normalize_email
from clinic.domain.audit import AuditAction
from clinic.domain.catalog import text_error
from clinic.domain.patients import (
    CHANNELS,
    MAX_NAME,
    MAX_NOTE,
    DuplicatePhone,
    Patient,
    PhoneNumber,
)
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import Permission


@dataclass(frozen=True)
class Messaging:
    """How the patient wants to hear from the clinic, and what they refuse."""

    preferred_channel: str = ""  # "telegram", "sms", "email"; "": the clinic's order
    refuses_processing: bool = False
    refuses_notifications: bool = False
    refuses_advertising: bool = False


# Each refusal a form or a request names, and the card's field keeping the day it was said:
# the web form and the API read and show refusals through this one table.
REFUSALS = {"refuses_processing": "refused_processing_on",
            "refuses_notifications": "refused_notifications_on",
            "refuses_advertising": "refused_advertising_on"}


@dataclass(frozen=True)
class PatientFields:
    name: str
    phone: str
    email: str = ""
    note: str = ""
    messaging: Messaging | None = None  # None: left as it is (a form or request without it)


def _check(fields: PatientFields, country: str) -> tuple[PhoneNumber, str | None]:
    errors = {k: v for k, v in (("name", text_error(fields.name, MAX_NAME)),
                                ("note", text_error(fields.note, MAX_NOTE, required=False)))
              if v}
    phone = None
    try:
        phone = parse_phone(fields.phone, country)
    except ValidationFailed as error:
        errors.update(error.errors)
    email = normalize_email(fields.email) or None
    if email and email_error(email):
        errors["email"] = "email_invalid"
    if fields.messaging is not None and fields.messaging.preferred_channel not in ("", *CHANNELS):
        errors["preferred_channel"] = "channel_invalid"
    if errors or phone is None:
        raise ValidationFailed(errors)
    return phone, email


def register_patient(uow: UnitOfWork, clinic: Clinic, fields: PatientFields, now: datetime,
                     allow_duplicate: bool = False) -> Patient:
    """A new card added to the unit of work (not committed), by the card's rules: the fields
    checked, a phone already on another card pointed out (DuplicatePhone)."""
    phone, email = _check(fields, clinic.country)
    if not allow_duplicate:
        twin = next(iter(uow.patients.with_phone(phone.e164)), None)
        if twin is not None:
            raise DuplicatePhone(twin.id, twin.name)
    patient = Patient.register(clinic.id, fields.name, phone, now, email, fields.note)
    _set_messaging(patient, fields, clinic, now)
    uow.patients.add(patient)
    return patient


def _set_messaging(patient: Patient, fields: PatientFields, clinic: Clinic,
                   now: datetime) -> None:
    """The preferred channel and the refusals, when the form or request gave them; a refusal
    is dated by the clinic's calendar."""
    chosen = fields.messaging
    if chosen is None:
        return
    patient.set_messaging(chosen.preferred_channel or None, chosen.refuses_processing,
                          chosen.refuses_notifications, chosen.refuses_advertising,
                          now.astimezone(clinic.hours.zone).date())


class SavePatient:
    """`allow_duplicate` is the person's answer to "this phone is on X's card: add anyway?"."""

    requires = Permission.PATIENTS

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock,
                 audit: AuditTrail | None = None) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.audit = audit

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, fields: PatientFields,
                 patient_id: uuid.UUID | None = None, allow_duplicate: bool = False) -> Patient:
        with self.uow_factory(clinic_id) as uow:
            uow.write_in_turn()  # the audit row is written in it (SQLite: one writer from here)
            _, clinic = authorize(uow, clinic_id, actor_id, self.requires)
            found = uow.patients.get(patient_id) if patient_id else None
            if patient_id and found is None:
                raise NotFound()
            if found is None:
                patient = register_patient(uow, clinic, fields, self.clock.now(),
                                           allow_duplicate)
                if self.audit is not None:
                    self.audit.append(uow, clinic_id, AuditAction.PATIENT_CREATED, "patient",
                                      patient.id)
                uow.commit()
                return patient
            phone, email = _check(fields, clinic.country)
            # Only a phone new to this card is compared: a card made as a knowing second
            # one must stay editable.
            if not allow_duplicate and found.phone != phone.e164:
                twin = next((p for p in uow.patients.with_phone(phone.e164)
                             if p.id != patient_id), None)
                if twin is not None:
                    raise DuplicatePhone(twin.id, twin.name)
            found.change(fields.name, phone, email, fields.note)
            _set_messaging(found, fields, clinic, self.clock.now())
            if self.audit is not None:
                self.audit.append(uow, clinic_id, AuditAction.PATIENT_CHANGED, "patient",
                                  found.id)
            uow.commit()
        return found
