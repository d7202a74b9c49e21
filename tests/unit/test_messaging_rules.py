"""The rules of talking to patients (domain/messaging.py): when a reminder is due across time
zones and daylight-saving changes, quiet hours, refusals, channels, SMS length and budget,
merging, and the message key."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic.domain.messaging import (
    Channel,
    MessageKind,
    Refusals,
    ReminderPolicy,
    SmsBudget,
    VisitToRemind,
    change_worth_a_notice,
    channel_order,
    fill_template,
    in_quiet_hours,
    merge_by_day,
    message_key,
    refusal_reason,
    reminder_due,
    sms_length,
    template_errors,
)

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
DEFAULTS = ReminderPolicy()


def at(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)


class TestWhenTheReminderGoesOut:
    def test_the_day_before_at_ten(self):
        visit = at(MOSCOW, 2026, 12, 8, 15, 0)
        assert reminder_due(visit, at(MOSCOW, 2026, 12, 1, 9, 0), MOSCOW, DEFAULTS) == at(
            MOSCOW, 2026, 12, 7, 10, 0)

    def test_booked_after_that_two_hours_before(self):
        visit = at(MOSCOW, 2026, 12, 8, 15, 0)
        assert reminder_due(visit, at(MOSCOW, 2026, 12, 7, 11, 0), MOSCOW, DEFAULTS) == at(
            MOSCOW, 2026, 12, 8, 13, 0)

    def test_an_early_visit_booked_late_is_reminded_before_the_quiet_hours(self):
        # 07:10 (two hours before) is quiet; 09:00 is too late for a 09:10 visit: 20:59 it is
        visit = at(MOSCOW, 2026, 12, 8, 9, 10)
        assert reminder_due(visit, at(MOSCOW, 2026, 12, 7, 12, 0), MOSCOW, DEFAULTS) == at(
            MOSCOW, 2026, 12, 7, 20, 59)

    def test_an_early_visit_booked_in_the_night_gets_none(self):
        visit = at(MOSCOW, 2026, 12, 8, 8, 30)
        assert reminder_due(visit, at(MOSCOW, 2026, 12, 7, 22, 0), MOSCOW, DEFAULTS) is None

    def test_a_visit_booked_for_within_half_an_hour_gets_none(self):
        visit = at(MOSCOW, 2026, 12, 8, 12, 0)
        assert reminder_due(visit, at(MOSCOW, 2026, 12, 8, 11, 40), MOSCOW, DEFAULTS) is None

    def test_a_reminder_time_in_the_quiet_hours_moves_to_their_end(self):
        late = ReminderPolicy(day_before_at=time(22, 0))
        visit = at(MOSCOW, 2026, 12, 8, 11, 0)
        assert reminder_due(visit, at(MOSCOW, 2026, 12, 1, 9, 0), MOSCOW, late) == at(
            MOSCOW, 2026, 12, 8, 9, 0)

    def test_the_clinics_zone_decides_not_the_servers(self):
        vladivostok = ZoneInfo("Asia/Vladivostok")  # UTC+10
        visit = at(vladivostok, 2026, 12, 8, 15, 0)
        due = reminder_due(visit, datetime(2026, 12, 1, tzinfo=UTC), vladivostok, DEFAULTS)
        assert due == datetime(2026, 12, 7, 0, 0, tzinfo=UTC)  # 10:00 there

    def test_a_wall_time_skipped_by_the_spring_change_is_taken_after_the_jump(self):
        no_quiet = ReminderPolicy(day_before_at=time(2, 30), quiet_from=time(0),
                                  quiet_to=time(0))
        visit = at(BERLIN, 2026, 3, 30, 10, 0)  # 29 March 2026: 02:00 jumps to 03:00
        due = reminder_due(visit, at(BERLIN, 2026, 3, 1, 9, 0), BERLIN, no_quiet)
        assert due == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 summer time

    def test_a_repeated_wall_time_in_autumn_is_its_first_occurrence(self):
        no_quiet = ReminderPolicy(day_before_at=time(2, 30), quiet_from=time(0),
                                  quiet_to=time(0))
        visit = at(BERLIN, 2026, 10, 26, 10, 0)  # 25 October: 03:00 goes back to 02:00
        due = reminder_due(visit, at(BERLIN, 2026, 10, 1, 9, 0), BERLIN, no_quiet)
        assert due == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 summer time

    @settings(max_examples=400, deadline=None)
    @given(zone=st.sampled_from([MOSCOW, BERLIN, ZoneInfo("America/New_York"),
                                 ZoneInfo("Asia/Kamchatka"), ZoneInfo("Australia/Lord_Howe")]),
           start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
           lead_minutes=st.integers(0, 60 * 24 * 20),
           day_before_at=st.times(), quiet_from=st.times(), quiet_to=st.times(),
           same_day_hours=st.integers(1, 12))
    def test_never_in_quiet_hours_never_before_booking_never_too_late(
            self, zone, start, lead_minutes, day_before_at, quiet_from, quiet_to,
            same_day_hours):
        policy = ReminderPolicy(day_before_at=day_before_at.replace(second=0, microsecond=0),
                                same_day_lead=timedelta(hours=same_day_hours),
                                quiet_from=quiet_from.replace(second=0, microsecond=0),
                                quiet_to=quiet_to.replace(second=0, microsecond=0))
        starts_at = start.replace(second=0, microsecond=0, tzinfo=zone)
        booked_at = starts_at - timedelta(minutes=lead_minutes)
        due = reminder_due(starts_at, booked_at, zone, policy)
        if due is not None:
            assert booked_at <= due <= starts_at - policy.min_notice
            assert not in_quiet_hours(due, policy, zone)


def test_quiet_hours_across_midnight_and_within_a_day():
    assert in_quiet_hours(at(MOSCOW, 2026, 12, 7, 23, 0), DEFAULTS, MOSCOW)
    assert in_quiet_hours(at(MOSCOW, 2026, 12, 7, 8, 59), DEFAULTS, MOSCOW)
    assert not in_quiet_hours(at(MOSCOW, 2026, 12, 7, 9, 0), DEFAULTS, MOSCOW)
    assert not in_quiet_hours(at(MOSCOW, 2026, 12, 7, 20, 59), DEFAULTS, MOSCOW)
    nap = ReminderPolicy(quiet_from=time(13), quiet_to=time(15))
    assert in_quiet_hours(at(MOSCOW, 2026, 12, 7, 14, 0), nap, MOSCOW)
    assert not in_quiet_hours(at(MOSCOW, 2026, 12, 7, 15, 0), nap, MOSCOW)
    assert not in_quiet_hours(at(MOSCOW, 2026, 12, 7, 3, 0),
                              ReminderPolicy(quiet_from=time(0), quiet_to=time(0)), MOSCOW)


def test_a_refusal_stops_what_it_covers_and_says_why():
    said = date(2026, 11, 2)
    assert refusal_reason(Refusals(), MessageKind.REMINDER) is None
    assert refusal_reason(Refusals(processing=said), MessageKind.REMINDER) == \
        "refused_processing"
    assert refusal_reason(Refusals(notifications=said), MessageKind.REMINDER) == \
        "refused_notifications"
    assert refusal_reason(Refusals(notifications=said), MessageKind.ADVERTISING) is None
    assert refusal_reason(Refusals(advertising=said), MessageKind.ADVERTISING) == \
        "refused_advertising"
    assert refusal_reason(Refusals(advertising=said), MessageKind.CANCELLATION) is None


def test_channels_the_preferred_first_then_telegram_sms_email_as_reachable_and_on():
    every = list(Channel)
    assert channel_order(None, every, every) == [Channel.TELEGRAM, Channel.SMS, Channel.EMAIL]
    assert channel_order(Channel.EMAIL, every, every) == [Channel.EMAIL, Channel.TELEGRAM,
                                                         Channel.SMS]
    assert channel_order(Channel.TELEGRAM, [Channel.SMS, Channel.EMAIL], every) == [
        Channel.SMS, Channel.EMAIL]  # never linked Telegram
    assert channel_order(None, every, [Channel.EMAIL]) == [Channel.EMAIL]  # the clinic's choice


@pytest.mark.parametrize(("text", "encoding", "units", "segments"), [
    ("", "GSM-7", 0, 0),
    ("Hello", "GSM-7", 5, 1),
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),
    ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3),
    ("€" * 80, "GSM-7", 160, 1),  # an extension character counts twice
    ("Привет", "UCS-2", 6, 1),
    ("я" * 70, "UCS-2", 70, 1),
    ("я" * 71, "UCS-2", 71, 2),
    ("я" * 134, "UCS-2", 134, 2),
    ("я" * 135, "UCS-2", 135, 3),
    ("Hi 😀", "UCS-2", 5, 1),  # an emoji is two UTF-16 units, and makes it all UCS-2
])
def test_sms_length(text, encoding, units, segments):
    found = sms_length(text)
    assert (found.encoding, found.units, found.segments) == (encoding, units, segments)


@given(st.text(max_size=400), st.characters())
def test_a_longer_text_never_takes_fewer_sms(text, more):
    assert sms_length(text + more).segments >= sms_length(text).segments


def test_the_budget_cap_stops_sms_at_the_cap():
    assert SmsBudget(None, 10**9).allows(500)
    budget = SmsBudget(cap_minor=100_000, spent_minor=99_500)
    assert budget.allows(500) and not budget.allows(501) and not budget.reached
    assert SmsBudget(100_000, 100_000).reached


def test_visits_of_one_phone_on_one_day_make_one_message():
    ivan, olga = "+79161234567", "+79167654321"
    visits = [VisitToRemind("b", ivan, at(MOSCOW, 2026, 12, 8, 15)),
              VisitToRemind("a", ivan, at(MOSCOW, 2026, 12, 8, 10)),
              VisitToRemind("c", olga, at(MOSCOW, 2026, 12, 8, 11)),
              VisitToRemind("d", ivan, at(MOSCOW, 2026, 12, 9, 0, 30))]  # the next local day
    groups = merge_by_day(visits, MOSCOW)
    assert [[v.visit_id for v in group] for group in groups] == [["a", "b"], ["c"], ["d"]]
    # 00:30 in Moscow is still the 8th in UTC: the clinic's day decides
    assert [[v.visit_id for v in g] for g in merge_by_day(visits, ZoneInfo("UTC"))] == [
        ["a", "b", "d"], ["c"]]


def test_a_message_is_keyed_by_visit_kind_and_version():
    assert message_key("v1", MessageKind.REMINDER, 3) == "v1:reminder:3"
    assert message_key("v1", MessageKind.REMINDER, 3) != message_key("v1", MessageKind.REMINDER,
                                                                      4)


def test_a_change_is_worth_a_notice_past_15_minutes_or_with_another_doctor():
    ten = at(MOSCOW, 2026, 12, 8, 10)
    assert not change_worth_a_notice(ten, ten + timedelta(minutes=15), "d1", "d1")
    assert change_worth_a_notice(ten, ten + timedelta(minutes=20), "d1", "d1")
    assert change_worth_a_notice(ten, ten - timedelta(minutes=20), "d1", "d1")
    assert change_worth_a_notice(ten, ten, "d1", "d2")


SAMPLE = {"clinic": "Стоматология «Улыбка»", "date": "8 дек.", "time": "10:00",
          "doctor": "Ковалёва Анна Игоревна", "address": "ул. Ленина, 5",
          "link": "https://chairside.example/r/Ab3dE6gH"}


def test_a_template_is_filled_by_name_and_nothing_else():
    assert fill_template("{clinic}: {date} в {time}", SAMPLE) == \
        "Стоматология «Улыбка»: 8 дек. в 10:00"
    # braces a person typed stay as typed; nothing is evaluated
    assert fill_template("{unknown} {0} {clinic.__class__} {time:>9} {{time}}", SAMPLE) == \
        "{unknown} {0} {clinic.__class__} {time:>9} {10:00}"


def test_a_template_is_checked_for_what_would_go_wrong():
    assert template_errors("{clinic}: ждём вас {date} в {time}. {link}", SAMPLE) == []
    assert template_errors("  ", SAMPLE) == ["template_empty"]
    assert template_errors("Hi {name}", SAMPLE) == ["template_unknown_placeholder"]
    assert "template_over_two_sms" in template_errors("я" * 135, SAMPLE)
    assert template_errors("я" * 134, SAMPLE) == []
    assert "template_too_long" in template_errors("a" * 1001, SAMPLE)
