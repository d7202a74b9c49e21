"""Templates get read models' DTOs, never mapped entities: a page rendered from an ORM object
could lazy-load (a query per row) or show a half-changed object. Every page a person of each
area opens is rendered here and each value handed to its template is checked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import template_rendered
from sqlalchemy.orm import class_mapper
from sqlalchemy.orm.exc import UnmappedClassError

from clinic.application.patients.save import PatientFields
from clinic.application.scheduling.book import BookingRequest
from tests.acting import owner_of
from tests.integration.conftest import Browser


def _mapped(value: Any) -> bool:
    try:
        class_mapper(type(value))
    except UnmappedClassError:
        return False
    return True


def _values(value: Any, depth: int = 0) -> Iterator[Any]:
    yield value
    if depth > 2:
        return
    if isinstance(value, dict):
        for item in value.values():
            yield from _values(item, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in list(value)[:20]:
            yield from _values(item, depth + 1)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from _values(getattr(value, name, None), depth + 1)


def test_no_page_hands_its_template_a_mapped_entity(app, web_container):
    owner = Browser(app.test_client())
    owner.sign_up()
    clinic_id = web_container.account_queries().tenants()[0].id
    patient = web_container.save_patient()(clinic_id, owner_of(web_container, clinic_id),
        PatientFields("Ivan", "+14155552671"))
    with web_container.uow(clinic_id) as uow:
        room, doctor = uow.rooms.list()[0], uow.doctors.list()[0]
        procedure = uow.procedures.list()[0]
    day = datetime.now(ZoneInfo("Europe/Moscow")).date() + timedelta(days=1)
    visit = web_container.book_appointment()(clinic_id, BookingRequest(
        patient.id, room.id, doctor.id, datetime.combine(day, time(10), ZoneInfo("Europe/Moscow")),
        [procedure.id], confirm_outside_hours=True, booked_by=owner_of(web_container, clinic_id)))
    details = f"/calendar/appointments/{visit.id}"
    pages = ["/calendar", "/calendar?view=day", details, f"{details}?edit=1", f"{details}?move=1",
             f"/calendar/book?start={day.isoformat()}T11:00&room_id={room.id}",
             "/patients", f"/patients/{patient.id}", f"/patients/{patient.id}/edit",
             "/rooms", "/doctors", "/procedures", f"/rooms/{room.id}/edit",
             f"/doctors/{doctor.id}/edit", f"/procedures/{procedure.id}/edit",
             "/team", "/settings", "/settings/audit", "/settings/api-keys", "/billing",
             "/reports", "/account", "/partner", "/more"]
    assert _mapped(room) and not _mapped(web_container.catalog_queries().items(
        clinic_id, "rooms")[0])  # the check tells an entity from a DTO
    found: list[tuple[str, str, str]] = []

    def seen(sender: Any, template: Any, context: dict[str, Any], **extra: Any) -> None:
        for name, value in context.items():
            if name in ("current_user", "g", "request", "session", "config"):
                continue
            for item in _values(value):
                if _mapped(item):
                    found.append((template.name, name, type(item).__name__))

    template_rendered.connect(seen, app)
    try:
        for page in pages:
            answer = owner.client.get(page)
            assert answer.status_code in (200, 302), (page, answer.status_code)
    finally:
        template_rendered.disconnect(seen, app)
    assert found == []
