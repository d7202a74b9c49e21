"""What each domain error code says to a person, in their language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from clinic.application.catalog.doctors import MAX_PHOTO_PIXELS
from clinic.application.patients.phones import format_national
from clinic.domain.accounts import MAX_NAME_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

_FIELD_ERRORS = {
    "required": _l("Please fill this in."),
    "too_long": _l("Please keep it under %(n)s characters.", n=MAX_NAME_LENGTH),
    "email_invalid": _l("This does not look like an email address. Example: anna@example.com"),
    "email_taken": _l("This email already has an account. Sign in instead, or use another email."),
    "password_too_short": _l("The password needs at least %(n)s characters.",
                             n=MIN_PASSWORD_LENGTH),
    "password_too_long": _l("The password can have at most %(n)s characters.",
                            n=MAX_PASSWORD_LENGTH),
    "password_blank": _l("The password cannot be only spaces."),
    "password_common": _l("This password is among the most common ones and is guessed first. "
                          "Choose another: a few words you will remember work well."),
    "password_personal": _l("The password should not contain your email or the clinic's name."),
    "name_taken": _l("Another room already has this name. Choose a different one."),
    "price_invalid": _l("Type the price as a number, for example 2500 or 2 500,50."),
    "price_negative": _l("The price cannot be negative."),
    "price_too_large": _l("This price looks too large. Check the number of zeros."),
    "price_too_precise": _l("Use at most two digits after the comma."),
    "duration_invalid": _l("Minutes from 5 to 480, in steps of 5 (5, 10, 15…)."),
    "color_invalid": _l("Pick one of the colours."),
    "phone_invalid": _l("This does not look like a phone number. Example: 8 916 123-45-67"),
    "phone_extension": _l("Extensions cannot be stored with the number. Put the extension "
                          "in the note."),
    "photo_invalid": _l("This file is not a photo we can read. Use a JPEG, PNG, WebP or HEIC "
                        "picture."),
    "photo_too_large": _l("The photo is larger than 10 MB. Choose a smaller one."),
    "photo_too_many_pixels": _l("The photo has too many pixels: at most %(n)s megapixels (a "
                                "phone's 12-megapixel photo fits). Choose a smaller one, or "
                                "upload a screenshot of it.",
                                n=MAX_PHOTO_PIXELS.photo // 1_000_000),
    "webp_too_many_pixels": _l("A WebP picture can have at most %(n)s megapixels. Choose a "
                               "smaller one, or upload it as a JPEG.",
                               n=MAX_PHOTO_PIXELS.webp // 1_000_000),
    "timezone_invalid": _l("Pick a time zone from the list."),
    "currency_invalid": _l("Pick a currency from the list."),
    "country_invalid": _l("Pick a country from the list."),
    "locale_invalid": _l("Pick a language from the list."),
    "days_required": _l("Tick at least one working day."),
    "time_invalid": _l("Type the time as HH:MM, for example 08:00."),
    "hours_order": _l("The clinic must close after it opens."),
    "booking_step_invalid": _l("Pick 5, 10 or 15 minutes."),
    "patient_unknown": _l("Pick a patient from the list, or add a new one."),
    "room_unavailable": _l("Pick a room that is in use."),
    "promo_unknown": _l("There is no clinic with this promo code. Check it, or leave the field "
                        "empty."),
    "promo_own": _l("This is your own clinic's code: a clinic cannot invite itself."),
    "visit_too_long": _l("One visit can last at most 12 hours. Book fewer procedures, or "
                         "two visits."),
    "room_frozen": _l("This room takes no new visits until the clinic pays for its chairs "
                      "again. Pick another room."),
    "doctor_unavailable": _l("Pick a doctor who is in the list."),
    "procedure_unavailable": _l("One of the procedures is no longer offered. Pick again."),
    "procedures_required": _l("Pick at least one procedure."),
    "channel_invalid": _l("Pick one of the ways in the list."),
    "length_invalid": _l("A visit lasts from 5 minutes to 12 hours, in steps of 5 minutes "
                         "(for example 45)."),
    "start_off_grid": _l("Start times go in 5-minute steps, for example 10:05."),
    "role_invalid": _l("Pick a role from the list."),
    "already_invited": _l("This person is already invited. Resend the invitation below if "
                          "the email was lost."),
    "password_wrong": _l("This is not the password of this account. Try again."),
    "date_invalid": _l("Pick a date, for example 01.11.2026."),
    "range_invalid": _l("The end must not come before the start."),
    "period_too_long": _l("A period can be at most three years long."),
    "date_out_of_range": _l("Pick a date between the years 2000 and 2099."),
    "control_characters": _l("The text holds invisible control characters, which sometimes "
                             "come with text copied from other programs. Type it again, or "
                             "paste it as plain text."),
    "not_text": _l("The text holds characters that are not letters or signs. Type it again."),
    "page_out_of_range": _l("There is no such page. Start from the first one."),
    "reminder_in_quiet_hours": _l("This time is inside the quiet hours, when nothing is sent. "
                                  "Pick a time outside them."),
    "choice_invalid": _l("Pick one of the choices in the list."),
    "channels_empty": _l("Tick at least one way to send reminders."),
    "template_empty": _l("The text cannot be empty. Clear the field to use the standard "
                         "text."),
    "template_too_long": _l("The text is too long: keep it under 1000 characters."),
    "telegram_token_invalid": _l("Telegram does not know this token. Copy it again from "
                                 "@BotFather: it looks like 123456789:AAE..."),
    "telegram_unreachable": _l("Telegram cannot be reached right now. Try again in a few "
                               "minutes."),
    "owner_must_be_admin": _l("Pick a member who is an administrator. Make them one first if "
                              "needed."),
}


def phone(e164: str | None) -> str:
    """A stored phone as people at the clinic write it."""
    if not e164:
        return ""
    return format_national(e164, current_user.clinic_country or "")


def field_error(code: str) -> str:
    message = _FIELD_ERRORS.get(code)
    return str(message) if message is not None else str(_l("Please check this field."))


def field_errors(errors: dict[str, str]) -> dict[str, str]:
    return {field: field_error(code) for field, code in errors.items()}
