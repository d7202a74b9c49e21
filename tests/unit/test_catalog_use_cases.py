"""Rooms, doctors, procedures, patients and clinic settings through their use cases, on fakes."""

from __future__ import annotations

import uuid

import pytest

from clinic.application.accounts.clinic_settings import ClinicSettings, UpdateClinicSettings
from clinic.application.accounts.sign_up import SignUp, SignUpCommand, StarterKit
from clinic.application.catalog.archive import SetArchived
from clinic.application.catalog.doctors import (
    MAX_PHOTO_BYTES,
    MAX_PHOTO_PIXELS,
    DoctorFields,
    LoadDoctorPhoto,
    RemoveDoctorPhoto,
    SaveDoctor,
    SetDoctorPhoto,
)
from clinic.application.catalog.procedures import ProcedureFields, SaveProcedure
from clinic.application.catalog.rooms import RoomFields, SaveRoom
from clinic.application.patients.save import PatientFields, SavePatient
from clinic.domain.accounts import Role
from clinic.domain.catalog import DOCTOR_COLORS, STARTER_PROCEDURES, Doctor, Procedure, Room
from clinic.domain.licensing import ChairLimitReached, Subscription, SubscriptionStatus
from clinic.domain.patients import DuplicatePhone, Patient, PhoneNumber
from clinic.domain.shared import Money, NotFound, ValidationFailed
from clinic.domain.team import NotAllowed
from tests.acting import as_owner, owner_of
from tests.factories import MembershipFactory, UserFactory, add
from tests.unit.fakes import FakeFileStore, FakeHasher


class FakePhotoProcessor:
    """Stands in for Pillow: 'photo' bytes are an image, anything else is not."""

    def square_versions(self, data: bytes, limits: object) -> dict[str, tuple[bytes, str]]:
        assert limits == MAX_PHOTO_PIXELS
        if not data.startswith(b"photo"):
            raise ValidationFailed({"photo": "photo_invalid"})
        return {"thumb": (b"thumb:" + data, "image/jpeg"),
                "large": (b"large:" + data, "image/jpeg")}


def sign_up(uow, clock, email="anna@example.com", locale="ru", treats_patients=True,
            starter=None, timezone="Europe/Moscow"):
    return SignUp(uow, FakeHasher(), clock)(SignUpCommand(
        "Smile", "Anna Petrova", email, "correct horse", locale, timezone,
        treats_patients=treats_patients, starter=starter))


@pytest.fixture
def clinic_id(uow, clock):
    """A Russian clinic whose owner does not treat patients: only the starter room and list."""
    return sign_up(uow, clock, treats_patients=False).clinic_id


@pytest.fixture
def other_clinic_id(uow, clock):
    return sign_up(uow, clock, email="boris@example.com", locale="en",
                   treats_patients=False).clinic_id


def errors_of(call, *args, **kwargs) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as raised:
        call(*args, **kwargs)
    return raised.value.errors


def active_room_names(uow, clinic_id):
    with uow(clinic_id) as scoped:
        return [r.name for r in scoped.rooms.list()]


def grant_chairs(uow, clock, clinic_id, extra):
    """What a confirmed payment leaves behind: an active subscription with `extra` chairs."""
    uow.store.subscriptions[clinic_id] = Subscription(
        clinic_id, clock.now(), SubscriptionStatus.ACTIVE, paid_chairs=extra)


class TestChairLimit:
    """Each active room is a chair: two are free, more must be paid for."""

    def test_a_third_room_is_refused_until_a_chair_is_paid_for(self, uow, clock, clinic_id):
        save = as_owner(SaveRoom(uow, clock), uow)
        save(clinic_id, RoomFields("Blue"))  # the second, beside the starter "Room 1"
        with pytest.raises(ChairLimitReached) as refused:
            save(clinic_id, RoomFields("Green"))
        assert (refused.value.in_use, refused.value.allowed) == (3, 2)
        assert active_room_names(uow, clinic_id) == ["Blue", "Room 1"]
        grant_chairs(uow, clock, clinic_id, 1)
        save(clinic_id, RoomFields("Green"))
        assert active_room_names(uow, clinic_id) == ["Blue", "Green", "Room 1"]

    def test_restoring_a_room_takes_a_chair_too(self, uow, clock, clinic_id):
        save = as_owner(SaveRoom(uow, clock), uow)
        archive = as_owner(SetArchived(uow, clock, "rooms"), uow)
        blue = save(clinic_id, RoomFields("Blue"))
        archive(clinic_id, blue.id, True)
        save(clinic_id, RoomFields("Green"))
        with pytest.raises(ChairLimitReached):
            archive(clinic_id, blue.id, False)
        assert uow.store.rooms[blue.id].archived

    def test_changing_a_room_needs_no_free_chair(self, uow, clock, clinic_id):
        save = as_owner(SaveRoom(uow, clock), uow)
        blue = save(clinic_id, RoomFields("Blue"))
        save(clinic_id, RoomFields("Blue room", "2nd floor"), blue.id)
        assert uow.store.rooms[blue.id].name == "Blue room"

    def test_a_lapsed_subscription_allows_the_free_chairs_only(self, uow, clock, clinic_id):
        save = as_owner(SaveRoom(uow, clock), uow)
        uow.store.subscriptions[clinic_id] = Subscription(
            clinic_id, clock.now(), SubscriptionStatus.LAPSED, paid_chairs=5)
        save(clinic_id, RoomFields("Blue"))
        with pytest.raises(ChairLimitReached):
            save(clinic_id, RoomFields("Green"))


