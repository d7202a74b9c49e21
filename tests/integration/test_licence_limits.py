"""The licence at work (issue 7): two chairs and the owner are free; more rooms and people are
refused until paid for; after a lapse nothing is deleted, but the latest rooms beyond the
allowance take no new visits and the latest people beyond it only read."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from clinic.adapters.sqlalchemy import tables
from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.catalog.rooms import RoomFields
from clinic.application.patients.save import PatientFields
from clinic.application.scheduling.book import BookingRequest
from clinic.domain.licensing import ChairLimitReached, SeatLimitReached, SubscriptionStatus
from clinic.domain.scheduling import AppointmentStatus
from clinic.domain.shared import ValidationFailed
from clinic.entrypoints.cli.demo import pay_in_test_mode
from tests.acting import owner_of
from tests.integration.conftest import Browser, add_member, member_api
from tests.licences import grant_licence, set_licence

MONDAY_10 = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # 10:00 in Moscow, a working Monday


def _sign_up(container, email="anna@example.com", clinic="Smile"):
    return container.sign_up()(SignUpCommand(clinic, "Anna", email, "correct horse", "ru",
                                             "Europe/Moscow"))


def _count(container, table) -> int:
    with container.engine().connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def _at_once(times: int, action, refusal: type[Exception]) -> list[str]:
    """`action(n)` run by `times` threads released together: "done", "refused", or whatever
    else went wrong (a failure the test must show)."""
    results: list[str] = []
    barrier = threading.Barrier(times)

    def run(number: int) -> None:
        barrier.wait()
        try:
            action(number)
            results.append("done")
        except refusal:
            results.append("refused")
        except Exception as error:
            results.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return sorted(results)


# -- chairs --------------------------------------------------------------------------------

def test_a_third_room_waits_for_a_paid_chair_and_restoring_counts_too(container):
    owner = _sign_up(container)
    clinic = owner.clinic_id
    blue = container.save_room()(clinic, owner_of(container, clinic), RoomFields("Blue"))
    with pytest.raises(ChairLimitReached) as refused:
        container.save_room()(clinic, owner_of(container, clinic), RoomFields("Green"))
    assert (refused.value.in_use, refused.value.allowed) == (3, 2)
    container.archive_room()(clinic, owner_of(container, clinic), blue.id, True)
    container.save_room()(clinic, owner_of(container, clinic), RoomFields("Green"))
    with pytest.raises(ChairLimitReached):
        container.archive_room()(clinic, owner_of(container, clinic), blue.id, False)
    assert _count(container, tables.rooms) == 3  # Room 1, Blue (archived), Green

    assert pay_in_test_mode(container, clinic, owner.user_id, 1, 0)  # the real test-mode flow
    container.archive_room()(clinic, owner_of(container, clinic), blue.id, False)
    with container.uow(clinic) as uow:
        assert sorted(r.name for r in uow.rooms.list()) == ["Blue", "Green", "Room 1"]
    with pytest.raises(ChairLimitReached):
        container.save_room()(clinic, owner_of(container, clinic), RoomFields("Yellow"))


def test_five_rooms_added_at_once_take_only_the_one_free_chair(container):
    owner = _sign_up(container)
    clinic = owner.clinic_id
    grant_licence(container, clinic, chairs=1)
    container.save_room()(clinic, owner_of(container, clinic),
        RoomFields("Blue"))  # two chairs used of three
    results = _at_once(5, lambda n: container.save_room()(clinic, owner_of(container, clinic),
        RoomFields(f"Room {n + 10}")),
                       ChairLimitReached)
    assert results == ["done"] + ["refused"] * 4
    with container.uow(clinic) as uow:
        assert len(uow.rooms.list()) == 3


def test_fewer_chairs_apply_from_the_next_payment_and_the_page_says_so(app, web_container):
    owner = Browser(app.test_client())
    owner.sign_up()
    clinic_id = web_container.account_queries().tenants()[0].id
    owner_id = web_container.team_queries().members(clinic_id)[0].user_id
    pay_in_test_mode(web_container, clinic_id, owner_id, 2, 0)
    lowered = owner.post("/billing/plan", {"chairs": "1", "seats": "0"}, source="/billing")
    assert lowered.status_code == 302
    overview = web_container.show_billing()(clinic_id)
    assert overview.licence.allowed_chairs == 4  # paid for until the period ends
    assert overview.next_numbers == (1, 0)
    page = _text(owner.client.get("/billing"))
    assert "1 extra chair(s) and 0 extra person(s), $5.00 a month" in page


# -- seats ---------------------------------------------------------------------------------

def test_people_beyond_the_paid_seats_are_refused_and_waiting_invitations_count(container):
    owner = _sign_up(container)
    clinic, invite = owner.clinic_id, container.invite_member()
    with pytest.raises(SeatLimitReached) as refused:
        invite(clinic, owner.user_id, "olga@example.com", "staff", lambda token: token)
    assert (refused.value.in_use, refused.value.allowed) == (1, 0)
    assert _count(container, tables.invitations) == 0

    grant_licence(container, clinic, seats=1)
    olga = invite(clinic, owner.user_id, "olga@example.com", "staff", lambda token: token)
    with pytest.raises(SeatLimitReached):  # Olga has not answered yet: her place is taken
        invite(clinic, owner.user_id, "ivan@example.com", "staff", lambda token: token)
    container.revoke_invitation()(clinic, owner.user_id, olga.id)
    invite(clinic, owner.user_id, "ivan@example.com", "staff", lambda token: token)


def test_five_invitations_at_once_take_only_the_one_paid_seat(container):
    owner = _sign_up(container)
    clinic = owner.clinic_id
    grant_licence(container, clinic, seats=1)
    results = _at_once(5, lambda n: container.invite_member()(
        clinic, owner.user_id, f"p{n}@example.com", "staff", lambda token: token),
        SeatLimitReached)
    assert results == ["done"] + ["refused"] * 4
    assert _count(container, tables.invitations) == 1


# -- a lapse -------------------------------------------------------------------------------

@pytest.fixture
def lapsed(container):
    """A clinic that paid for 2 more chairs and 2 people, with 4 rooms, 2 staff and a visit in
    each room; then its subscription lapsed."""
    owner = _sign_up(container)
    clinic = owner.clinic_id
    grant_licence(container, clinic, chairs=2, seats=2)
    for name in ("Room 2", "Room 3", "Room 4"):
        container.save_room()(clinic, owner_of(container, clinic), RoomFields(name))
    first = add_member(container, clinic, "olga@example.com", "Olga", "staff")
    later = add_member(container, clinic, "ivan@example.com", "Ivan", "staff")
    with container.engine().begin() as conn:  # joined a day apart, so "the latest" is clear
        conn.execute(tables.memberships.update().where(tables.memberships.c.user_id == first)
                     .values(created_at=datetime(2026, 1, 1, tzinfo=UTC)))
    patient = container.save_patient()(clinic, owner_of(container, clinic),
        PatientFields("Ivan Petrov", "+79161234567"))
    with container.uow(clinic) as uow:
        rooms = {r.name: r.id for r in uow.rooms.list()}
        doctor = uow.doctors.list()[0].id
        procedure = uow.procedures.list()[0].id
    visits = {}
    for hour, (name, room_id) in enumerate(sorted(rooms.items())):
        visits[name] = container.book_appointment()(clinic, BookingRequest(
            patient.id, room_id, doctor, MONDAY_10 + timedelta(hours=hour), [procedure],
            confirm_doctor_overlap=True, booked_by=owner_of(container, clinic))).id
    set_licence(container, clinic, SubscriptionStatus.LAPSED)
    return {"clinic": clinic, "owner": owner.user_id, "rooms": rooms, "doctor": doctor,
            "procedure": procedure, "patient": patient.id, "visits": visits,
            "first": first, "later": later}


def _book(container, lapsed, room: str, hour: int):
    return container.book_appointment()(lapsed["clinic"], BookingRequest(
        lapsed["patient"], lapsed["rooms"][room], lapsed["doctor"],
        MONDAY_10 + timedelta(days=1, hours=hour), [lapsed["procedure"]],
        confirm_doctor_overlap=True, booked_by=owner_of(container, lapsed["clinic"])))


def test_after_a_lapse_the_latest_rooms_take_no_new_visits_but_keep_theirs(container, lapsed):
    clinic = lapsed["clinic"]
    _book(container, lapsed, "Room 1", 0)
    _book(container, lapsed, "Room 2", 1)
    for room in ("Room 3", "Room 4"):
        with pytest.raises(ValidationFailed) as refused:
            _book(container, lapsed, room, 2)
        assert refused.value.errors == {"room_id": "room_frozen"}
    # their visits stay, can be cancelled, and cannot be moved into a frozen room
    cancelled = container.change_appointment_status()(
        clinic, owner_of(container, clinic), lapsed["visits"]["Room 4"],
        AppointmentStatus.CANCELLED)
    assert cancelled.status is AppointmentStatus.CANCELLED
    with pytest.raises(ValidationFailed):
        container.move_appointment()(clinic, owner_of(container, clinic),
                                     lapsed["visits"]["Room 1"],
                                     MONDAY_10 + timedelta(days=2), lapsed["rooms"]["Room 3"],
                                     lapsed["doctor"])
    assert _count(container, tables.rooms) == 4  # nothing deleted
    overview = container.show_billing()(clinic)
    assert sorted(overview.frozen_rooms) == ["Room 3", "Room 4"]

    set_licence(container, clinic, SubscriptionStatus.ACTIVE)  # paid again: everything works
    _book(container, lapsed, "Room 4", 3)
    assert container.show_billing()(clinic).frozen_rooms == []


def test_after_a_lapse_the_latest_people_only_read(container, lapsed):
    clinic, queries = lapsed["clinic"], container.account_queries()
    assert queries.session_user(lapsed["owner"], clinic).read_only is False
    assert queries.session_user(lapsed["first"], clinic).read_only is True  # no seats at all
    assert queries.session_user(lapsed["later"], clinic).read_only is True
    set_licence(container, clinic, SubscriptionStatus.ACTIVE, seats=1)  # the first keeps it
    assert queries.session_user(lapsed["first"], clinic).read_only is False
    assert queries.session_user(lapsed["later"], clinic).read_only is True
    assert container.show_billing()(clinic).frozen_people == ["Ivan"]
    set_licence(container, clinic, SubscriptionStatus.ACTIVE, seats=2)
    assert queries.session_user(lapsed["later"], clinic).read_only is False


# -- the pages and the API -----------------------------------------------------------------

def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_room_form_offers_the_third_chair_and_paying_brings_the_form_back(app,
                                                                               web_container):
    owner = Browser(app.test_client())
    owner.sign_up()
    owner.post("/rooms/new", {"name": "Room 2", "address": ""}, source="/rooms/new")
    offered = owner.post("/rooms/new", {"name": "Surgery", "address": "Lenina 5"},
                         source="/rooms/new")
    page = _text(offered)
    assert offered.status_code == 402
    assert "A third chair costs $5.00 a month." in page and 'value="Surgery"' in page
    assert "Add a chair for $5.00 a month" in page
    back = re.search(r'name="back" value="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert back.startswith("/rooms/new?") and "name=Surgery" in back
    to_pay = owner.post("/billing/plan", {"chairs": "1", "seats": "0", "back": back},
                        source="/rooms/new")
    checkout = to_pay.headers["Location"]
    assert "/billing/test-pay/" in checkout
    paid = owner.post(checkout, {}, source=checkout)
    returned = paid.headers["Location"]
    assert returned.endswith("paid=1") and "/rooms/new?" in returned
    form = _text(owner.client.get(returned))
    assert 'value="Surgery"' in form and 'value="Lenina 5"' in form
    assert "Thank you for the payment" in form
    assert owner.post("/rooms/new", {"name": "Surgery", "address": "Lenina 5"},
                      source="/rooms/new").status_code == 302
    clinic_id = web_container.account_queries().tenants()[0].id
    with web_container.uow(clinic_id) as uow:
        assert sorted(r.name for r in uow.rooms.list()) == ["Room 1", "Room 2", "Surgery"]
    assert "$5.00" in _text(owner.client.get("/billing"))


def test_an_admin_is_told_to_ask_the_owner_and_a_stranger_cannot_come_back_elsewhere(
        app, web_container):
    owner = Browser(app.test_client())
    owner.sign_up()
    clinic_id = web_container.account_queries().tenants()[0].id
    web_container.save_room()(clinic_id, owner_of(web_container, clinic_id), RoomFields("Room 2"))
    admin_id = add_member(web_container, clinic_id, "boris@example.com", "Boris", "admin")
    with web_container.engine().begin() as conn:
        conn.execute(tables.users.update().where(tables.users.c.id == admin_id).values(
            password_hash=web_container.password_hasher().hash("correct horse")))
    admin = Browser(app.test_client())
    admin.sign_in("boris@example.com")
    refused = admin.post("/rooms/new", {"name": "Surgery", "address": ""}, source="/rooms/new")
    page = _text(refused)
    assert refused.status_code == 402
    assert "owner to add a chair on the Billing page." in page
    assert "/billing/plan" not in page
    # paying can come back only to this site
    sent = owner.post("/billing/plan", {"chairs": "1", "seats": "1",  # Boris's seat too
                                        "back": "//evil.example/steal"}, source="/billing")
    checkout = sent.headers["Location"]
    assert owner.post(checkout, {}, source=checkout).headers["Location"].endswith(
        "/billing?paid=1")


def test_inviting_past_the_free_plan_offers_a_place_and_keeps_the_address(app):
    owner = Browser(app.test_client())
    owner.sign_up()
    offered = owner.post("/team/invite", {"email": "olga@example.com", "role": "admin"},
                         source="/team")
    page = _text(offered)
    assert offered.status_code == 402
    assert "Only the owner is included in the free plan" in page
    assert "Add a place for $1.00 a month" in page and 'value="olga@example.com"' in page


def test_a_read_only_person_can_look_but_a_change_is_refused_and_nothing_written(
        app, web_container):
    owner = Browser(app.test_client())
    owner.sign_up()
    clinic_id = web_container.account_queries().tenants()[0].id
    sam = add_member(web_container, clinic_id, "sam@example.com", "Sam", "staff", paid=False)
    with web_container.engine().begin() as conn:
        conn.execute(tables.users.update().where(tables.users.c.id == sam).values(
            password_hash=web_container.password_hasher().hash("correct horse")))
    staff = Browser(app.test_client())
    staff.sign_in("sam@example.com")
    calendar = staff.client.get("/calendar")
    assert calendar.status_code == 200
    assert "Read-only for now" in _text(calendar)
    before = _count(web_container, tables.patients)
    refused = staff.post("/patients/new", {"name": "Ivan", "phone": "+79161234567"},
                         source="/patients/new")
    assert refused.status_code == 403
    assert "You can look, but not change anything now" in _text(refused)
    in_dialog = staff.post("/patients/new", {"name": "Ivan", "phone": "+79161234567"},
                           source="/patients/new", headers={"HX-Request": "true"})
    assert in_dialog.status_code == 403 and "<html" not in in_dialog.get_data(as_text=True)
    assert "Ask the clinic" in _text(in_dialog)
    assert _count(web_container, tables.patients) == before
    # the API speaks for its maker: reads work, changes are refused as a problem
    api = member_api(app.test_client(), web_container, clinic_id, sam)
    assert api.get("patients").status_code == 200
    answer = api.post("patients", json={"name": "Ivan", "phone": "+79161234567"})
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    assert "Billing page" in answer.get_json()["detail"]
    assert _count(web_container, tables.patients) == before


def test_the_api_answers_a_room_past_the_paid_chairs_with_402(api):
    assert api.post("rooms", json={"name": "Room 2"}).status_code == 201
    answer = api.post("rooms", json={"name": "Room 3"})
    assert answer.status_code == 402 and answer.mimetype == "application/problem+json"
    body = answer.get_json()
    assert body["type"] == "/api/v1/problems/chair-limit" and body["chairs_allowed"] == 2
