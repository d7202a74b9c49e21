"""Booking and changing a visit, and the payment → partner credit chain, through their use
cases on the in-memory fakes (the database races stay in tests/integration/test_booking.py)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinic.application.accounts.sign_up import SignUp, SignUpCommand
from clinic.application.billing.ports import EventKind, ProviderEvent, ProviderPayment
from clinic.application.billing.subscription import RecordPayment, SyncSubscription
from clinic.application.billing.webhooks import HandleProviderEvent
from clinic.application.catalog.rooms import RoomFields, SaveRoom
from clinic.application.events import InProcessEventBus, subscribe_all
from clinic.application.patients.save import PatientFields, SavePatient
from clinic.application.referrals.ledger import CreditReferrer
from clinic.application.scheduling.book import BookAppointment, BookingRequest
from clinic.application.scheduling.change import AppointmentChanges, UpdateAppointment
from clinic.domain.licensing import PaymentKind
from clinic.domain.scheduling import DoctorBusy, RoomAlreadyBooked
from clinic.domain.shared import NotFound
from tests.acting import as_owner
from tests.unit.fakes import FakeHasher

ZONE = ZoneInfo("Europe/Moscow")
TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=ZONE)


def _clinic(uow, clock, email="anna@example.com", promo_code=""):
    signed_in = SignUp(uow, FakeHasher(), clock)(SignUpCommand(
        "Smile", "Anna Petrova", email, "correct horse", "ru", "Europe/Moscow",
        promo_code=promo_code))
    return signed_in


class _Desk(tuple):
    owner: uuid.UUID  # who books and changes visits (the authorization rule checks them)


@pytest.fixture
def desk(uow, clock):
    """A clinic with two rooms, its owner as the doctor, a patient and a consultation; the
    owner is `desk.owner`."""
    signed_in = _clinic(uow, clock)
    clinic_id = signed_in.clinic_id
    as_owner(SaveRoom(uow, clock), uow)(clinic_id, RoomFields("Room 2", ""))
    patient = SavePatient(uow, clock)(clinic_id, signed_in.user_id,
                                      PatientFields("Ivan", "+79161234567"))
    with uow(clinic_id) as u:
        rooms = sorted(u.rooms.list(), key=lambda r: r.name)
        doctor = u.doctors.list()[0]
        consultation = next(p for p in u.procedures.list() if p.duration_minutes == 30)
    found = _Desk((clinic_id, rooms, doctor, patient, consultation))
    found.owner = signed_in.user_id
    return found


def _request(desk, room: int = 0, starts_at: datetime = TUESDAY_10, **extra):
    _clinic_id, rooms, doctor, patient, consultation = desk
    extra.setdefault("booked_by", desk.owner)
    return BookingRequest(patient.id, rooms[room].id, doctor.id, starts_at,
                          [consultation.id], **extra)


def test_a_booking_takes_its_procedures_price_and_length(uow, clock, desk):
    clinic_id, *_rest, consultation = desk
    visit = BookAppointment(uow, clock)(clinic_id, _request(desk))
    assert (visit.ends_at - visit.starts_at) == timedelta(minutes=30)
    assert visit.price_minor == consultation.price_minor
    assert [line.name for line in visit.lines] == [consultation.name]


def test_a_busy_room_is_refused_with_the_nearest_free_start(uow, clock, desk):
    clinic_id = desk[0]
    book = BookAppointment(uow, clock)
    book(clinic_id, _request(desk))
    with pytest.raises(RoomAlreadyBooked) as refused:
        book(clinic_id, _request(desk, starts_at=TUESDAY_10 + timedelta(minutes=15)))
    assert refused.value.nearest_free_start == TUESDAY_10 + timedelta(minutes=30)


def test_a_doctor_in_two_rooms_at_once_needs_a_confirmation(uow, clock, desk):
    clinic_id = desk[0]
    book = BookAppointment(uow, clock)
    book(clinic_id, _request(desk))
    with pytest.raises(DoctorBusy):
        book(clinic_id, _request(desk, room=1))
    second = book(clinic_id, _request(desk, room=1, confirm_doctor_overlap=True))
    assert second.doctor_overlap_confirmed


def test_moving_a_visit_obeys_the_room_rule_and_keeps_its_length(uow, clock, desk):
    clinic_id, rooms = desk[0], desk[1]
    book, update = BookAppointment(uow, clock), UpdateAppointment(uow, clock)
    first = book(clinic_id, _request(desk))
    later = book(clinic_id, _request(desk, starts_at=TUESDAY_10 + timedelta(hours=1)))
    with pytest.raises(RoomAlreadyBooked):
        update(clinic_id, desk.owner, later.id, AppointmentChanges(starts_at=TUESDAY_10))
    moved = update(clinic_id, desk.owner, later.id, AppointmentChanges(
        starts_at=TUESDAY_10, room_id=rooms[1].id, confirm_doctor_overlap=True))
    assert (moved.starts_at, moved.room_id) == (TUESDAY_10, rooms[1].id)
    assert moved.ends_at - moved.starts_at == first.ends_at - first.starts_at


def test_only_a_member_books_or_changes_a_visit_and_a_refusal_writes_nothing(uow, clock, desk):
    clinic_id = desk[0]
    stranger = _clinic(uow, clock, email="boris@example.com").user_id  # another clinic's owner
    book, update = BookAppointment(uow, clock), UpdateAppointment(uow, clock)
    with pytest.raises(NotFound):
        book(clinic_id, _request(desk, booked_by=stranger))
    assert uow.store.appointments == {}
    visit = book(clinic_id, _request(desk))
    with pytest.raises(NotFound):
        update(clinic_id, stranger, visit.id, AppointmentChanges(note="moved"))
    with uow(clinic_id) as u:
        assert u.appointments.get(visit.id).note is None
    assert update(clinic_id, desk.owner, visit.id, AppointmentChanges(note="moved")).note == \
        "moved"


def test_a_paid_invoice_of_a_referred_clinic_credits_the_partner_once(uow, clock):
    referrer = _clinic(uow, clock)
    with uow(referrer.clinic_id) as u:
        code = u.clinics.get(referrer.clinic_id).promo_code
    referred = _clinic(uow, clock, email="boris@example.com", promo_code=code)
    bus = InProcessEventBus()
    subscribe_all(bus, [CreditReferrer(uow, clock)])
    record = RecordPayment(uow, bus, clock)
    handle = HandleProviderEvent(uow, None, SyncSubscription(uow, None, clock),  # type: ignore[arg-type]
                                 record, clock)
    paid = ProviderEvent(f"evt_{uuid.uuid4().hex}", "invoice.paid", EventKind.INVOICE_PAID,
                         clinic_id=referred.clinic_id,
                         payments=(ProviderPayment(PaymentKind.PAYMENT, "in_1", 1500, "USD"),))
    handle(paid)
    handle(paid)  # Stripe retries: nothing twice
    with uow(referrer.clinic_id) as u:
        assert u.referrals.from_source(referrer.clinic_id, referred.clinic_id) == 450
    with uow(referred.clinic_id) as u:
        assert [p.amount_cents for p in u.billing.payments(referred.clinic_id)] == [1500]