class TestRooms:
    @pytest.fixture(autouse=True)
    def chairs(self, uow, clock, clinic_id):
        grant_chairs(uow, clock, clinic_id, 3)  # these tests are about names, not the licence

    @pytest.fixture
    def save(self, uow, clock):
        return as_owner(SaveRoom(uow, clock), uow)

    @pytest.fixture
    def archive(self, uow, clock):
        return as_owner(SetArchived(uow, clock, "rooms"), uow)

    def test_a_room_is_kept_with_a_tidy_name_and_address(self, uow, clinic_id, save):
        room = save(clinic_id, RoomFields("  Blue   room ", "  2nd floor "))
        stored = uow.store.rooms[room.id]
        assert (stored.clinic_id, stored.name, stored.address) == (clinic_id, "Blue room",
                                                                   "2nd floor")
        assert not stored.archived

    def test_an_empty_address_is_no_address(self, uow, clinic_id, save):
        room = save(clinic_id, RoomFields("Blue", "   "))
        assert uow.store.rooms[room.id].address is None

    def test_a_room_name_is_required_and_the_address_has_a_limit(self, clinic_id, save):
        assert errors_of(save, clinic_id, RoomFields(" ", "x" * 201)) == {
            "name": "required", "address": "too_long"}

    def test_two_active_rooms_cannot_share_a_name_whatever_its_case(self, uow, clinic_id, save):
        save(clinic_id, RoomFields("Blue"))
        assert errors_of(save, clinic_id, RoomFields("  BLUE ")) == {"name": "name_taken"}
        assert errors_of(save, clinic_id, RoomFields("room 1")) == {"name": "name_taken"}
        assert active_room_names(uow, clinic_id) == ["Blue", "Room 1"]

    def test_renaming_a_room_to_another_rooms_name_is_refused(self, uow, clinic_id, save):
        blue = save(clinic_id, RoomFields("Blue"))
        assert errors_of(save, clinic_id, RoomFields("Room 1"), blue.id) == {"name": "name_taken"}
        assert uow.store.rooms[blue.id].name == "Blue"

    def test_a_room_may_keep_its_own_name_in_another_case(self, uow, clinic_id, save):
        blue = save(clinic_id, RoomFields("Blue"))
        save(clinic_id, RoomFields("BLUE", "ground floor"), blue.id)
        assert (uow.store.rooms[blue.id].name, uow.store.rooms[blue.id].address) == (
            "BLUE", "ground floor")

    def test_an_archived_rooms_name_is_free_for_a_new_room(self, uow, clinic_id, save, archive):
        blue = save(clinic_id, RoomFields("Blue"))
        archive(clinic_id, blue.id, True)
        again = save(clinic_id, RoomFields("blue"))
        assert again.id != blue.id
        assert active_room_names(uow, clinic_id) == ["Room 1", "blue"]

    def test_restoring_a_room_whose_name_was_taken_meanwhile_is_refused(
            self, uow, clock, clinic_id, save, archive):
        blue = save(clinic_id, RoomFields("Blue"))
        archive(clinic_id, blue.id, True)
        save(clinic_id, RoomFields("BLUE"))
        assert errors_of(archive, clinic_id, blue.id, False) == {"name": "name_taken"}
        assert uow.store.rooms[blue.id].archived_at == clock.now()

    def test_an_archived_room_can_be_renamed_and_then_restored(self, uow, clinic_id, save,
                                                               archive):
        blue = save(clinic_id, RoomFields("Blue"))
        archive(clinic_id, blue.id, True)
        save(clinic_id, RoomFields("Blue"))
        save(clinic_id, RoomFields("Old blue"), blue.id)
        archive(clinic_id, blue.id, False)
        assert active_room_names(uow, clinic_id) == ["Blue", "Old blue", "Room 1"]

    def test_archiving_records_when_and_restoring_clears_it(self, uow, clock, clinic_id, save,
                                                           archive):
        blue = save(clinic_id, RoomFields("Blue"))
        archive(clinic_id, blue.id, True)
        assert uow.store.rooms[blue.id].archived_at == clock.now()
        clock.advance(days=1)
        archive(clinic_id, blue.id, False)
        assert not uow.store.rooms[blue.id].archived

    def test_changing_or_archiving_an_unknown_room_is_not_found(self, clinic_id, save, archive):
        with pytest.raises(NotFound):
            save(clinic_id, RoomFields("Blue"), uuid.uuid4())
        with pytest.raises(NotFound):
            archive(clinic_id, uuid.uuid4(), True)


