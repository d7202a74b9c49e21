"""The JSON API for patient cards: adding, changing, finding, shared phones and tenancy."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.integration.conftest import Api

IVAN = {"name": "Ivan Sidorov", "phone": "8 (916) 123-45-67", "email": "Ivan@Example.com",
        "note": "Afraid of needles"}


def add(api: Api, name: str, phone: str) -> dict:
    response = api.post("patients", json={"name": name, "phone": phone})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_patient_card_is_added_with_the_phone_in_e164_and_read_back(api):
    created = api.post("patients", json=IVAN)
    assert created.status_code == 201
    card = created.get_json()
    assert card == {"id": card["id"], "name": "Ivan Sidorov", "phone": "+79161234567",
                    "email": "ivan@example.com", "note": "Afraid of needles",
                    "created_at": card["created_at"], "preferred_channel": None,
                    "refused_processing_on": None, "refused_notifications_on": None,
                    "refused_advertising_on": None}
    assert datetime.fromisoformat(card["created_at"]).tzinfo is not None
    assert api.get(f"patients/{card['id']}").get_json() == card


def test_the_preferred_channel_and_refusals_are_set_dated_kept_and_taken_back(api):
    card = api.post("patients", json={**IVAN, "preferred_channel": "telegram",
                                      "refuses_advertising": True}).get_json()
    assert card["preferred_channel"] == "telegram"
    assert card["refused_advertising_on"] is not None and card["refused_processing_on"] is None
    renamed = api.patch(f"patients/{card['id']}", json={"name": "Ivan Petrov"}).get_json()
    assert renamed["refused_advertising_on"] == card["refused_advertising_on"]  # left as is
    assert renamed["preferred_channel"] == "telegram"
    more = api.patch(f"patients/{card['id']}", json={"refuses_notifications": True}).get_json()
    assert more["refused_advertising_on"] == card["refused_advertising_on"]
    assert more["refused_notifications_on"] is not None and more["preferred_channel"] == \
        "telegram"
    back = api.patch(f"patients/{card['id']}", json={"refuses_advertising": False,
                                                     "preferred_channel": None}).get_json()
    assert back["refused_advertising_on"] is None and back["preferred_channel"] is None
    assert back["refused_notifications_on"] == more["refused_notifications_on"]
    for bad in ({"preferred_channel": "pigeon"}, {"refuses_advertising": "yes"},
                {"refuses_processing": 1}):
        answer = api.patch(f"patients/{card['id']}", json=bad)
        assert answer.status_code == 422, bad
        assert answer.headers["Content-Type"] == "application/problem+json"


def test_a_change_keeps_the_fields_it_leaves_out_and_null_clears_email_and_note(api):
    card = api.post("patients", json=IVAN).get_json()
    changed = api.patch(f"patients/{card['id']}", json={"name": "Ivan  Petrov"})
    assert changed.status_code == 200 and changed.get_json() == {**card, "name": "Ivan Petrov"}
    cleared = api.patch(f"patients/{card['id']}", json={"email": None, "note": None}).get_json()
    assert cleared["email"] is None and cleared["note"] is None
    assert cleared["phone"] == "+79161234567"


@pytest.mark.parametrize(("body", "field"), [
    ({**IVAN, "name": ""}, "name"), ({**IVAN, "name": "x" * 121}, "name"),
    ({**IVAN, "phone": "12"}, "phone"), ({**IVAN, "phone": "not a phone"}, "phone"),
    ({"name": "Ivan"}, "phone"), ({**IVAN, "email": "ivan@"}, "email"),
    ({**IVAN, "note": "x" * 2001}, "note"), ({**IVAN, "birthday": "1990-01-01"}, "birthday"),
    ({**IVAN, "phone": 79161234567}, "phone"), ({**IVAN, "allow_duplicate": "yes"},
                                                "allow_duplicate")])
def test_each_field_error_is_a_422_problem_naming_the_field(api, body, field):
    response = api.post("patients", json=body)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert all(isinstance(m, str) for m in response.get_json()["errors"][field])


def test_a_wrong_change_is_a_422_problem_and_keeps_the_card(api):
    card = api.post("patients", json=IVAN).get_json()
    response = api.patch(f"patients/{card['id']}", json={"phone": "123", "email": "x"})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"phone", "email"}
    assert api.get(f"patients/{card['id']}").get_json() == card


def test_a_phone_on_another_card_is_a_409_until_allow_duplicate_is_sent(api):
    first = api.post("patients", json=IVAN).get_json()
    twin = {"name": "Maria Sidorova", "phone": "+7 916 123 45 67"}
    refused = api.post("patients", json=twin)
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    problem = refused.get_json()
    assert problem["existing_patient_id"] == first["id"] and problem["status"] == 409
    assert '"allow_duplicate": true' in problem["detail"]
    assert api.get("patients").get_json()["total"] == 1
    second = api.post("patients", json={**twin, "allow_duplicate": True})
    assert second.status_code == 201 and second.get_json()["phone"] == first["phone"]


def test_a_card_sharing_a_phone_can_still_be_changed_but_not_given_anothers_phone(api):
    first = api.post("patients", json=IVAN).get_json()
    second = api.post("patients", json={**IVAN, "name": "Maria", "allow_duplicate": True})
    path = f"patients/{second.get_json()['id']}"
    assert api.patch(path, json={"note": "Mother of Ivan"}).status_code == 200
    assert api.patch(path, json={**IVAN, "name": "Maria"}).status_code == 200
    third = add(api, "Oleg", "+79031112233")
    moved = api.patch(f"patients/{third['id']}", json={"phone": "89161234567"})
    assert moved.status_code == 409 and moved.get_json()["existing_patient_id"] == first["id"]
    assert api.get(f"patients/{third['id']}").get_json()["phone"] == "+79031112233"


def test_patients_are_listed_newest_first_and_paged(api):
    names = [add(api, f"Patient {n}", f"+7903111220{n}")["name"] for n in range(5)]
    page = api.get("patients", query_string={"offset": 1, "limit": 2}).get_json()
    assert page["total"] == 5 and page["offset"] == 1 and page["limit"] == 2
    assert [p["name"] for p in page["items"]] == names[::-1][1:3]
    assert set(page["items"][0]) == {"id", "name", "phone", "email", "created_at"}
    assert api.get("patients").get_json()["limit"] == 50


def test_q_finds_patients_by_a_name_fragment_or_phone_digits(api):
    ivan = add(api, "Ivan Sidorov", "+79161234567")
    maria = add(api, "Maria Ivanova", "+79035550000")
    add(api, "Oleg Popov", "+79267778899")

    def found(q: str) -> list[str]:
        return [p["id"] for p in api.get("patients", query_string={"q": q}).get_json()["items"]]

    assert found("ivan") == [maria["id"], ivan["id"]]
    assert found("SIDOR") == [ivan["id"]]
    assert found("8 916 123") == [ivan["id"]]
    assert found("555") == [maria["id"]]
    assert found("nobody") == []


@pytest.mark.parametrize(("query", "field"), [
    ({"limit": 0}, "limit"), ({"limit": 201}, "limit"), ({"offset": -3}, "offset"),
    ({"q": "x" * 201}, "q")])
def test_a_wrong_list_parameter_is_a_422_problem_naming_it(api, query, field):
    response = api.get("patients", query_string=query)
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_patients_cannot_be_deleted(api):
    card = api.post("patients", json=IVAN).get_json()
    assert api.delete(f"patients/{card['id']}").status_code == 405
    assert api.get(f"patients/{card['id']}").status_code == 200


def test_an_id_that_is_not_a_uuid_or_unknown_is_a_404_problem(api):
    for path in ("patients/abc", "patients/00000000-0000-4000-8000-000000000000"):
        response = api.get(path)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_another_clinics_token_cannot_see_or_change_a_card(api, other):
    card = api.post("patients", json=IVAN).get_json()
    path = f"patients/{card['id']}"
    for response in (other.get(path), other.patch(path, json={"name": "Taken over"}),
                     other.patch(path, json={"allow_duplicate": True, "note": "x"})):
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert api.get(path).get_json() == card
    assert other.get("patients", query_string={"q": "Ivan"}).get_json()["total"] == 0
    assert other.post("patients", json=IVAN).status_code == 201  # its own card, no 409
