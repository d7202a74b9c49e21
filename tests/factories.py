"""Test data with factory-boy: one factory per entity, so a test says only what matters to it.

The factories build domain objects (`RoomFactory(clinic_id=…)`); `add(uow, *objects)` puts
them in any unit of work — the in-memory fakes or SQLAlchemy's — and commits, so the same
factories serve unit and integration tests:

    clinic = ClinicFactory()
    room = RoomFactory(clinic_id=clinic.id)
    add(uow_factory(ANY_CLINIC), clinic, room)
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import factory

from clinic.domain.accounts import Clinic, Membership, Role, User
from clinic.domain.catalog import Doctor, Procedure, Room
from clinic.domain.patient_messages import MessagingSettings
from clinic.domain.patients import Patient, PhoneNumber
from clinic.domain.scheduling import Appointment

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the fakes' clock starts here too


class ClinicFactory(factory.Factory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    timezone = "Europe/Moscow"
    currency = "RUB"
    country = "RU"
    locale = "ru"
    created_at = NOW
    promo_code = factory.Sequence(lambda n: f"CLINIC-{n:04d}")


class UserFactory(factory.Factory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Sequence(lambda n: f"Person {n}")
    password_hash = "fake$correct horse"
    created_at = NOW


class MembershipFactory(factory.Factory):
    class Meta:
        model = Membership

    clinic_id = factory.LazyFunction(uuid.uuid4)
    user_id = factory.LazyFunction(uuid.uuid4)
    role = Role.STAFF
    created_at = NOW


class RoomFactory(factory.Factory):
    class Meta:
        model = Room

    clinic_id = factory.LazyFunction(uuid.uuid4)
    name = factory.Sequence(lambda n: f"Room {n}")
    address = None
    created_at = NOW


class DoctorFactory(factory.Factory):
    class Meta:
        model = Doctor

    clinic_id = factory.LazyFunction(uuid.uuid4)
    name = factory.Sequence(lambda n: f"Dr {n}")
    color = "#cfe3ff"
    created_at = NOW


class ProcedureFactory(factory.Factory):
    class Meta:
        model = Procedure

    clinic_id = factory.LazyFunction(uuid.uuid4)
    name = factory.Sequence(lambda n: f"Procedure {n}")
    price_minor = 250_000
    currency = "RUB"
    duration_minutes = 30
    created_at = NOW


class PatientFactory(factory.Factory):
    """Through `Patient.register`, so the search columns are filled as in the app."""

    class Meta:
        model = Patient

    clinic_id = factory.LazyFunction(uuid.uuid4)
    name = factory.Sequence(lambda n: f"Patient {n}")
    phone = factory.Sequence(lambda n: f"+7916{n:07d}")
    created_at = NOW

    @classmethod
    def _create(cls, model_class: type[Patient], *args: Any, **kwargs: Any) -> Patient:
        phone = kwargs.pop("phone")
        return Patient.register(kwargs.pop("clinic_id"), kwargs.pop("name"),
                                PhoneNumber(phone, "8" + phone[2:]), kwargs.pop("created_at"),
                                **kwargs)

    _build = _create


class AppointmentFactory(factory.Factory):
    """A visit of half an hour; pass the clinic's room, doctor and patient."""

    class Meta:
        model = Appointment

    clinic_id = factory.LazyFunction(uuid.uuid4)
    patient_id = factory.LazyFunction(uuid.uuid4)
    room_id = factory.LazyFunction(uuid.uuid4)
    doctor_id = factory.LazyFunction(uuid.uuid4)
    starts_at = NOW + timedelta(days=1, hours=1)
    ends_at = factory.LazyAttribute(lambda visit: visit.starts_at + timedelta(minutes=30))
    price_minor = 250_000
    currency = "RUB"
    created_at = NOW


_REPOSITORY = {Clinic: "clinics", User: "users", Membership: "memberships", Room: "rooms",
               Doctor: "doctors", Procedure: "procedures", Patient: "patients",
               Appointment: "appointments"}


def add(uow: Any, *objects: object) -> None:
    """Put the objects in a unit of work (fake or SQLAlchemy) and commit."""
    with uow:
        for item in objects:
            if isinstance(item, MessagingSettings):
                uow.messages.add_settings(item)
                continue
            getattr(uow, _REPOSITORY[type(item)]).add(item)
        uow.commit()