class TestDoctors:
    @pytest.fixture
    def save(self, uow, clock):
        return as_owner(SaveDoctor(uow, clock), uow)

    def test_each_new_doctor_gets_a_colour_no_active_doctor_has(self, uow, clinic_id, save):
        colours = [save(clinic_id, DoctorFields(f"Doctor {n}")).color
                   for n in range(len(DOCTOR_COLORS))]
        assert sorted(colours) == sorted(DOCTOR_COLORS)

    def test_an_archived_doctors_colour_is_given_out_again(self, uow, clock, clinic_id, save):
        first = save(clinic_id, DoctorFields("Anna"))
        as_owner(SetArchived(uow, clock, "doctors"), uow)(clinic_id, first.id, True)
        assert save(clinic_id, DoctorFields("Boris")).color == first.color

    def test_another_clinics_doctors_do_not_use_up_the_colours(self, clinic_id, other_clinic_id,
                                                              save):
        save(other_clinic_id, DoctorFields("Boris"))
        assert save(clinic_id, DoctorFields("Anna")).color == DOCTOR_COLORS[0]

    def test_a_chosen_colour_is_kept_in_lowercase(self, uow, clinic_id, save):
        doctor = save(clinic_id, DoctorFields("Anna", " #A1B2C3 "))
        assert uow.store.doctors[doctor.id].color == "#a1b2c3"

    def test_a_colour_that_is_not_hex_is_refused_with_the_name(self, uow, clinic_id, save):
        assert errors_of(save, clinic_id, DoctorFields("Anna", "red")) == {
            "color": "color_invalid"}
        assert errors_of(save, clinic_id, DoctorFields("  ", "#fff")) == {
            "name": "required", "color": "color_invalid"}
        assert not uow.store.doctors

    def test_editing_with_no_colour_keeps_the_one_the_doctor_has(self, uow, clinic_id, save):
        doctor = save(clinic_id, DoctorFields("Anna", "#a1b2c3"))
        save(clinic_id, DoctorFields("  Anna   Petrova "), doctor.id)
        stored = uow.store.doctors[doctor.id]
        assert (stored.name, stored.color) == ("Anna Petrova", "#a1b2c3")

    def test_a_doctor_can_be_linked_to_a_user(self, uow, clinic_id, save):
        user_id = uuid.uuid4()
        doctor = save(clinic_id, DoctorFields("Anna"), user_id=user_id)
        assert uow.store.doctors[doctor.id].user_id == user_id

    def test_editing_an_unknown_doctor_is_not_found(self, clinic_id, save):
        with pytest.raises(NotFound):
            save(clinic_id, DoctorFields("Anna"), uuid.uuid4())


