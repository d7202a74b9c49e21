"""GET /api/v1/members, and a token that follows its maker's membership on every request."""

from __future__ import annotations

import pytest

from clinic.application.accounts.sign_up import SignUpCommand
from clinic.entrypoints.web.app import create_app
from tests.acting import member_token
from tests.integration.conftest import Api, add_member, member_api


@pytest.fixture
def any_db_app(container):
    """The app on each database the `container` fixture is parametrised over."""
    return create_app(container.settings(), container)


@pytest.fixture
def clinic(container):
    """A clinic signed up by Anna (its owner, who is also its first doctor)."""
    return container.sign_up()(SignUpCommand(
        "Smile", "Anna Petrova", "anna@example.com", "correct horse", "en", "Europe/Moscow"))


def _membership(container, clinic_id, user_id):
    with container.uow(clinic_id) as uow:
        return uow.memberships.get(clinic_id, user_id)


def test_members_are_listed_owner_first_then_admins_then_staff_by_name(
        any_db_app, container, clinic):
    clinic_id = clinic.clinic_id
    clara = add_member(container, clinic_id, "clara@example.com", "Clara", "staff")
    boris = add_member(container, clinic_id, "boris@example.com", "Boris", "admin")
    aaron = add_member(container, clinic_id, "aaron@example.com", "Aaron", "staff")
    with container.uow(clinic_id) as uow:
        anna_doctor = next(d.id for d in uow.doctors.list() if d.user_id == clinic.user_id)
    api = member_api(any_db_app.test_client(), container, clinic_id, boris)

    response = api.get("members")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["total"], body["offset"], body["limit"]) == (4, 0, 50)
    assert [(m["name"], m["email"], m["role"]) for m in body["items"]] == [
        ("Anna Petrova", "anna@example.com", "owner"), ("Boris", "boris@example.com", "admin"),
        ("Aaron", "aaron@example.com", "staff"), ("Clara", "clara@example.com", "staff")]
    assert [m["user_id"] for m in body["items"]] == [
        str(clinic.user_id), str(boris), str(aaron), str(clara)]
    assert [m["doctor_id"] for m in body["items"]] == [str(anna_doctor), None, None, None]
    assert set(body["items"][0]) == {"user_id", "name", "email", "role", "doctor_id",
                                     "joined_at"}
    joined = _membership(container, clinic_id, clara).created_at
    assert body["items"][3]["joined_at"].startswith(joined.strftime("%Y-%m-%dT%H:%M:%S"))

    second = api.get("members?offset=1&limit=2").get_json()
    assert [m["name"] for m in second["items"]] == ["Boris", "Aaron"]
    assert (second["total"], second["offset"], second["limit"]) == (4, 1, 2)
    assert api.get("members?limit=0").status_code == 422


def test_only_admin_and_owner_tokens_may_list_the_people(any_db_app, container, clinic):
    client = any_db_app.test_client()
    clinic_id = clinic.clinic_id
    staff = member_api(client, container, clinic_id,
                       add_member(container, clinic_id, "clara@example.com", "Clara", "staff"))
    refused = staff.get("members")
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["detail"] == "Your role does not allow this."
    owner = member_api(client, container, clinic_id, clinic.user_id)
    operator = Api(client, clinic_id,
                   container.create_operator_token()(clinic_id, "website").secret)
    assert owner.get("members").status_code == 200
    assert operator.get("members").status_code == 200  # `clinic tokens create`: the owner's


def test_a_members_token_of_another_clinic_is_not_a_token_here(any_db_app, container, clinic):
    other = container.sign_up()(SignUpCommand(
        "Other", "Olga", "olga@example.com", "correct horse", "en", "Europe/Moscow"))
    # made for Smile by someone who belongs only to another clinic: speaks for nobody
    api = member_api(any_db_app.test_client(), container, clinic.clinic_id, other.user_id)
    assert api.get("clinic").status_code == 401


def test_a_removed_members_token_stops_working_on_the_next_request(
        any_db_app, container, clinic):
    clinic_id = clinic.clinic_id
    boris = add_member(container, clinic_id, "boris@example.com", "Boris", "admin")
    api = member_api(any_db_app.test_client(), container, clinic_id, boris)
    assert api.get("rooms").status_code == 200
    with container.uow(clinic_id) as uow:  # the membership goes; the token is not revoked
        uow.memberships.remove(uow.memberships.get(clinic_id, boris))
        uow.commit()
    for path in ("clinic", "rooms", "members"):
        response = api.get(path)
        assert response.status_code == 401, path
        assert response.mimetype == "application/problem+json"


def test_removing_a_person_through_the_team_ends_their_tokens(any_db_app, container, clinic):
    clinic_id = clinic.clinic_id
    clara = add_member(container, clinic_id, "clara@example.com", "Clara", "staff")
    api = member_api(any_db_app.test_client(), container, clinic_id, clara)
    assert api.get("patients").status_code == 200
    container.remove_member()(clinic_id, clinic.user_id, clara)
    assert api.get("patients").status_code == 401


def test_a_disabled_persons_token_stops_working(any_db_app, container, clinic):
    clinic_id = clinic.clinic_id
    boris = add_member(container, clinic_id, "boris@example.com", "Boris", "admin")
    api = member_api(any_db_app.test_client(), container, clinic_id, boris)
    assert api.get("clinic").status_code == 200
    with container.uow(clinic_id) as uow:
        uow.users.get(boris).disabled = True
        uow.commit()
    assert api.get("clinic").status_code == 401


def test_an_admin_made_staff_loses_write_access_on_the_next_request(
        any_db_app, container, clinic):
    clinic_id = clinic.clinic_id
    boris = add_member(container, clinic_id, "boris@example.com", "Boris", "admin")
    api = member_api(any_db_app.test_client(), container, clinic_id, boris)
    created = api.post("rooms", json={"name": "Room 2"})
    assert created.status_code == 201, created.get_data(as_text=True)
    room_id = created.get_json()["id"]
    assert api.get("members").status_code == 200

    container.change_role()(clinic_id, clinic.user_id, boris, "staff")

    assert api.post("rooms", json={"name": "Room 3"}).status_code == 403
    assert api.patch(f"rooms/{room_id}", json={"name": "Renamed"}).status_code == 403
    assert api.delete(f"rooms/{room_id}").status_code == 403
    assert api.get("members").status_code == 403
    assert api.get(f"rooms/{room_id}").get_json()["name"] == "Room 2"  # still reads
    assert api.get("patients").status_code == 200
    with container.uow(clinic_id) as uow:
        assert [r.name for r in uow.rooms.list()] == ["Room 1", "Room 2"]

    container.change_role()(clinic_id, clinic.user_id, boris, "admin")
    assert api.patch(f"rooms/{room_id}", json={"name": "Renamed"}).status_code == 200


def test_checking_a_token_costs_at_most_two_statements(container, clinic):
    from sqlalchemy import event

    clinic_id = clinic.clinic_id
    boris = add_member(container, clinic_id, "boris@example.com", "Boris", "admin")
    secrets = {"boris": member_token(container, clinic_id, boris, "b").secret,
               "operator": container.create_operator_token()(clinic_id, "website").secret}
    engine, statements = container.engine(), []

    def before(conn, cursor, statement, *args):
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        for who, secret in secrets.items():
            statements.clear()
            holder = container.authenticate_api_token()(secret)
            assert holder is not None and holder.role == ("admin" if who == "boris" else "owner")
            assert len(statements) <= 2, (who, statements)
    finally:
        event.remove(engine, "before_cursor_execute", before)
