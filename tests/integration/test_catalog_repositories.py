"""Rooms, doctors, procedures and patients in SQLite and PostgreSQL: storage, rules, search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from clinic.adapters.sqlalchemy.tenancy import TenantNotSet
from clinic.application.catalog.rooms import RoomFields
from clinic.application.patients.phones import parse_phone
from clinic.application.patients.save import PatientFields
from clinic.application.ports import ANY_CLINIC, Conflict
from clinic.domain.accounts import Clinic, Role, User
from clinic.domain.catalog import DOCTOR_COLORS, Doctor, Procedure, Room
from clinic.domain.patients import Patient
from clinic.domain.shared import ValidationFailed
from tests.acting import owner_of
from tests.factories import MembershipFactory, UserFactory
from tests.integration.conftest import empty_tables, make_container, make_settings

NOW = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=UTC)
ENTITIES = (Room, Doctor, Procedure, Patient)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def container(request, backend, tmp_path):
    url = request.getfixturevalue(f"{backend}_database")
    container = make_container(make_settings(url, tmp_path))
    yield container
    container.engine().dispose()
    empty_tables(url)


def _clinic(name: str, country: str = "RU") -> Clinic:
    return Clinic(name=name, timezone="Europe/Moscow", currency="RUB", country=country,
                  locale="ru", created_at=NOW)


def _save(container, *records) -> None:
    with container.uow(ANY_CLINIC) as uow:
        for repository, record in records:
            getattr(uow, repository).add(record)
        uow.commit()


@pytest.fixture
def clinics(container):
    first, second = _clinic("First"), _clinic("Second")
    _save(container, ("clinics", first), ("clinics", second))
    return first, second


def _patient(clinic, name, phone, created_at=NOW, email=None, note=None) -> Patient:
    return Patient.register(clinic.id, name, parse_phone(phone, clinic.country), created_at,
                            email, note)


class TestRoundTrips:
    def test_a_room_reads_back_as_written(self, container, clinics):
        clinic, _ = clinics
        room = Room(clinic.id, "Blue", "2nd floor", created_at=NOW, archived_at=NOW)
        _save(container, ("rooms", room))
        with container.uow(clinic.id) as uow:
            got = uow.rooms.get(room.id)
        assert (got.clinic_id, got.name, got.address, got.created_at, got.archived_at) == (
            clinic.id, "Blue", "2nd floor", NOW, NOW)
        assert got.archived

    def test_a_doctor_reads_back_as_written(self, container, clinics):
        clinic, _ = clinics
        user = User(email="anna@example.com", name="Anna", password_hash="h", created_at=NOW)
        doctor = Doctor(clinic.id, "Anna Petrova", "#a1b2c3", created_at=NOW, user_id=user.id,
                        photo_version=3)
        _save(container, ("users", user), ("doctors", doctor))
        with container.uow(clinic.id) as uow:
            got = uow.doctors.get(doctor.id)
        assert (got.name, got.color, got.user_id, got.photo_version, got.created_at,
                got.archived_at) == ("Anna Petrova", "#a1b2c3", user.id, 3, NOW, None)
        assert got.has_photo

    def test_a_procedure_keeps_a_price_beyond_32_bits_exactly(self, container, clinics):
        clinic, _ = clinics
        procedure = Procedure(clinic.id, "Implant", 9_999_999_999, "RUB", 480, created_at=NOW)
        _save(container, ("procedures", procedure))
        with container.uow(clinic.id) as uow:
            got = uow.procedures.get(procedure.id)
        assert (got.name, got.price_minor, got.currency, got.duration_minutes, got.created_at) == (
            "Implant", 9_999_999_999, "RUB", 480, NOW)

    def test_a_patient_reads_back_with_the_search_columns(self, container, clinics):
        clinic, _ = clinics
        patient = _patient(clinic, "Ёлкина Анна", "8 916 123-45-67", email="anna@example.com",
                           note="Аллергия на латекс")
        _save(container, ("patients", patient))
        with container.uow(clinic.id) as uow:
            got = uow.patients.get(patient.id)
            (twin,) = uow.patients.with_phone("+79161234567")
        assert (got.name, got.phone, got.email, got.note, got.created_at) == (
            "Ёлкина Анна", "+79161234567", "anna@example.com", "Аллергия на латекс", NOW)
        assert (got.name_folded, got.phone_digits) == ("елкина анна", "79161234567 89161234567")
        assert twin.id == patient.id

    def test_changes_to_a_loaded_record_are_saved_on_commit(self, container, clinics):
        clinic, _ = clinics
        room = Room(clinic.id, "Blue", None, created_at=NOW)
        _save(container, ("rooms", room))
        with container.uow(clinic.id) as uow:
            uow.rooms.get(room.id).archive(NOW + timedelta(days=1))
            uow.commit()
        with container.uow(clinic.id) as uow:
            assert uow.rooms.get(room.id).archived_at == NOW + timedelta(days=1)


class TestLists:
    def test_records_are_listed_by_name_then_age_without_the_archived(self, container, clinics):
        clinic, other = clinics
        records = [Doctor(clinic.id, name, DOCTOR_COLORS[0], created_at=NOW + timedelta(
            seconds=seconds)) for name, seconds in
            [("Gamma", 0), ("Alpha", 2), ("Beta", 0), ("Alpha", 1)]]
        archived = Doctor(clinic.id, "Aaron", DOCTOR_COLORS[0], created_at=NOW, archived_at=NOW)
        theirs = Doctor(other.id, "Abel", DOCTOR_COLORS[0], created_at=NOW)
        _save(container, *[("doctors", d) for d in [*records, archived, theirs]])
        with container.uow(clinic.id) as uow:
            active = uow.doctors.list()
            everything = uow.doctors.list(include_archived=True)
        assert [d.id for d in active] == [records[3].id, records[1].id, records[2].id,
                                          records[0].id]
        assert [d.name for d in everything] == ["Aaron", "Alpha", "Alpha", "Beta", "Gamma"]

    @pytest.mark.parametrize("kind", ["rooms", "procedures"])
    def test_rooms_and_procedures_are_listed_the_same_way(self, container, clinics, kind):
        clinic, other = clinics

        def make(clinic_id, name, archived_at=None):
            if kind == "rooms":
                return Room(clinic_id, name, None, created_at=NOW, archived_at=archived_at)
            return Procedure(clinic_id, name, 100, "RUB", 30, created_at=NOW,
                             archived_at=archived_at)

        _save(container, *[(kind, r) for r in [
            make(clinic.id, "Xray"), make(clinic.id, "Blue"), make(clinic.id, "Old", NOW),
            make(other.id, "Another")]])
        with container.uow(clinic.id) as uow:
            repository = getattr(uow, kind)
            assert [r.name for r in repository.list()] == ["Blue", "Xray"]
            assert [r.name for r in repository.list(include_archived=True)] == [
                "Blue", "Old", "Xray"]


class TestDatabaseRules:
    def test_a_second_active_room_with_the_same_name_is_refused(self, container, clinics):
        clinic, _ = clinics
        _save(container, ("rooms", Room(clinic.id, "Blue", None, created_at=NOW)))
        with pytest.raises(Conflict):
            _save(container, ("rooms", Room(clinic.id, "Blue", None, created_at=NOW)))
        with container.uow(clinic.id) as uow:
            assert [r.name for r in uow.rooms.list()] == ["Blue"]

    def test_the_name_is_free_again_once_the_first_room_is_archived(self, container, clinics):
        clinic, _ = clinics
        first = Room(clinic.id, "Blue", None, created_at=NOW)
        _save(container, ("rooms", first))
        with container.uow(clinic.id) as uow:
            uow.rooms.get(first.id).archive(NOW)
            uow.commit()
        second = Room(clinic.id, "Blue", None, created_at=NOW)
        third = Room(clinic.id, "Blue", None, created_at=NOW, archived_at=NOW)
        _save(container, ("rooms", second), ("rooms", third))
        with container.uow(clinic.id) as uow:
            assert [r.id for r in uow.rooms.list()] == [second.id]
            assert len(uow.rooms.list(include_archived=True)) == 3

    def test_restoring_the_archived_twin_is_refused_by_the_database(self, container, clinics):
        clinic, _ = clinics
        archived = Room(clinic.id, "Blue", None, created_at=NOW, archived_at=NOW)
        _save(container, ("rooms", archived), ("rooms", Room(clinic.id, "Blue", None,
                                                             created_at=NOW)))
        with pytest.raises(Conflict), container.uow(clinic.id) as uow:
            uow.rooms.get(archived.id).restore()
            uow.commit()

    def test_two_clinics_may_each_have_a_room_of_the_same_name(self, container, clinics):
        first, second = clinics
        _save(container, ("rooms", Room(first.id, "Blue", None, created_at=NOW)),
              ("rooms", Room(second.id, "Blue", None, created_at=NOW)))
        for clinic in clinics:
            with container.uow(clinic.id) as uow:
                assert [r.name for r in uow.rooms.list()] == ["Blue"]

    @pytest.mark.parametrize(("price_minor", "minutes"), [(-1, 30), (100, 7), (100, 0),
                                                          (100, 485)])
    def test_the_database_refuses_a_negative_price_or_an_odd_duration(
            self, container, clinics, price_minor, minutes):
        clinic, _ = clinics
        procedure = Procedure(clinic.id, "Bad", price_minor, "RUB", minutes, created_at=NOW)
        with pytest.raises(Conflict):
            _save(container, ("procedures", procedure))
        with container.uow(clinic.id) as uow:
            assert uow.procedures.get(procedure.id) is None

    def test_a_free_procedure_of_five_minutes_is_allowed(self, container, clinics):
        clinic, _ = clinics
        _save(container, ("procedures", Procedure(clinic.id, "Check", 0, "RUB", 5,
                                                  created_at=NOW)))


class TestRoomUseCasesOnSql:
    """The SQL session autoflushes before the uniqueness check, unlike the fakes."""

    @pytest.fixture
    def clinic_id(self, container):
        clinic, owner = _clinic("Smile"), UserFactory()
        _save(container, ("clinics", clinic), ("users", owner), ("memberships", MembershipFactory(
            clinic_id=clinic.id, user_id=owner.id, role=Role.OWNER)))
        return clinic.id

    def test_a_twin_in_another_case_is_a_field_error(self, container, clinic_id):
        container.save_room()(clinic_id, owner_of(container, clinic_id), RoomFields("Blue"))
        with pytest.raises(ValidationFailed) as raised:
            container.save_room()(clinic_id, owner_of(container, clinic_id), RoomFields("BLUE"))
        assert raised.value.errors == {"name": "name_taken"}

    def test_a_twin_with_exactly_the_same_name_is_a_field_error(self, container, clinic_id):
        container.save_room()(clinic_id, owner_of(container, clinic_id), RoomFields("Blue"))
        with pytest.raises(ValidationFailed) as raised:
            container.save_room()(clinic_id, owner_of(container, clinic_id), RoomFields("Blue"))
        assert raised.value.errors == {"name": "name_taken"}

    def test_restoring_a_room_whose_name_was_taken_is_a_field_error(self, container, clinic_id):
        blue = container.save_room()(clinic_id, owner_of(container, clinic_id), RoomFields("Blue"))
        container.archive_room()(clinic_id, owner_of(container, clinic_id), blue.id, True)
        container.save_room()(clinic_id, owner_of(container, clinic_id), RoomFields("blue"))
        with pytest.raises(ValidationFailed) as raised:
            container.archive_room()(clinic_id, owner_of(container, clinic_id), blue.id, False)
        assert raised.value.errors == {"name": "name_taken"}


class TestPatientFieldsFitTheColumns:
    @pytest.fixture
    def clinic_id(self, container):
        clinic, staff = _clinic("Smile"), UserFactory()
        _save(container, ("clinics", clinic), ("users", staff), ("memberships", MembershipFactory(
            clinic_id=clinic.id, user_id=staff.id, role=Role.STAFF)))
        self.staff = staff.id  # who saves the cards (the authorization rule checks them)
        return clinic.id

    def _saved_or_refused(self, container, clinic_id, fields):
        try:
            patient = container.save_patient()(clinic_id, self.staff, fields,
                                               allow_duplicate=True)
        except ValidationFailed:
            return "refused"
        with container.uow(clinic_id) as uow:
            return "saved" if uow.patients.get(patient.id) else "lost"

    def test_a_name_of_the_longest_length_is_kept(self, container, clinic_id):
        fields = PatientFields("Ё" * 120, "89161234567")
        assert self._saved_or_refused(container, clinic_id, fields) == "saved"

    def test_a_name_that_grows_when_folded_is_saved_or_refused_never_a_crash(
            self, request, backend, container, clinic_id):
        fields = PatientFields("Straße " + "ß" * 113, "89161234567")
        assert self._saved_or_refused(container, clinic_id, fields) in {"saved", "refused"}

    def test_a_phone_with_a_long_extension_is_saved_or_refused_never_a_crash(
            self, request, backend, container, clinic_id):
        fields = PatientFields("Anna", "89161234567 ext 12345678901234567890")
        assert self._saved_or_refused(container, clinic_id, fields) in {"saved", "refused"}


class TestPatientSearch:
    @pytest.fixture
    def people(self, container, clinics):
        mine, theirs = clinics
        elkina = _patient(mine, "Ёлкина Анна Петровна", "8 916 123-45-67", NOW)
        ivanov = _patient(mine, "Иванов Пётр", "+7 903 555-12-34", NOW + timedelta(minutes=1))
        smith = _patient(mine, "Anna Smith", "+1 415 555 2671", NOW + timedelta(minutes=2),
                         email="anna@example.com")
        stranger = _patient(theirs, "Ёлкин Борис", "8 916 123-45-68", NOW + timedelta(minutes=3))
        _save(container, *[("patients", p) for p in (elkina, ivanov, smith, stranger)])
        return mine, elkina, ivanov, smith

    def names(self, container, clinic, query):
        return [row.name for row in container.patient_queries().find(clinic.id, query).rows]

    @pytest.mark.parametrize("query", ["ЕЛКИН", "ёлкина", "Елкина  анна", "  лкина "])
    def test_a_name_fragment_is_found_whatever_its_case_and_its_yo(self, container, people,
                                                                   query):
        mine, *_ = people
        assert self.names(container, mine, query) == ["Ёлкина Анна Петровна"]

    def test_a_fragment_matches_anywhere_in_the_name_newest_first(self, container, people):
        mine, *_ = people
        assert self.names(container, mine, "ПЕТР") == ["Иванов Пётр", "Ёлкина Анна Петровна"]
        assert self.names(container, mine, "anna") == ["Anna Smith"]

    @pytest.mark.parametrize("query", ["8916123", "7916123", "+7 (916) 123", "8 916 123-45-67",
                                       "4567"])
    def test_a_phone_is_found_by_the_digits_in_home_or_international_form(
            self, container, people, query):
        mine, *_ = people
        assert self.names(container, mine, query) == ["Ёлкина Анна Петровна"]

    def test_digits_shared_by_several_phones_find_them_all(self, container, people):
        mine, *_ = people
        assert self.names(container, mine, "555") == ["Anna Smith", "Иванов Пётр"]

    def test_the_two_forms_of_a_phone_do_not_run_together(self, container, people):
        mine, *_ = people
        assert self.names(container, mine, "4567891") == []

    def test_an_empty_query_lists_everyone_newest_first(self, container, people):
        mine, elkina, ivanov, smith = people
        page = container.patient_queries().find(mine.id, "  ")
        assert [row.id for row in page.rows] == [smith.id, ivanov.id, elkina.id]
        assert page.total == 3
        assert (page.rows[0].phone, page.rows[0].email, page.rows[0].created_at) == (
            "+14155552671", "anna@example.com", NOW + timedelta(minutes=2))

    @pytest.mark.parametrize("query", ["Ан%", "Ан_", "Анна%", "Бор", "8916123456 8",
                                       "Ёлкин Борис"])
    def test_nothing_else_matches(self, container, people, query):
        mine, *_ = people
        assert self.names(container, mine, query) == []

    @pytest.mark.parametrize("query", ["%", "_", "%%", "%_%", "\\", "/", "*", "a_", "5%"])
    def test_like_wildcards_are_searched_as_written_not_as_wildcards(self, container, people,
                                                                     query):
        mine, *_ = people
        assert self.names(container, mine, query) == []

    def test_a_name_with_a_wildcard_is_found_by_it(self, container, clinics):
        mine, _theirs = clinics
        _save(container, ("patients", _patient(mine, "Anna 100% Smith", "+7 916 000-00-01")),
              ("patients", _patient(mine, "Ivan_Petrov", "+7 916 000-00-02")),
              ("patients", _patient(mine, "Oleg Sidorov", "+7 916 000-00-03")))
        assert self.names(container, mine, "%") == ["Anna 100% Smith"]
        assert self.names(container, mine, "0% s") == ["Anna 100% Smith"]
        assert self.names(container, mine, "_") == ["Ivan_Petrov"]
        assert self.names(container, mine, "n_p") == ["Ivan_Petrov"]
        assert self.names(container, mine, "+7 9") != []  # a phone being typed lists everyone

    def test_search_never_returns_another_clinics_patients(self, container, people, clinics):
        mine, theirs = clinics
        for query in ["", "Ёлкин", "8916123", "79161234568", "Борис"]:
            rows = container.patient_queries().find(theirs.id, query).rows
            assert [row.name for row in rows] == ["Ёлкин Борис"], query
        assert self.names(container, mine, "79161234568") == []

    def test_pages_walk_through_every_patient_once(self, container, clinics):
        mine, theirs = clinics
        patients = [_patient(mine, f"Patient {n:02d}", f"+7 916 000-00-{n:02d}",
                             NOW + timedelta(seconds=n)) for n in range(25)]
        _save(container, *[("patients", p) for p in patients],
              ("patients", _patient(theirs, "Patient 99", "+7 916 000-00-99")))
        find = container.patient_queries().find
        pages = [find(mine.id, "", offset=offset, limit=10) for offset in (0, 10, 20, 30)]
        assert [len(p.rows) for p in pages] == [10, 10, 5, 0]
        assert [(p.total, p.offset, p.limit) for p in pages] == [
            (25, 0, 10), (25, 10, 10), (25, 20, 10), (25, 30, 10)]
        walked = [row.name for page in pages for row in page.rows]
        assert walked == [f"Patient {n:02d}" for n in reversed(range(25))]
        searched = find(mine.id, "patient", offset=20, limit=10)
        assert [row.name for row in searched.rows] == [f"Patient {n:02d}" for n in range(4, -1,
                                                                                         -1)]
        assert searched.total == 25
        assert find(mine.id, "patient 1", limit=3).total == 10

    def test_an_exactly_full_last_page_still_counts_the_total(self, container, clinics):
        mine, _ = clinics
        _save(container, *[("patients", _patient(mine, f"P{n}", f"+7 916 000-00-{n:02d}",
                                                 NOW + timedelta(seconds=n)))
                           for n in range(4)])
        page = container.patient_queries().find(mine.id, "", offset=2, limit=2)
        assert (len(page.rows), page.total) == (2, 4)


class TestTenantGuard:
    @pytest.fixture
    def records(self, container, clinics):
        first, second = clinics
        made = {}
        for clinic in clinics:
            made[clinic.id] = [
                Room(clinic.id, "Blue", None, created_at=NOW),
                Doctor(clinic.id, "Anna", DOCTOR_COLORS[0], created_at=NOW),
                Procedure(clinic.id, "Filling", 450000, "RUB", 45, created_at=NOW),
                _patient(clinic, "Anna", "89161234567"),
            ]
            _save(container, *[(kind, record) for kind, record in zip(
                ("rooms", "doctors", "procedures", "patients"), made[clinic.id], strict=True)])
        return first, second, made

    @pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.__name__)
    def test_a_session_that_names_no_clinic_cannot_read_them(self, container, records, entity):
        session = container.session_factory()()
        try:
            with pytest.raises(TenantNotSet):
                session.scalars(select(entity)).all()
        finally:
            session.close()

    def test_a_scoped_unit_reads_only_its_own_clinic_even_with_a_broad_query(
            self, container, records):
        first, _second, _made = records
        with container.uow(first.id) as uow:
            for entity in ENTITIES:
                found = uow.session.scalars(select(entity)).all()
                assert {r.clinic_id for r in found} == {first.id}, entity.__name__
                assert len(found) == 1, entity.__name__

    def test_a_scoped_unit_cannot_fetch_another_clinics_record_by_id(self, container, records):
        first, second, made = records
        theirs = dict(zip(("rooms", "doctors", "procedures", "patients"), made[second.id],
                          strict=True))
        with container.uow(first.id) as uow:
            for kind, record in theirs.items():
                assert getattr(uow, kind).get(record.id) is None, kind
            assert [p.clinic_id for p in uow.patients.with_phone("+79161234567")] == [first.id]
        with container.uow(ANY_CLINIC) as uow:
            assert len(uow.session.scalars(select(Room)).all()) == 2


class TestShortSearches:
    @pytest.mark.parametrize("query", ["А", "ан", "89", "+7 9", "  "])  # "%": literally
    def test_fewer_than_three_letters_or_digits_list_the_newest_cards(self, container, clinics,
                                                                     query):
        mine, _ = clinics
        _save(container, *[("patients", _patient(mine, f"Анна {i}", f"+7 916 123-45-6{i}",
                                                  NOW + timedelta(minutes=i))) for i in range(3)])
        page = container.patient_queries().find(mine.id, query)
        assert [r.name for r in page.rows] == ["Анна 2", "Анна 1", "Анна 0"]

    def test_digits_alone_never_search_names(self, container, clinics):
        mine, _ = clinics
        _save(container, ("patients", _patient(mine, "Room 101 Ivanov", "+7 916 123-45-67")))
        assert container.patient_queries().find(mine.id, "101").rows == []


class TestCatalogReadModel:
    """The doors' read side (CatalogQueries): DTOs, the repositories' order, one clinic only."""

    def test_items_are_dtos_listed_like_the_repository_and_only_the_clinics_own(
            self, container, clinics):
        from clinic.application.catalog.queries import DoctorView, ProcedureView, RoomView

        clinic, other = clinics
        old = Room(clinic.id, "Blue", None, created_at=NOW - timedelta(days=1), archived_at=NOW)
        blue = Room(clinic.id, "Blue", "2nd floor", created_at=NOW)
        alpha = Room(clinic.id, "Alpha", None, created_at=NOW)
        theirs = Room(other.id, "Aaa", None, created_at=NOW)
        doctor = Doctor(clinic.id, "Anna", DOCTOR_COLORS[0], created_at=NOW, photo_version=2)
        price = Procedure(clinic.id, "Check-up", 250050, "RUB", 30, created_at=NOW)
        _save(container, *(("rooms", r) for r in (old, blue, alpha, theirs)),
              ("doctors", doctor), ("procedures", price))
        queries = container.catalog_queries()

        assert queries.items(clinic.id, "rooms") == [
            RoomView(alpha.id, "Alpha", None, False), RoomView(blue.id, "Blue", "2nd floor", False)]
        assert [r.id for r in queries.items(clinic.id, "rooms", include_archived=True)] == [
            alpha.id, old.id, blue.id]
        assert queries.items(clinic.id, "doctors") == [
            DoctorView(doctor.id, "Anna", DOCTOR_COLORS[0], 2, False, None)]
        assert queries.items(clinic.id, "doctors")[0].has_photo
        got = queries.item(clinic.id, "procedures", price.id)
        assert got == ProcedureView(price.id, "Check-up", 250050, "RUB", 30, False)
        assert str(got.price.to_decimal()) == "2500.50"
        assert queries.item(clinic.id, "rooms", old.id).archived
        assert queries.item(clinic.id, "rooms", theirs.id) is None  # another clinic's id
        assert queries.item(other.id, "rooms", blue.id) is None