class TestDoctorPhotos:
    @pytest.fixture
    def files(self):
        return FakeFileStore()

    @pytest.fixture
    def doctor(self, uow, clock, clinic_id):
        return as_owner(SaveDoctor(uow, clock), uow)(clinic_id, DoctorFields("Anna"))

    @pytest.fixture
    def set_photo(self, uow, files):
        return as_owner(SetDoctorPhoto(uow, files, FakePhotoProcessor()), uow)

    def test_a_photo_is_kept_in_two_sizes_under_the_clinics_prefix(
            self, uow, files, clinic_id, doctor, set_photo):
        set_photo(clinic_id, doctor.id, b"photo-1")
        prefix = f"{clinic_id}/doctors/{doctor.id}/v1"
        assert files.files == {f"{prefix}/thumb": (b"thumb:photo-1", "image/jpeg"),
                               f"{prefix}/large": (b"large:photo-1", "image/jpeg")}
        assert uow.store.doctors[doctor.id].has_photo

    def test_a_new_photo_replaces_the_old_and_moves_the_version_on(
            self, uow, files, clinic_id, doctor, set_photo):
        set_photo(clinic_id, doctor.id, b"photo-1")
        set_photo(clinic_id, doctor.id, b"photo-2")
        load = as_owner(LoadDoctorPhoto(uow, files), uow)
        assert load(clinic_id, doctor.id, "large") == (b"large:photo-2", "image/jpeg")
        assert uow.store.doctors[doctor.id].photo_version == 2
        assert all("/v2/" in key for key in files.files)  # the first photo's files are gone

    def test_a_photo_over_ten_megabytes_is_refused(self, uow, files, clinic_id, doctor,
                                                   set_photo):
        too_big = b"photo" + b"x" * (MAX_PHOTO_BYTES - 4)
        assert errors_of(set_photo, clinic_id, doctor.id, too_big) == {
            "photo": "photo_too_large"}
        assert not files.files and not uow.store.doctors[doctor.id].has_photo

    def test_a_photo_of_exactly_ten_megabytes_is_accepted(self, uow, clinic_id, doctor,
                                                          set_photo):
        set_photo(clinic_id, doctor.id, b"photo" + b"x" * (MAX_PHOTO_BYTES - 5))
        assert uow.store.doctors[doctor.id].has_photo

    def test_an_empty_upload_is_a_missing_photo(self, files, clinic_id, doctor, set_photo):
        assert errors_of(set_photo, clinic_id, doctor.id, b"") == {"photo": "required"}
        assert not files.files

    def test_something_that_is_not_an_image_leaves_everything_as_it_was(
            self, uow, files, clinic_id, doctor, set_photo):
        assert errors_of(set_photo, clinic_id, doctor.id, b"%PDF-1.7") == {
            "photo": "photo_invalid"}
        assert not files.files and uow.store.doctors[doctor.id].photo_version == 0

    def test_a_photo_for_an_unknown_doctor_is_not_found(self, files, clinic_id, set_photo):
        with pytest.raises(NotFound):
            set_photo(clinic_id, uuid.uuid4(), b"photo")
        assert not files.files

    def test_a_photo_for_another_clinics_doctor_is_not_found(
            self, files, other_clinic_id, doctor, set_photo):
        with pytest.raises(NotFound):
            set_photo(other_clinic_id, doctor.id, b"photo")
        assert not files.files

    @pytest.mark.parametrize("data", [b"", b"photo" + b"x" * MAX_PHOTO_BYTES])
    def test_another_clinics_doctor_is_not_found_whatever_the_upload(
            self, files, other_clinic_id, doctor, set_photo, data):
        with pytest.raises(NotFound):
            set_photo(other_clinic_id, doctor.id, data)
        assert not files.files

    def test_a_removed_photo_is_gone_from_the_store_and_the_doctor(
            self, uow, files, clinic_id, doctor, set_photo):
        set_photo(clinic_id, doctor.id, b"photo")
        as_owner(RemoveDoctorPhoto(uow, files), uow)(clinic_id, doctor.id)
        assert not files.files and not uow.store.doctors[doctor.id].has_photo
        assert as_owner(LoadDoctorPhoto(uow, files), uow)(clinic_id, doctor.id, "thumb") is None

    def test_photos_are_loaded_only_in_known_sizes_and_only_for_the_doctors_clinic(
            self, uow, files, clinic_id, other_clinic_id, doctor, set_photo):
        set_photo(clinic_id, doctor.id, b"photo")
        load = as_owner(LoadDoctorPhoto(uow, files), uow)
        assert load(clinic_id, doctor.id, "thumb") == (b"thumb:photo", "image/jpeg")
        assert load(clinic_id, doctor.id, "../thumb") is None
        assert load(other_clinic_id, doctor.id, "thumb") is None


