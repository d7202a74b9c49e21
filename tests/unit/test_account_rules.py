from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.domain.accounts import (
    PasswordReset,
    ResetLinkInvalid,
    User,
    check_sign_up,
    common_passwords,
    email_error,
    password_error,
)
from clinic.domain.shared import ValidationFailed

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("email", ["anna@example.com", " Anna@Example.COM ", "a.b+c@clinic.ru"])
def test_well_formed_emails_are_accepted(email):
    assert email_error(email) is None


@pytest.mark.parametrize("email,code", [
    ("", "required"), ("   ", "required"), ("anna", "email_invalid"), ("anna@", "email_invalid"),
    ("anna@example", "email_invalid"), ("an na@example.com", "email_invalid"),
    ("a@b@c.com", "email_invalid"),
])
def test_malformed_emails_are_named(email, code):
    assert email_error(email) == code


@given(st.text(max_size=7))
def test_any_password_under_eight_characters_is_refused(password):
    assert password_error(password) in {"required", "password_too_short"}


@given(st.text(min_size=8, max_size=256))
def test_any_password_of_eight_to_256_characters_is_accepted_unless_blank_or_common(password):
    folded = password.strip().casefold()
    expected = ("password_blank" if not folded
                else "password_common" if folded in common_passwords() or len(set(folded)) < 3
                else None)
    assert password_error(password) == expected


@pytest.mark.parametrize("password,code", [
    ("password", "password_common"), ("12345678", "password_common"),
    ("PASSWORD", "password_common"), (" qwertyuiop ", "password_common"),
    (" " * 8, "password_blank"), ("\t\t\t\t\t\t\t\t", "password_blank"),
    ("anna-loves-teeth", "password_personal"), ("SmileDentalSmile", "password_personal"),
    ("ANNA@EXAMPLE.COM", "password_personal"),
    ("correct horse", None), ("ДС1234567", None),  # a clinic name under four letters: no rule
    ("........", "password_common"), ("abababab", "password_common"),
    ("smiledental!", "password_personal"), ("Smile Dental 1", "password_personal"),
])
def test_common_blank_and_personal_passwords_are_refused(password, code):
    assert password_error(password, ("anna@example.com", "Smile Dental", "ДС")) == code


def test_the_common_list_is_the_whole_list_not_a_handful():
    assert len(common_passwords()) > 19_000
    assert {"123456", "qwerty", "password", "iloveyou"} <= common_passwords()


def test_sign_up_names_every_field_at_fault_at_once():
    with pytest.raises(ValidationFailed) as raised:
        check_sign_up("", "  ", "not-an-email", "short")
    assert raised.value.errors == {
        "clinic_name": "required", "name": "required", "email": "email_invalid",
        "password": "password_too_short",
    }


def test_a_reset_link_works_once():
    reset = PasswordReset.issue(User("a@b.co", "A", "h", NOW).id, "hash", NOW)
    reset.use(NOW + timedelta(minutes=5))
    with pytest.raises(ResetLinkInvalid):
        reset.use(NOW + timedelta(minutes=6))


def test_a_reset_link_expires_after_an_hour():
    reset = PasswordReset.issue(User("a@b.co", "A", "h", NOW).id, "hash", NOW)
    with pytest.raises(ResetLinkInvalid):
        reset.use(NOW + timedelta(hours=1))


def test_changing_the_password_ends_every_session():
    user = User("a@b.co", "A", "old", NOW)
    version = user.session_version
    user.change_password("new")
    assert user.session_version == version + 1


def test_working_hours_are_parsed_once_and_answer_in_the_clinics_zone():
    from datetime import date, time
    from zoneinfo import ZoneInfo

    from clinic.domain.accounts import Clinic

    clinic = Clinic("Smile", "Europe/Moscow", "RUB", "RU", "ru",
                    datetime(2026, 11, 23, tzinfo=UTC), working_days="12345",
                    opens_at="09:00", closes_at="18:00")
    hours = clinic.hours
    assert (hours.days, hours.opens, hours.closes) == (frozenset({1, 2, 3, 4, 5}), time(9),
                                                        time(18))
    moscow = ZoneInfo("Europe/Moscow")
    tuesday_ten = datetime(2026, 11, 24, 10, tzinfo=moscow)
    assert hours.contains(tuesday_ten, tuesday_ten + timedelta(minutes=30))
    assert not hours.contains(tuesday_ten.replace(hour=17, minute=45),
                              tuesday_ten.replace(hour=18, minute=15))
    assert not hours.contains(tuesday_ten.replace(day=28), tuesday_ten.replace(day=28, hour=11))
    assert hours.contains(tuesday_ten.astimezone(UTC), (tuesday_ten + timedelta(hours=1))
                          .astimezone(UTC))  # any zone in, the clinic's zone decides
    assert hours.openings(date(2026, 11, 24), 2) == [
        datetime(2026, 11, 24, 9, tzinfo=moscow), datetime(2026, 11, 25, 9, tzinfo=moscow)]
