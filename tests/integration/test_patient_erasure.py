"""Erasure at a patient's request (issue 9): owner or admin, password asked again; the name,
phone, email and note are wiped, the card disappears everywhere at once, the visits stay as
"Deleted patient" for the figures, and the erasure is in the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from clinic.adapters.sqlalchemy import tables
from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.patients.save import PatientFields
from clinic.application.scheduling.book import BookingRequest
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import NotAllowed
from tests.acting import owner_of
from tests.integration.conftest import Browser, add_member

MONDAY_10 = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


@pytest.fixture
def visit(container):
    owner = container.sign_up()(SignUpCommand("Smile", "Anna", "anna@example.com",
                                              "correct horse", "en", "Europe/Moscow"))
    patient = container.save_patient()(owner.clinic_id, owner_of(container, owner.clinic_id),
        PatientFields(
        "Ivan Petrov", "+79161234567", "ivan@example.com", "allergic to penicillin"))
    with container.uow(owner.clinic_id) as uow:
        room, doctor = uow.rooms.list()[0].id, uow.doctors.list()[0].id
        procedure = uow.procedures.list()[0].id
    booked = container.book_appointment()(owner.clinic_id, BookingRequest(
        patient.id, room, doctor, MONDAY_10, [procedure],
        booked_by=owner_of(container, owner.clinic_id)))
    return owner, patient, booked


def test_erasing_wipes_the_card_keeps_the_visit_and_is_audited(container, visit):
    owner, patient, booked = visit
    erase = container.erase_patient()
    with pytest.raises(ValidationFailed) as wrong:
        erase(owner.clinic_id, owner.user_id, patient.id, "not my password", "Deleted patient")
    assert wrong.value.errors == {"password": "password_wrong"}
    staff = add_member(container, owner.clinic_id, "sam@example.com", "Sam", "staff")
    with pytest.raises(NotAllowed):
        erase(owner.clinic_id, staff, patient.id, "whatever", "Deleted patient")
    with container.uow(owner.clinic_id) as uow:
        assert uow.patients.get(patient.id).name == "Ivan Petrov"  # nothing changed yet

    erase(owner.clinic_id, owner.user_id, patient.id, "correct horse", "Deleted patient")
    with container.engine().connect() as conn:
        row = conn.execute(select(tables.patients).where(tables.patients.c.id == patient.id)).one()
        assert (row.name, row.phone, row.email, row.note, row.name_folded, row.phone_digits) == (
            "Deleted patient", "", None, None, "", "")
        assert conn.execute(select(tables.appointments.c.patient_id).where(
            tables.appointments.c.id == booked.id)).scalar() == patient.id  # the visit stays
        last = conn.execute(select(tables.audit_log.c.action, tables.audit_log.c.entity_id)
                            .order_by(tables.audit_log.c.seq.desc()).limit(1)).one()
    assert (str(last.action.value), last.entity_id) == ("patient.erased", patient.id)
    with container.uow(owner.clinic_id) as uow:
        assert uow.patients.get(patient.id) is None  # gone for every page and the API
    found = container.patient_queries().find(owner.clinic_id, "")
    assert patient.id not in [p.id for p in found.rows]
    assert container.patient_queries().find(owner.clinic_id, "Ivan").rows == []
    # the phone is free again: no "this phone is on Ivan's card" for a new card
    container.save_patient()(owner.clinic_id, owner_of(container, owner.clinic_id),
        PatientFields("Someone", "+79161234567"))
    with pytest.raises(NotFound):
        erase(owner.clinic_id, owner.user_id, patient.id, "correct horse", "Deleted patient")
    with pytest.raises(ValidationFailed):  # no new visit for an erased card
        container.book_appointment()(owner.clinic_id, BookingRequest(
            patient.id, booked.room_id, booked.doctor_id, MONDAY_10.replace(hour=9),
            [booked.lines[0].procedure_id], booked_by=owner_of(container, owner.clinic_id)))


def test_the_pages_ask_for_the_password_and_the_card_is_gone_after(app, web_container):
    owner = Browser(app.test_client())
    owner.sign_up()
    clinic_id = web_container.account_queries().tenants()[0].id
    patient = web_container.save_patient()(clinic_id, owner_of(web_container, clinic_id),
        PatientFields("Ivan Petrov",
                                                                   "+79161234567"))
    with web_container.uow(clinic_id) as uow:
        room, doctor = uow.rooms.list()[0].id, uow.doctors.list()[0].id
        procedure = uow.procedures.list()[0].id
    booked = web_container.book_appointment()(clinic_id, BookingRequest(
        patient.id, room, doctor, MONDAY_10, [procedure],
        booked_by=owner_of(web_container, clinic_id)))
    card = owner.client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Erase this patient" in card
    path = f"/patients/{patient.id}/erase"
    wrong = owner.post(path, {"password": "nope"}, source=path)
    assert wrong.status_code == 422
    assert "This is not the password of this account" in wrong.get_data(as_text=True)
    done = owner.post(path, {"password": "correct horse"}, source=path)
    assert done.status_code == 302 and done.headers["Location"].endswith("/patients")
    assert owner.client.get(f"/patients/{patient.id}").status_code == 404
    assert "Ivan Petrov" not in owner.client.get("/patients").get_data(as_text=True)
    dialog = owner.client.get(f"/calendar/appointments/{booked.id}").get_data(as_text=True)
    assert "Deleted patient" in dialog and "Open the card" not in dialog