class TestProcedures:
    @pytest.fixture
    def save(self, uow, clock):
        return as_owner(SaveProcedure(uow, clock), uow)

    def test_a_price_is_read_in_the_clinics_currency(self, uow, clinic_id, other_clinic_id, save):
        roubles = save(clinic_id, ProcedureFields(" Deep   cleaning ", "2 500,50 ₽", "45"))
        dollars = save(other_clinic_id, ProcedureFields("Deep cleaning", "$120.50", "45"))
        stored = uow.store.procedures[roubles.id]
        assert (stored.name, stored.price, stored.duration_minutes) == (
            "Deep cleaning", Money(250050, "RUB"), 45)
        assert uow.store.procedures[dollars.id].price == Money(12050, "USD")

    def test_every_field_at_fault_is_reported_at_once(self, uow, clinic_id, save):
        before = len(uow.store.procedures)
        assert errors_of(save, clinic_id, ProcedureFields("", "abc", "7")) == {
            "name": "required", "price": "price_invalid", "duration_minutes": "duration_invalid"}
        assert errors_of(save, clinic_id, ProcedureFields("x" * 121, "-5", "")) == {
            "name": "too_long", "price": "price_negative", "duration_minutes": "required"}
        assert errors_of(save, clinic_id, ProcedureFields("Filling", "10,0015", "500")) == {
            "price": "price_too_precise", "duration_minutes": "duration_invalid"}
        assert len(uow.store.procedures) == before

    def test_a_procedure_can_be_changed(self, uow, clinic_id, save):
        procedure = save(clinic_id, ProcedureFields("Filling", "4500", "45"))
        save(clinic_id, ProcedureFields("Filling, large", "5 000", "60"), procedure.id)
        stored = uow.store.procedures[procedure.id]
        assert (stored.name, stored.price, stored.duration_minutes) == (
            "Filling, large", Money(500000, "RUB"), 60)

    def test_a_changed_procedure_takes_the_clinics_current_currency(self, uow, clinic_id, save):
        procedure = save(clinic_id, ProcedureFields("Filling", "4500", "45"))
        uow.store.clinics[clinic_id].currency = "EUR"
        save(clinic_id, ProcedureFields("Filling", "150", "45"), procedure.id)
        assert uow.store.procedures[procedure.id].price == Money(15000, "EUR")

    def test_unknown_procedures_and_clinics_are_not_found(self, uow, clock, clinic_id, save):
        with pytest.raises(NotFound):
            save(clinic_id, ProcedureFields("Filling", "4500", "45"), uuid.uuid4())
        with pytest.raises(NotFound):
            SaveProcedure(uow, clock)(uuid.uuid4(), owner_of(uow, clinic_id),
                                      ProcedureFields("Filling", "4500", "45"))

    def test_an_archived_procedure_leaves_the_list_but_not_the_records(self, uow, clock,
                                                                       clinic_id, save):
        procedure = save(clinic_id, ProcedureFields("Filling", "4500", "45"))
        as_owner(SetArchived(uow, clock, "procedures"), uow)(clinic_id, procedure.id, True)
        with uow(clinic_id) as scoped:
            assert procedure.id not in [p.id for p in scoped.procedures.list()]
            assert procedure.id in [p.id for p in scoped.procedures.list(include_archived=True)]


class TestPatients:
    @pytest.fixture
    def save(self, uow, clock):
        return as_owner(SavePatient(uow, clock), uow)

    def test_only_a_member_saves_a_card_and_a_refusal_writes_nothing(
            self, uow, clock, clinic_id, other_clinic_id):
        boris = owner_of(uow, other_clinic_id)  # the owner of another clinic
        with pytest.raises(NotFound):
            SavePatient(uow, clock)(clinic_id, boris, PatientFields("Ivan", "+79161234567"))
        assert not uow.store.patients

    def test_a_patient_is_kept_with_the_phone_in_e164(self, uow, clinic_id, save):
        patient = save(clinic_id, PatientFields(" Ёлкина  Анна ", "8 916 123-45-67",
                                                " Anna@Example.COM ", " latex "))
        stored = uow.store.patients[patient.id]
        assert (stored.name, stored.phone, stored.email, stored.note) == (
            "Ёлкина Анна", "+79161234567", "anna@example.com", "latex")
        assert (stored.name_folded, stored.phone_digits) == ("елкина анна",
                                                             "79161234567 89161234567")

    def test_an_american_clinic_reads_american_numbers(self, uow, other_clinic_id, save):
        patient = save(other_clinic_id, PatientFields("John Smith", "(415) 555-2671"))
        assert uow.store.patients[patient.id].phone == "+14155552671"

    def test_every_field_at_fault_is_reported_at_once(self, uow, clinic_id, save):
        assert errors_of(save, clinic_id, PatientFields(" ", "123", "anna@", "x" * 2001)) == {
            "name": "required", "phone": "phone_invalid", "email": "email_invalid",
            "note": "too_long"}
        assert errors_of(save, clinic_id, PatientFields("Anna", "")) == {"phone": "required"}
        assert not uow.store.patients

    def test_a_phone_already_on_a_card_is_pointed_out_whatever_its_form(self, uow, clinic_id,
                                                                         save):
        first = save(clinic_id, PatientFields("Anna", "+7 916 123-45-67"))
        with pytest.raises(DuplicatePhone) as raised:
            save(clinic_id, PatientFields("Boris", "89161234567"))
        assert (raised.value.patient_id, raised.value.name) == (first.id, "Anna")
        assert raised.value.code == "phone_duplicate"
        assert list(uow.store.patients) == [first.id]

    def test_the_person_may_add_a_second_card_with_the_same_phone(self, uow, clinic_id, save):
        first = save(clinic_id, PatientFields("Anna", "89161234567"))
        second = save(clinic_id, PatientFields("Boris", "89161234567"), allow_duplicate=True)
        assert second.id != first.id
        assert {p.phone for p in uow.store.patients.values()} == {"+79161234567"}

    def test_editing_a_card_keeps_its_own_phone_without_a_warning(self, uow, clinic_id, save):
        patient = save(clinic_id, PatientFields("Anna", "89161234567"))
        save(clinic_id, PatientFields("Anna Petrova", "+7 916 123 45 67", "a@example.com"),
             patient.id)
        stored = uow.store.patients[patient.id]
        assert (stored.name, stored.phone, stored.email) == ("Anna Petrova", "+79161234567",
                                                             "a@example.com")

    def test_editing_a_card_to_another_cards_phone_is_pointed_out(self, uow, clinic_id, save):
        anna = save(clinic_id, PatientFields("Anna", "89161234567"))
        boris = save(clinic_id, PatientFields("Boris", "89031234567"))
        with pytest.raises(DuplicatePhone) as raised:
            save(clinic_id, PatientFields("Boris", "89161234567"), boris.id)
        assert raised.value.patient_id == anna.id
        assert uow.store.patients[boris.id].phone == "+79031234567"

    def test_another_clinics_patient_with_the_same_phone_is_no_duplicate(
            self, uow, clinic_id, other_clinic_id, save):
        save(other_clinic_id, PatientFields("Anna", "+79161234567"))
        save(clinic_id, PatientFields("Anna", "89161234567"))
        assert len(uow.store.patients) == 2

    def test_unknown_patients_and_clinics_are_not_found(self, uow, clock, clinic_id, save):
        with pytest.raises(NotFound):
            save(clinic_id, PatientFields("Anna", "89161234567"), uuid.uuid4())
        with pytest.raises(NotFound):
            SavePatient(uow, clock)(uuid.uuid4(), owner_of(uow, clinic_id),
                                    PatientFields("Anna", "89161234567"))


