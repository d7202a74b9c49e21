"""What each field error code says to a program, in English (the API speaks one language)."""

from __future__ import annotations

from clinic.application.json_input import MAX_JSON_BYTES, MAX_JSON_DEPTH
from clinic.domain.catalog import MAX_ADDRESS, MAX_DURATION, MAX_NAME, MAX_PRICE_MAJOR, MIN_DURATION
from clinic.domain.patients import MAX_NOTE
from clinic.domain.shared import EARLIEST_DAY, LATEST_DAY, MAX_OFFSET

_LIMITS = {"address": MAX_ADDRESS, "note": MAX_NOTE}
_MESSAGES = {
    "required": "This field is required.",
    "name_taken": "Another active room already has this name.",
    "price_invalid": 'Not a valid price. Example: "2500.00".',
    "price_negative": "The price cannot be negative.",
    "price_too_large": f"The price must be less than {MAX_PRICE_MAJOR}.",
    "price_too_precise": "The price has more decimal places than the currency allows.",
    "duration_invalid": f"The duration must be {MIN_DURATION} to {MAX_DURATION} minutes, "
                        "in steps of 5.",
    "color_invalid": 'Not a valid colour: use #rrggbb, for example "#cfe3ff".',
    "phone_invalid": 'Not a valid phone number. Example: "+79161234567".',
    "email_invalid": 'Not a valid email address. Example: "anna@example.com".',
    "datetime_invalid": 'Not a valid date-time. Example: "2026-11-24T10:00:00+03:00".',
    "date_invalid": 'Not a valid date. Example: "2026-11-24".',
    "offset_required": 'Give the offset too, for example "2026-11-24T10:00:00+03:00".',
    "date_out_of_range": f"The date must be between {EARLIEST_DAY} and {LATEST_DAY}.",
    "after_today": 'Without "to" the period ends today, so "from" cannot be after today.',
    "start_off_grid": "Start on the 5-minute grid: 10:00, 10:05, 10:10 and so on.",
    "range_invalid": '"to" must come after "from".',
    "period_too_long": "A period can be at most three years long.",
    "status_invalid": "Use scheduled, arrived, done, cancelled or no_show (several: "
                      "comma-separated).",
    "patient_unknown": "There is no such patient in this clinic.",
    "room_unavailable": "There is no such room in use in this clinic.",
    "room_frozen": "This room is beyond the chairs paid for since the subscription lapsed: it "
                   "takes no new visits until the clinic pays again.",
    "doctor_unavailable": "There is no such doctor in use in this clinic.",
    "procedure_unavailable": "A procedure is not in this clinic's catalog in use.",
    "procedures_required": "Pick at least one procedure.",
    "length_invalid": "A visit lasts 5 minutes to 12 hours, in 5-minute steps.",
    "visit_too_long": "One visit can last at most 12 hours: book fewer procedures.",
    "control_characters": "Control characters (such as NUL) are not allowed; tab and line "
                          "breaks are.",
    "not_text": "Not text: a lone surrogate escape (such as \\ud800) cannot be stored.",
    "offset_out_of_range": f"The offset must be 0 to {MAX_OFFSET}.",
}
# What the JSON body rule (clinic.application.json_input) refused, as the problem's detail.
JSON_REFUSALS = {
    "too_large": f"The request body is larger than {MAX_JSON_BYTES // 1024} KiB.",
    "too_deep": f"The request body nests deeper than {MAX_JSON_DEPTH} levels.",
    "not_json": "The request body is not valid JSON.",
    "not_text": "The request body has a lone surrogate escape (such as \\ud800): not text.",
}


def field_message(field: str, code: str) -> str:
    if code == "too_long":
        return f"Too long: at most {_LIMITS.get(field, MAX_NAME)} characters."
    return _MESSAGES.get(code, code)


def limit_message(max_limit: int) -> str:
    return f"The limit must be 1 to {max_limit}."


def nothing_to_change(fields: list[str]) -> str:
    return f"Nothing to change: send at least one of {', '.join(fields)}."
