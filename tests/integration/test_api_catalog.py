"""The JSON API for rooms, doctors and procedures: lists, changes, archiving, tenancy, errors."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image

from tests.acting import owner_of

KINDS = ["rooms", "doctors", "procedures"]
NEW = {"rooms": {"name": "Room 2", "address": "Lenina 1"}, "doctors": {"name": "Boris Orlov"},
       "procedures": {"name": "Implant", "price": "45000", "duration_minutes": 90}}


def assert_field_problem(response, field: str) -> None:
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    messages = response.get_json()["errors"][field]
    assert isinstance(messages, list) and all(isinstance(m, str) and m for m in messages)


def test_a_new_clinic_lists_its_room_its_owner_as_doctor_and_eight_procedures(api):
    rooms, doctors = api.get("rooms").get_json(), api.get("doctors").get_json()
    assert rooms == {"items": [{"id": rooms["items"][0]["id"], "name": "Room 1",
                                "address": None, "archived": False}],
                     "total": 1, "offset": 0, "limit": 50}
    assert [d["name"] for d in doctors["items"]] == ["Anna Petrova"]
    procedures = api.get("procedures").get_json()
    assert procedures["total"] == 8
    consultation = next(p for p in procedures["items"] if p["name"] == "Consultation")
    assert consultation["price"] == "1000.00" and consultation["duration_minutes"] == 30


def test_a_room_is_added_read_and_changed_field_by_field(api):
    created = api.post("rooms", json={"name": "  Room   2 ", "address": "Lenina 1"})
    assert created.status_code == 201
    room = created.get_json()
    assert room == {"id": room["id"], "name": "Room 2", "address": "Lenina 1", "archived": False}
    assert api.get(f"rooms/{room['id']}").get_json() == room
    changed = api.patch(f"rooms/{room['id']}", json={"address": "Mira 5"})
    assert changed.status_code == 200 and changed.get_json() == {**room, "address": "Mira 5"}
    assert api.patch(f"rooms/{room['id']}", json={"address": None}).get_json()["address"] is None


def test_a_doctor_gets_a_free_colour_that_stays_when_only_the_name_changes(api):
    doctor = api.post("doctors", json={"name": "Boris Orlov"}).get_json()
    owner = api.get("doctors").get_json()["items"][0]
    assert doctor["color"].startswith("#") and doctor["color"] != owner["color"]
    assert doctor["photo_url"] is None and doctor["archived"] is False
    renamed = api.patch(f"doctors/{doctor['id']}", json={"name": "Boris Orlov Jr"}).get_json()
    assert renamed == {**doctor, "name": "Boris Orlov Jr"}
    recoloured = api.patch(f"doctors/{doctor['id']}", json={"color": "#FFE0C2"}).get_json()
    assert recoloured["color"] == "#ffe0c2"


@pytest.mark.parametrize(("sent", "kept"), [("2 500,50", "2500.50"), ("2500.5", "2500.50"),
                                            (1200, "1200.00"), (99.9, "99.90")])
def test_a_procedure_price_is_read_as_people_type_it_and_answered_in_major_units(
        api, sent, kept):
    created = api.post("procedures", json={"name": "Implant", "price": sent,
                                           "duration_minutes": 90})
    assert created.status_code == 201
    assert created.get_json()["price"] == kept and created.get_json()["duration_minutes"] == 90


def test_changing_only_a_procedures_duration_keeps_its_name_and_price(api):
    procedure = api.post("procedures", json=NEW["procedures"]).get_json()
    changed = api.patch(f"procedures/{procedure['id']}", json={"duration_minutes": 120})
    assert changed.get_json() == {**procedure, "duration_minutes": 120}


def test_lists_are_paged_with_offset_and_limit_in_name_order(api):
    everything = [p["name"] for p in api.get("procedures").get_json()["items"]]
    assert everything == sorted(everything)
    last = api.get("procedures", query_string={"offset": 6, "limit": 3}).get_json()
    assert last["total"] == 8 and last["offset"] == 6 and last["limit"] == 3
    assert [p["name"] for p in last["items"]] == everything[6:]


@pytest.mark.parametrize(("query", "field"), [
    ({"limit": 0}, "limit"), ({"limit": 201}, "limit"), ({"offset": -1}, "offset"),
    ({"limit": "many"}, "limit"), ({"include_archived": "perhaps"}, "include_archived")])
def test_a_wrong_list_parameter_is_a_422_problem_naming_it(api, query, field):
    assert_field_problem(api.get("rooms", query_string=query), field)


@pytest.mark.parametrize("kind", KINDS)
def test_delete_archives_and_patch_restores(api, kind):
    item = api.post(kind, json=NEW[kind]).get_json()
    deleted = api.delete(f"{kind}/{item['id']}")
    assert deleted.status_code == 200 and deleted.get_json() == {**item, "archived": True}
    assert item["id"] not in [i["id"] for i in api.get(kind).get_json()["items"]]
    listed = api.get(kind, query_string={"include_archived": "true"}).get_json()["items"]
    assert {**item, "archived": True} in listed
    restored = api.patch(f"{kind}/{item['id']}", json={"archived": False})
    assert restored.status_code == 200 and restored.get_json() == item
    assert item in api.get(kind).get_json()["items"]


def test_restoring_a_room_whose_name_was_taken_meanwhile_is_refused(api):
    room = api.post("rooms", json={"name": "Room 2"}).get_json()
    api.delete(f"rooms/{room['id']}")
    api.post("rooms", json={"name": "room 2"})
    assert_field_problem(api.patch(f"rooms/{room['id']}", json={"archived": False}), "name")


@pytest.mark.parametrize(("kind", "body", "field"), [
    ("rooms", {"name": ""}, "name"), ("rooms", {"name": "x" * 121}, "name"),
    ("rooms", {"name": "ROOM 1"}, "name"), ("rooms", {"address": "Mira 5"}, "name"),
    ("rooms", {"name": "A", "address": "x" * 201}, "address"), ("rooms", {"name": 5}, "name"),
    ("rooms", {"name": "A", "floor": 2}, "floor"), ("doctors", {"name": "B", "color": "red"},
                                                    "color"),
    ("doctors", {"name": None}, "name"), ("doctors", {"name": "B", "archived": True}, "archived"),
    *[("procedures", {"name": "X", "price": price, "duration_minutes": 30}, "price")
      for price in ["abc", "-5", "1.2345", "100000000", "", True, None, [1]]],
    *[("procedures", {"name": "X", "price": "100", "duration_minutes": minutes},
       "duration_minutes") for minutes in [0, 7, 485, "30", 30.5, None]],
    ("procedures", {"price": "100", "duration_minutes": 30}, "name")])
def test_each_field_error_on_create_is_a_422_problem_naming_the_field(api, kind, body, field):
    assert_field_problem(api.post(kind, json=body), field)


@pytest.mark.parametrize(("kind", "body", "field"), [
    ("rooms", {"name": " "}, "name"), ("rooms", {"archived": "no"}, "archived"),
    ("doctors", {"color": "#12345"}, "color"), ("procedures", {"price": "1,2,3"}, "price"),
    ("procedures", {"duration_minutes": 1000}, "duration_minutes"),
    ("procedures", {"id": "x"}, "id")])
def test_each_field_error_on_change_is_a_422_problem_and_changes_nothing(api, kind, body, field):
    item = api.post(kind, json=NEW[kind]).get_json()
    assert_field_problem(api.patch(f"{kind}/{item['id']}", json=body), field)
    assert api.get(f"{kind}/{item['id']}").get_json() == item


def test_field_errors_are_explained_in_words(api):
    body = api.post("procedures", json={"name": "", "price": "-1", "duration_minutes": 7})
    errors = body.get_json()["errors"]
    assert errors == {"name": ["This field is required."],
                      "price": ["The price cannot be negative."],
                      "duration_minutes": ["The duration must be 5 to 480 minutes, in steps of 5."]}


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"'])
def test_a_body_that_is_not_a_json_object_is_a_problem_not_a_crash(api, body):
    response = api.post("rooms", data=body, content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("kind", KINDS)
def test_an_id_that_is_not_a_uuid_or_unknown_is_a_404_problem(api, kind):
    for path in (f"{kind}/42", f"{kind}/00000000-0000-4000-8000-000000000000"):
        response = api.get(path)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"


@pytest.mark.parametrize("kind", KINDS)
def test_another_clinics_token_cannot_read_change_or_archive_a_record(api, other, kind):
    item = api.post(kind, json=NEW[kind]).get_json()
    path = f"{kind}/{item['id']}"
    for response in (other.get(path), other.patch(path, json={"name": "Taken over"}),
                     other.patch(path, json={"archived": True}), other.delete(path)):
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert api.get(path).get_json() == item
    assert item["id"] not in [i["id"] for i in other.get(kind).get_json()["items"]]


@pytest.mark.parametrize("path", ["rooms", "doctors", "procedures", "patients"])
def test_the_new_endpoints_need_a_token(client, path):
    response = client.get(f"/api/v1/{path}")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (50, 40), "teal").save(out, "JPEG")
    return out.getvalue()


def test_a_doctors_photo_is_linked_and_served_only_with_the_clinics_token(
        api, other, client, web_container):
    doctor = api.get("doctors").get_json()["items"][0]
    assert api.get(f"doctors/{doctor['id']}/photo").status_code == 404
    web_container.set_doctor_photo()(api.clinic_id, owner_of(web_container, api.clinic_id),
        uuid.UUID(doctor["id"]), jpeg())
    url = api.get(f"doctors/{doctor['id']}").get_json()["photo_url"]
    assert url.startswith(f"http://localhost/api/v1/doctors/{doctor['id']}/photo")
    photo = client.get(url, headers=api.headers)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(photo.data)).size == (640, 640)
    assert client.get(url).status_code == 401
    assert client.get(url, headers=other.headers).status_code == 404


def test_the_clinic_endpoint_also_answers_the_working_hours(api):
    clinic = api.get("clinic").get_json()
    assert clinic["working_hours"] == {"days": [1, 2, 3, 4, 5, 6], "start": "08:00",
                                       "end": "20:00"}
    assert clinic["name"] == "Smile" and clinic["currency"] == "RUB"


def test_the_openapi_document_describes_the_new_paths_and_schemas(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for kind in KINDS:
        assert set(spec["paths"][f"/api/v1/{kind}"]) == {"get", "post"}
        one = spec["paths"][f"/api/v1/{kind}/{{{kind[:-1]}_id}}"]
        assert {"get", "patch", "delete"} <= set(one)
    assert "get" in spec["paths"]["/api/v1/doctors/{doctor_id}/photo"]
    assert set(spec["paths"]["/api/v1/patients/{patient_id}"]) >= {"get", "patch"}
    assert "delete" not in spec["paths"]["/api/v1/patients/{patient_id}"]
    schemas = spec["components"]["schemas"]
    assert set(schemas["Procedure"]["properties"]) == {
        "id", "name", "price", "duration_minutes", "archived"}
    assert "working_hours" in schemas["Clinic"]["properties"]