class TestClinicSettings:
    @pytest.fixture
    def update(self, uow, clinic_id):
        """As the clinic's owner (the one member its sign-up made)."""
        (owner,) = [m.user_id for m in uow.store.memberships.values()
                    if m.clinic_id == clinic_id]
        return lambda clinic, settings: UpdateClinicSettings(uow)(clinic, owner, settings)

    @staticmethod
    def settings(**changes) -> ClinicSettings:
        values = dict(name="Smile", timezone="Asia/Almaty", currency="KZT", country="KZ",
                      locale="ru", working_days=[1, 2, 3, 4, 5], opens_at="09:00",
                      closes_at="18:30")
        values.update(changes)
        return ClinicSettings(**values)

    def test_the_settings_are_kept(self, uow, clinic_id, update):
        update(clinic_id, self.settings(name="  Smile   Almaty ", working_days=[5, 1, 3, 1]))
        clinic = uow.store.clinics[clinic_id]
        assert (clinic.name, clinic.timezone, clinic.currency, clinic.country, clinic.locale) == (
            "Smile Almaty", "Asia/Almaty", "KZT", "KZ", "ru")
        assert (clinic.working_days, clinic.opens_at, clinic.closes_at) == ("135", "09:00",
                                                                            "18:30")
        assert clinic.working_weekdays == [1, 3, 5]

    def test_every_invalid_field_is_named(self, uow, clinic_id, update):
        bad = self.settings(name=" ", timezone="Mars/Olympus", currency="XXX", country="ZZ",
                            locale="de", working_days=[], opens_at="25:00", closes_at="evening")
        assert errors_of(update, clinic_id, bad) == {
            "name": "required", "timezone": "timezone_invalid", "currency": "currency_invalid",
            "country": "country_invalid", "locale": "locale_invalid",
            "working_days": "days_required", "opens_at": "time_invalid",
            "closes_at": "time_invalid"}
        assert uow.store.clinics[clinic_id].name == "Smile"

    @pytest.mark.parametrize(("changes", "errors"), [
        ({"name": "x" * 121}, {"name": "too_long"}),
        ({"timezone": ""}, {"timezone": "timezone_invalid"}),
        ({"timezone": "../../etc/passwd"}, {"timezone": "timezone_invalid"}),
        ({"currency": "rub"}, {"currency": "currency_invalid"}),
        ({"country": "ru"}, {"country": "country_invalid"}),
        ({"working_days": [0, 1]}, {"working_days": "days_required"}),
        ({"opens_at": "18:30", "closes_at": "09:00"}, {"closes_at": "hours_order"}),
    ])
    def test_each_invalid_field_is_named_alone(self, clinic_id, update, changes, errors):
        assert errors_of(update, clinic_id, self.settings(**changes)) == errors

    def test_a_time_zone_area_without_a_city_is_invalid(self, clinic_id, update):
        assert errors_of(update, clinic_id, self.settings(timezone="Europe")) == {
            "timezone": "timezone_invalid"}

    def test_an_unknown_clinic_is_not_found(self, update):
        with pytest.raises(NotFound):
            update(uuid.uuid4(), self.settings())

    def test_only_a_member_whose_role_allows_it_changes_them(self, uow, clinic_id):
        staff, stranger = UserFactory(), UserFactory()
        add(uow(clinic_id), staff, stranger,
            MembershipFactory(clinic_id=clinic_id, user_id=staff.id, role=Role.STAFF))
        with pytest.raises(NotAllowed):
            UpdateClinicSettings(uow)(clinic_id, staff.id, self.settings(name="Mine"))
        with pytest.raises(NotFound):
            UpdateClinicSettings(uow)(clinic_id, stranger.id, self.settings(name="Mine"))
        assert uow.store.clinics[clinic_id].name != "Mine"


class TestStarterKit:
    NAMES = {"consultation": "Консультация", "root_canal": "Лечение каналов"}

    def records(self, uow, clinic_id, kind):
        with uow(clinic_id) as scoped:
            return list(getattr(scoped, kind).list())

    def test_a_russian_clinic_starts_with_a_room_its_owner_and_a_price_list_in_roubles(
            self, uow, clock):
        signed_in = sign_up(uow, clock, starter=StarterKit("Кабинет 1", self.NAMES))
        (room,) = self.records(uow, signed_in.clinic_id, "rooms")
        (doctor,) = self.records(uow, signed_in.clinic_id, "doctors")
        procedures = self.records(uow, signed_in.clinic_id, "procedures")
        assert room.name == "Кабинет 1" and room.address is None
        assert (doctor.name, doctor.user_id, doctor.color) == (
            "Anna Petrova", signed_in.user_id, DOCTOR_COLORS[0])
        assert len(procedures) == len(STARTER_PROCEDURES) == 8
        assert {p.currency for p in procedures} == {"RUB"}
        by_name = {p.name: p for p in procedures}
        assert (by_name["Консультация"].price, by_name["Консультация"].duration_minutes) == (
            Money(100000, "RUB"), 30)
        assert by_name["Лечение каналов"].price == Money(900000, "RUB")
        assert by_name["Whitening"].price == Money(1500000, "RUB")

    def test_any_other_clinic_starts_with_prices_in_dollars(self, uow, clock):
        signed_in = sign_up(uow, clock, locale="en")
        procedures = self.records(uow, signed_in.clinic_id, "procedures")
        prices = {p.name: p.price for p in procedures}
        assert len(procedures) == 8 and {p.currency for p in procedures} == {"USD"}
        assert prices["Consultation"] == Money(6000, "USD")
        assert prices["Root canal"] == Money(70000, "USD")
        assert [r.name for r in self.records(uow, signed_in.clinic_id, "rooms")] == ["Room 1"]

    def test_every_starter_procedure_has_a_price_and_a_valid_duration(self, uow, clock):
        for locale in ("ru", "en"):
            signed_in = sign_up(uow, clock, email=f"{locale}@example.com", locale=locale)
            for procedure in self.records(uow, signed_in.clinic_id, "procedures"):
                assert procedure.price_minor > 0
                assert 5 <= procedure.duration_minutes <= 480
                assert procedure.duration_minutes % 5 == 0

    def test_an_owner_who_does_not_treat_patients_is_not_a_doctor(self, uow, clock):
        signed_in = sign_up(uow, clock, treats_patients=False)
        assert self.records(uow, signed_in.clinic_id, "doctors") == []
        assert len(self.records(uow, signed_in.clinic_id, "rooms")) == 1

    def test_a_refused_sign_up_leaves_no_starter_records(self, uow, clock):
        sign_up(uow, clock)
        with pytest.raises(ValidationFailed):
            sign_up(uow, clock, email="ANNA@example.com")
        assert (len(uow.store.rooms), len(uow.store.doctors), len(uow.store.procedures)) == (
            1, 1, 8)

    def test_a_time_zone_area_without_a_city_falls_back_to_moscow(self, uow, clock):
        signed_in = sign_up(uow, clock, timezone="Europe")
        assert uow.store.clinics[signed_in.clinic_id].timezone == "Europe/Moscow"


def test_a_unit_of_work_scoped_to_a_clinic_never_returns_another_clinics_records(
        uow, clock, clinic_id, other_clinic_id):
    now = clock.now()
    theirs = {
        "rooms": Room(other_clinic_id, "Theirs", None, created_at=now),
        "doctors": Doctor(other_clinic_id, "Boris", DOCTOR_COLORS[0], created_at=now),
        "procedures": Procedure(other_clinic_id, "Theirs", 100, "USD", 30, created_at=now),
        "patients": Patient.register(other_clinic_id, "Boris",
                                     PhoneNumber("+79161234567", "89161234567"), now),
    }
    with uow(other_clinic_id) as scoped:
        for kind, record in theirs.items():
            getattr(scoped, kind).add(record)
        scoped.commit()
    with uow(clinic_id) as scoped:
        for kind, record in theirs.items():
            assert getattr(scoped, kind).get(record.id) is None, kind
        for kind in ("rooms", "doctors", "procedures"):
            listed = getattr(scoped, kind).list(include_archived=True)
            assert all(r.clinic_id == clinic_id for r in listed), kind
        assert scoped.patients.with_phone("+79161234567") == []
    with uow(other_clinic_id) as scoped:
        for kind, record in theirs.items():
            assert getattr(scoped, kind).get(record.id) is record, kind


def test_staff_may_not_change_the_catalog_and_a_refusal_writes_nothing(uow, clock, clinic_id):
    staff = UserFactory()
    add(uow(clinic_id), staff,
        MembershipFactory(clinic_id=clinic_id, user_id=staff.id, role=Role.STAFF))
    room = as_owner(SaveRoom(uow, clock), uow)(clinic_id, RoomFields("Blue"))
    before = {r.id: (r.name, r.archived) for r in uow.store.rooms.values()}
    attempts = [
        lambda: SaveRoom(uow, clock)(clinic_id, staff.id, RoomFields("Green")),
        lambda: SaveRoom(uow, clock)(clinic_id, staff.id, RoomFields("Mine"), room.id),
        lambda: SaveDoctor(uow, clock)(clinic_id, staff.id, DoctorFields("Boris")),
        lambda: SaveProcedure(uow, clock)(clinic_id, staff.id, ProcedureFields("X", "1", "30")),
        lambda: SetArchived(uow, clock, "rooms")(clinic_id, staff.id, room.id, True),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed):
            attempt()
    assert {r.id: (r.name, r.archived) for r in uow.store.rooms.values()} == before
    assert [d.name for d in uow.store.doctors.values()] == []  # the owner does not treat
    assert "X" not in [p.name for p in uow.store.procedures.values()]
    # the photo of a doctor is read with the catalog: staff may see it
    doctor = as_owner(SaveDoctor(uow, clock), uow)(clinic_id, DoctorFields("Anna"))
    assert LoadDoctorPhoto(uow, FakeFileStore())(clinic_id, staff.id, doctor.id, "thumb") is None


def test_another_clinics_records_cannot_be_changed_through_the_use_cases(
        uow, clock, clinic_id, other_clinic_id):
    room = as_owner(SaveRoom(uow, clock), uow)(other_clinic_id, RoomFields("Theirs"))
    doctor = as_owner(SaveDoctor(uow, clock), uow)(other_clinic_id, DoctorFields("Boris"))
    procedure = as_owner(SaveProcedure(uow, clock), uow)(other_clinic_id,
                                                         ProcedureFields("X", "1", "30"))
    patient = as_owner(SavePatient(uow, clock), uow)(other_clinic_id,
                                                     PatientFields("Boris", "+14155552671"))
    attempts = [
        lambda: as_owner(SaveRoom(uow, clock), uow)(clinic_id, RoomFields("Mine"), room.id),
        lambda: as_owner(SaveDoctor(uow, clock), uow)(clinic_id, DoctorFields("Mine"), doctor.id),
        lambda: as_owner(SaveProcedure(uow, clock), uow)(
            clinic_id, ProcedureFields("Mine", "1", "30"), procedure.id),
        lambda: as_owner(SavePatient(uow, clock), uow)(
            clinic_id, PatientFields("Mine", "89031234567"), patient.id),
        lambda: as_owner(SetArchived(uow, clock, "rooms"), uow)(clinic_id, room.id, True),
        lambda: as_owner(SetArchived(uow, clock, "doctors"), uow)(clinic_id, doctor.id, True),
        lambda: as_owner(SetArchived(uow, clock, "procedures"), uow)(clinic_id, procedure.id, True),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()
    assert (room.name, doctor.name, procedure.name, patient.name) == (
        "Theirs", "Boris", "X", "Boris")
    assert not (room.archived or doctor.archived or procedure.archived)
