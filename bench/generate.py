"""The benchmark's data: a busy 10-chair clinic plus other clinics of varied sizes, fast.

    .venv/bin/python -m bench.generate --scale small|medium|large [--server URL]
        [--database NAME] [--seed N]

Drops and re-creates a scratch PostgreSQL database (`chairside_bench_<scale>` on the server of
`--server`), migrates it with the app's own migrations, then fills it:

* the busy clinic signs up through the real use case (so its owner can sign in), gets an API
  token and an active subscription (8 extra chairs, 12 seats); its other 9 rooms, 11 doctors,
  4 more procedures, 50,000 patients and one year of visits (≈ 25,000, 9 months back and 3
  ahead) go in with COPY;
* `SCALES[scale][0]` other clinics (1–8 rooms, 1–10 doctors, a few hundred to a few thousand
  patients, visits summing to about `SCALES[scale][1]`), each with its owner, membership and,
  beyond the two free chairs, a subscription, go in entirely with COPY.

Every visit lies in working hours (08:00–20:00 Mon–Sat in the clinic's zone) with 1–3
procedure lines; a room's visits never overlap (cancelled ones neither), a doctor is in one
room a day, so no doctor is double-booked either. The busy week (next Monday's) is full:
≈ 60 visits in room 0, ≈ 700 in all; the free days (Monday to Friday three weeks later) are
empty in every room, for booking. Rows are preformatted COPY text lines made in a thread while
the main thread streams the previous batch of clinics to the server. At the end: VACUUM
ANALYZE, checks in SQL (no overlaps, lines in their appointment's clinic, sums, counts), the
owner signs in, every search term finds someone; `bench/results/dataset-<scale>.json`.
"""

from __future__ import annotations

import argparse
import math
import queue
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import uuid
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import make_url

from bench.data_names import (
    FEMALE,
    MAIL_DOMAINS,
    MALE,
    NOTES,
    OPERATOR_CODES,
    PATRONYMICS,
    SURNAMES,
    TRANSLIT,
    female_surname,
    zipf,
)
from bench.dataset import SCALES, Dataset

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PROTECTED = {"test", "test2", "test3", "test4", "chairside_bench_dev", "postgres",
             "template0", "template1"}

BACK_DAYS, AHEAD_DAYS = 273, 91  # the year: 9 months back, 3 ahead (365 days with today)
OPENS, CLOSES = 8 * 60, 20 * 60  # local minutes of the day
DAY_MINUTES = CLOSES - OPENS
WORKING_WEEKDAYS = {1, 2, 3, 4, 5, 6}

BUSY_ROOMS, BUSY_DOCTORS, BUSY_PATIENTS, BUSY_VISITS = 10, 12, 50_000, 25_000
BUSY_WEEK_ROOM0 = (10, 10, 10, 10, 10, 10)  # visits a day, Monday..Saturday: 60 in room 0
BUSY_WEEK_OTHERS = (12, 12, 12, 12, 12, 11)  # 71 a week in each other room: ≈ 700 in all
FREE_WEEK_AFTER = 3  # weeks after the busy week: Monday–Friday left empty
OWNER_EMAIL = "bench-owner@chairside.local"
# not made of the email or the clinic's name: the password rule refuses those (password_personal)
OWNER_PASSWORD = "quiet lantern harbour 42"  # noqa: S105 - a scratch database's made-up owner
OWNER_NAME = "Смирнова Елена Викторовна"
OTHERS_PASSWORD = "bench-password"  # noqa: S105 - every other clinic's owner
SEARCH_TERMS = 50
COPY_BLOCK = 4000  # lines per write
LOADERS = 2  # connections copying chunks at once (the machine has two cores)
CHUNK_VISITS = 60_000  # a batch of clinics streamed together (then committed)

OTHER_ZONES = (("Europe/Moscow", 60), ("Europe/Samara", 6), ("Asia/Yekaterinburg", 10),
               ("Asia/Novosibirsk", 6), ("Europe/Kaliningrad", 4), ("Asia/Krasnoyarsk", 5),
               ("Asia/Vladivostok", 4), ("Asia/Omsk", 5))
BRANDS = ("Улыбка", "Дентал Плюс", "Жемчужина", "Белый зуб", "Мастер Дент", "Эстетика",
          "Дантист", "Семейная стоматология", "Зубная фея", "ДентаЛюкс", "Стома", "Денталия",
          "Новая улыбка", "Доктор Зуб", "Элит Дент", "СтомаСервис", "Астра", "Виола",
          "Медиал", "ДентСтар")
CITIES = ("Москва", "Казань", "Самара", "Екатеринбург", "Новосибирск", "Калининград",
          "Красноярск", "Владивосток", "Омск", "Тверь", "Пермь", "Уфа", "Тула", "Сочи")
ROOM_WEIGHTS = (25, 24, 18, 12, 8, 6, 4, 3)  # other clinics with 1..8 rooms
VISIT_NOTES = ("Первичный осмотр", "Жалобы на боль при накусывании", "Контроль после лечения",
               "Принести снимки из другой клиники", "Повторный визит",
               "Чувствительность к холодному")

COLUMNS = {  # the order tables are filled in (foreign keys point backwards only)
    "clinics": "id, name, timezone, currency, country, locale, status, created_at, "
               "working_days, opens_at, closes_at, promo_code",
    "users": "id, email, name, password_hash, locale, session_version, disabled, created_at",
    "memberships": "id, clinic_id, user_id, role, created_at",
    "rooms": "id, clinic_id, name, created_at",
    "doctors": "id, clinic_id, name, color, user_id, photo_version, created_at",
    "procedures": "id, clinic_id, name, price_minor, currency, duration_minutes, created_at",
    "subscriptions": "id, clinic_id, status, paid_chairs, paid_seats, period_end, "
                     "customer_ref, subscription_ref, updated_at",
    "patients": "id, clinic_id, name, phone, email, note, name_folded, phone_digits, "
                "created_at",
    "appointments": "id, clinic_id, patient_id, room_id, doctor_id, starts_at, ends_at, status, "
                    "price_minor, currency, note, doctor_overlap_confirmed, created_at, "
                    "created_by, updated_at, updated_by",
    "appointment_lines": "id, clinic_id, appointment_id, procedure_id, name, price_minor, "
                         "duration_minutes, position",
}
COUNTED = (*COLUMNS, "api_tokens")
NULL = "\\N"


# --- the price list and what a visit is -----------------------------------------------------------

def _catalog() -> list[tuple[str, str, int, int]]:
    """(key, Russian name, roubles, minutes): the starter list sign-up makes, then four more."""
    from clinic.domain.catalog import STARTER_PROCEDURES
    from clinic.entrypoints.cli import demo_data

    starter = [(key, demo_data.STARTER_NAMES[key], prices["RUB"], minutes)
               for key, minutes, prices in STARTER_PROCEDURES]
    extra = [(key, name, int(price), int(minutes))
             for key, name, price, minutes in demo_data.EXTRA_PROCEDURES]
    return starter + extra


def _visit_kinds(keys: list[str]) -> tuple[list[tuple[int, ...]], list[int]]:
    from clinic.entrypoints.cli import demo_data

    return ([tuple(keys.index(k) for k in kind) for kind, _ in demo_data.VISITS],
            [weight for _, weight in demo_data.VISITS])


# --- ids and timestamps as COPY text --------------------------------------------------------------

_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


class Ids:
    """Random version-4 UUIDs as text, from the seeded generator, made in bulk."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pool: list[str] = []
        self.next = 0

    def take(self, count: int) -> list[str]:
        start, end = self.next, self.next + count
        if end > len(self.pool):
            self.pool = self.pool[start:] + self._make(max(count, 100_000))
            start, end = 0, count
        self.next = end
        return self.pool[start:end]

    def one(self) -> str:
        return self.take(1)[0]

    def _make(self, count: int) -> list[str]:
        h = self.rng.randbytes(16 * count).hex()
        return [f"{h[i:i + 8]}-{h[i + 8:i + 12]}-4{h[i + 13:i + 16]}-{_VARIANT[h[i + 16]]}"
                f"{h[i + 17:i + 20]}-{h[i + 20:i + 32]}" for i in range(0, 32 * count, 32)]


EPOCH = date(1970, 1, 1).toordinal()
_HM = [f"{m // 60:02d}:{m % 60:02d}:00+00" for m in range(1440)]
_DAYS: dict[int, str] = {}


def ts(minute: int) -> str:
    """UTC minutes since the epoch as a timestamptz literal."""
    day, rest = divmod(minute, 1440)
    text = _DAYS.get(day)
    if text is None:
        text = _DAYS[day] = date.fromordinal(EPOCH + day).isoformat() + " "
    return text + _HM[rest]


def minute_of(moment: datetime) -> int:
    return int(moment.timestamp()) // 60


# --- plans ----------------------------------------------------------------------------------------

@dataclass
class Plan:
    """One clinic to fill. The busy one already exists (sign-up made its owner, first room,
    first doctor and the starter procedures): `made_*` of each list are not copied again."""

    index: int
    id: str
    name: str
    zone: str
    offset: int  # minutes east of UTC (Russia keeps no summer time)
    created: int  # UTC minute
    owner_id: str
    owner_email: str
    owner_name: str
    rooms: list[str]
    doctors: list[str]
    doctor_names: list[str]
    procedures: list[tuple[str, str, int, int]]  # (id, name, price_minor, minutes)
    patients: int
    visits: int  # the year's target
    paid_chairs: int
    busy: bool = False
    made_rooms: int = 0
    made_doctors: int = 0
    made_procedures: int = 0


@dataclass
class Chunk:
    rows: dict[str, list[str]] = field(default_factory=lambda: {t: [] for t in COLUMNS})
    clinics: int = 0
    visits: int = 0


@dataclass
class Day:
    ordinal: int
    weekday: int
    weight: float
    fixed: tuple[int, int] | None = None  # (room 0's visits, each other room's): busy/free


class Generator:
    def __init__(self, seed: int, today: date, now: datetime, password_hash: str) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - made-up data, not secrets
        self.ids = Ids(random.Random(seed + 1))  # noqa: S311
        self.today = today
        self.now = minute_of(now)
        self.password_hash = password_hash
        self.first_day = today - timedelta(days=BACK_DAYS)
        self.last_day = today + timedelta(days=AHEAD_DAYS)
        self.busy_week = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
        self.free_days = [self.busy_week + timedelta(weeks=FREE_WEEK_AFTER, days=n)
                          for n in range(5)]
        catalog = _catalog()
        self.catalog = catalog
        self.kinds, self.kind_weights = _visit_kinds([c[0] for c in catalog])
        self.kind_cum = list(accumulate(self.kind_weights))
        short = [i for i, kind in enumerate(self.kinds)
                 if sum(catalog[p][3] for p in kind) <= 60]
        self.short_kinds = short
        self.short_cum = list(accumulate(self.kind_weights[i] for i in short))
        self.surname_cum = list(accumulate(zipf(len(SURNAMES), 15)))
        self.male_cum = list(accumulate(zipf(len(MALE), 6)))
        self.female_cum = list(accumulate(zipf(len(FEMALE), 6)))
        self.fathers = list(PATRONYMICS)
        self.father_cum = list(accumulate(zipf(len(self.fathers), 6)))
        self.busy_names: list[str] = []  # the busy clinic's patients, for the search terms
        self.busy_phones: list[str] = []
        self.busy_patient_ids: list[str] = []
        self.counts: dict[str, int] = dict.fromkeys(COUNTED, 0)
        self.days = self._days()

    # -- the calendar --

    def _days(self) -> list[Day]:
        busy = {self.busy_week + timedelta(days=n): n for n in range(6)}
        free = set(self.free_days)
        days = []
        for n in range((self.last_day - self.first_day).days + 1):
            day = self.first_day + timedelta(days=n)
            if day.isoweekday() not in WORKING_WEEKDAYS:
                continue
            ahead = (day - self.today).days
            weight = 1.0 if ahead <= 14 else max(0.15, 1 - (ahead - 14) / 90)
            days.append(Day(day.toordinal(), day.isoweekday(), weight))
            if day in busy:
                days[-1].fixed = (BUSY_WEEK_ROOM0[busy[day]], BUSY_WEEK_OTHERS[busy[day]])
            elif day in free:
                days[-1].fixed = (0, 0)
        return days

    # -- clinics --

    def other_plans(self, count: int, visits: int) -> list[Plan]:
        rng = self.rng
        shapes = []
        for _ in range(count):
            rooms = rng.choices(range(1, 9), ROOM_WEIGHTS)[0]
            doctors = min(10, rooms + rng.choice((0, 0, 1, 1, 2, 3)))
            shapes.append((rooms, doctors, rooms * rng.uniform(0.35, 1.25)))
        total_weight = sum(s[2] for s in shapes) or 1.0
        zones = [z for z, _ in OTHER_ZONES]
        zone_weights = [w for _, w in OTHER_ZONES]
        plans = []
        for index, (rooms, doctors, weight) in enumerate(shapes, start=1):
            target = round(visits * weight / total_weight)
            zone = rng.choices(zones, zone_weights)[0]
            created = self.now - rng.randrange(400, 3 * 365) * 1440 - rng.randrange(1440)
            owner_name = self.person_name(rng.random() < 0.5, with_patronymic=True)
            factor = rng.choice((0.8, 0.9, 1.0, 1.0, 1.1, 1.2, 1.4))
            procedure_ids = self.ids.take(len(self.catalog))
            procedures = [(pid, name, round(rub * factor / 50) * 50 * 100, minutes)
                          for pid, (_, name, rub, minutes) in zip(procedure_ids, self.catalog,
                                                                  strict=True)]
            plans.append(Plan(
                index=index, id=self.ids.one(),
                name=f"{rng.choice(BRANDS)} ({rng.choice(CITIES)}) №{index}",
                zone=zone, offset=zone_offset(zone), created=created,
                owner_id=self.ids.one(), owner_email=f"owner{index:04d}@bench.chairside.local",
                owner_name=owner_name, rooms=self.ids.take(rooms), doctors=self.ids.take(doctors),
                doctor_names=[owner_name] + [self.person_name(rng.random() < 0.6, True)
                                             for _ in range(doctors - 1)],
                procedures=procedures,
                patients=max(200, min(5000, round(target * rng.uniform(0.35, 0.6)))),
                visits=target, paid_chairs=max(0, rooms - 2)))
        return plans

    def person_name(self, female: bool, with_patronymic: bool) -> str:
        rng = self.rng
        first = rng.choices(FEMALE if female else MALE,
                            cum_weights=self.female_cum if female else self.male_cum)[0]
        surname = rng.choices(SURNAMES, cum_weights=self.surname_cum)[0]
        if female:
            surname = female_surname(surname)
        if not with_patronymic:
            return f"{surname} {first}"
        father = rng.choices(self.fathers, cum_weights=self.father_cum)[0]
        return f"{surname} {first} {PATRONYMICS[father][female]}"

    def clinic_rows(self, plan: Plan, chunk: Chunk) -> None:
        """Everything but patients and visits (the busy clinic: only what sign-up did not make)."""
        rows, cid, made = chunk.rows, plan.id, ts(plan.created)
        if not plan.busy:
            rows["clinics"].append(
                f"{cid}\t{plan.name}\t{plan.zone}\tRUB\tRU\tru\tactive\t{made}\t123456\t08:00\t"
                f"20:00\tBENCH{plan.index:04d}-{plan.index % 23:02d}\n")
            rows["users"].append(f"{plan.owner_id}\t{plan.owner_email}\t{plan.owner_name}\t"
                                 f"{self.password_hash}\tru\t1\tf\t{made}\n")
            rows["memberships"].append(f"{self.ids.one()}\t{cid}\t{plan.owner_id}\towner\t{made}\n")
        for n, room in enumerate(plan.rooms[plan.made_rooms:], start=plan.made_rooms + 1):
            rows["rooms"].append(f"{room}\t{cid}\tКабинет {n}\t{made}\n")
        from clinic.domain.catalog import DOCTOR_COLORS

        for n in range(plan.made_doctors, len(plan.doctors)):
            user = plan.owner_id if n == 0 else NULL
            rows["doctors"].append(f"{plan.doctors[n]}\t{cid}\t{plan.doctor_names[n]}\t"
                                   f"{DOCTOR_COLORS[n % len(DOCTOR_COLORS)]}\t{user}\t1\t{made}\n")
        for pid, name, price, minutes in plan.procedures[plan.made_procedures:]:
            rows["procedures"].append(f"{pid}\t{cid}\t{name}\t{price}\tRUB\t{minutes}\t{made}\n")
        if plan.paid_chairs and not plan.busy:
            rows["subscriptions"].append(
                f"{self.ids.one()}\t{cid}\tactive\t{plan.paid_chairs}\t0\t"
                f"{ts(self.now + 30 * 1440)}\t{NULL}\t{NULL}\t{ts(self.now)}\n")

    # -- patients --

    def patient_rows(self, plan: Plan, chunk: Chunk) -> tuple[list[str], list[int]]:
        """The clinic's patients, oldest card first: (ids, created minutes ascending)."""
        rng, n, cid = self.rng, plan.patients, plan.id
        window = (self.first_day.toordinal() - EPOCH) * 1440
        oldest = max(plan.created, window - 2 * 365 * 1440)
        days_before = max(1, (window - oldest) // 1440)
        days_within = (self.now - window) // 1440
        created = sorted(
            (window - rng.randrange(days_before) * 1440 if rng.random() < 0.6
             else window + rng.randrange(days_within) * 1440)
            + OPENS + rng.randrange(DAY_MINUTES) - plan.offset for _ in range(n))
        ids = self.ids.take(n)
        female = [rng.random() < 0.56 for _ in range(n)]
        surnames = rng.choices(SURNAMES, cum_weights=self.surname_cum, k=n)
        males = rng.choices(MALE, cum_weights=self.male_cum, k=n)
        females = rng.choices(FEMALE, cum_weights=self.female_cum, k=n)
        fathers = rng.choices(self.fathers, cum_weights=self.father_cum, k=n)
        codes = rng.choices(OPERATOR_CODES, k=n)
        taken: set[str] = set()
        out = chunk.rows["patients"]
        random_ = rng.random
        for i in range(n):
            fem = female[i]
            first = females[i] if fem else males[i]
            surname = female_surname(surnames[i]) if fem else surnames[i]
            form = random_()
            if form < 0.6:
                name = f"{surname} {first} {PATRONYMICS[fathers[i]][fem]}"
            elif form < 0.85:
                name = f"{surname} {first}"
            else:
                name = f"{first} {surname}"
            if random_() < 0.015:
                name = name.lower()  # typed carelessly; the app keeps what was typed
            while True:
                number = f"{codes[i]}{rng.randrange(10_000_000):07d}"
                if number not in taken:
                    taken.add(number)
                    break
                codes[i] = rng.choice(OPERATOR_CODES)
            email = NULL
            if random_() < 0.3:
                login = "".join(TRANSLIT.get(c, c) for c in f"{first[0]}.{surname}".lower())
                login = login.replace("-", "")
                if random_() < 0.6:
                    login += str(rng.randint(1, 2005))
                email = f"{login}@{rng.choice(MAIL_DOMAINS)}"
            note = rng.choice(NOTES) if random_() < 0.08 else NULL
            folded = name.casefold().replace("ё", "е")
            out.append(f"{ids[i]}\t{cid}\t{name}\t+7{number}\t{email}\t{note}\t{folded}\t"
                       f"7{number} 8{number}\t{ts(created[i])}\n")
            if plan.busy:
                self.busy_names.append(name)
                self.busy_phones.append(number)
        if plan.busy:
            self.busy_patient_ids = ids
        return ids, created

    # -- visits --

    def visit_rows(self, plan: Plan, chunk: Chunk, patient_ids: list[str],
                   patient_created: list[int]) -> int:
        rng, cid, now = self.rng, plan.id, self.now
        rows_a, rows_l = chunk.rows["appointments"], chunk.rows["appointment_lines"]
        random_, randrange, choices = rng.random, rng.randrange, rng.choices
        kinds = []  # per kind: (minutes, price, [line tails])
        for kind in self.kinds:
            procs = [plan.procedures[p] for p in kind]
            kinds.append((sum(p[3] for p in procs), sum(p[2] for p in procs),
                          [f"\t{pid}\t{name}\t{price}\t{minutes}\t{pos}\n"
                           for pos, (pid, name, price, minutes) in enumerate(procs)]))
        all_kinds = range(len(self.kinds))
        rooms, doctors = plan.rooms, plan.doctors
        fixed_visits = sum(d.fixed[0] + d.fixed[1] * (len(rooms) - 1)
                           for d in self.days if d.fixed) if plan.busy else 0
        free_weight = sum(d.weight for d in self.days if not (plan.busy and d.fixed))
        mean = max(0.0, (plan.visits - fixed_visits) / (len(rooms) * free_weight))
        owner, prefix = plan.owner_id, f"\t{cid}\t"
        made = 0
        n_patients = len(patient_ids)
        for day in self.days:
            day_open = (day.ordinal - EPOCH) * 1440 + OPENS - plan.offset
            known = max(min(n_patients, 20), bisect_right(patient_created, day_open))
            on_duty = rng.sample(doctors, len(rooms))
            for r, room in enumerate(rooms):
                if plan.busy and day.fixed:
                    count = day.fixed[0] if r == 0 else day.fixed[1]
                    if not count:
                        continue
                    picked = [self.short_kinds[i] for i in choices(
                        range(len(self.short_kinds)), cum_weights=self.short_cum, k=count)]
                    while sum(kinds[k][0] for k in picked) > DAY_MINUTES - 30:
                        picked[randrange(count)] = self.short_kinds[0]  # a consultation
                else:
                    wanted = mean * day.weight
                    count = max(0, round(rng.gauss(wanted, 0.35 * math.sqrt(wanted) + 0.3)))
                    if not count:
                        continue
                    picked = choices(all_kinds, cum_weights=self.kind_cum, k=count)
                total = sum(kinds[k][0] for k in picked)
                while total > DAY_MINUTES:
                    total -= kinds[picked.pop()][0]
                slack = (DAY_MINUTES - total) // 5
                cuts = sorted(choices(range(slack + 1), k=len(picked)))
                ids = self.ids.take(len(picked))
                line_ids = self.ids.take(sum(len(kinds[k][2]) for k in picked))
                doctor = on_duty[r]
                elapsed, li = 0, 0
                for aid, k, cut in zip(ids, picked, cuts, strict=True):
                    minutes, price, tails = kinds[k]
                    start = day_open + cut * 5 + elapsed
                    end = start + minutes
                    elapsed += minutes
                    created = min(now - 1, start - 60 - randrange(30 * 1440))
                    roll = random_()
                    updated = updated_by = NULL
                    if end <= now:
                        if roll < 0.86:
                            status, updated = "done", ts(min(now, end + 5))
                        elif roll < 0.92:
                            status, updated = "no_show", ts(min(now, end + 15))
                        else:
                            status = "cancelled"
                            updated = ts(max(created, min(now, start - 20 * 60)))
                    elif start <= now or roll < 0.95:
                        status = "scheduled"
                    else:
                        status = "cancelled"
                        updated = ts(created + (now - created) // 2)
                    if updated is not NULL:
                        updated_by = owner
                    patient = patient_ids[int(known * random_() ** 1.25)]
                    note = rng.choice(VISIT_NOTES) if random_() < 0.07 else NULL
                    rows_a.append(f"{aid}{prefix}{patient}\t{room}\t{doctor}\t{ts(start)}\t"
                                  f"{ts(end)}\t{status}\t{price}\tRUB\t{note}\tf\t{ts(created)}\t"
                                  f"{owner}\t{updated}\t{updated_by}\n")
                    for tail in tails:
                        rows_l.append(f"{line_ids[li]}{prefix}{aid}{tail}")
                        li += 1
                made += len(picked)
        return made

    def fill(self, plan: Plan, chunk: Chunk) -> None:
        self.clinic_rows(plan, chunk)
        patient_ids, created = self.patient_rows(plan, chunk)
        chunk.visits += self.visit_rows(plan, chunk, patient_ids, created)
        chunk.clinics += 1


def zone_offset(zone: str) -> int:
    offset = datetime.now(ZoneInfo(zone)).utcoffset()
    assert offset is not None
    return int(offset.total_seconds()) // 60


# --- the database ---------------------------------------------------------------------------------

def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def recreate_database(server_url: str, name: str) -> str:
    import psycopg
    from psycopg import sql

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name) or name in PROTECTED:
        raise SystemExit(f"refusing to (re)create the database {name!r}")
    with psycopg.connect(_conninfo(server_url), autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


class Loader:
    """COPY of each table of a chunk, in the order of COLUMNS, one transaction a chunk; LOADERS
    connections take chunks from the queue in turn, so the server works on two at once.

    Unless `enforce_foreign_keys`, the connections load with `session_replication_role =
    replica`, as `pg_restore --disable-triggers` does: the foreign-key triggers do not fire
    (checking each row against the row it points at, and locking that row, is most of the cost
    of a line or a visit), then `check_foreign_keys` proves every reference in SQL. Indexes,
    unique and exclusion constraints work as always."""

    def __init__(self, url: str, enforce_foreign_keys: bool,
                 progress: Callable[[str], None]) -> None:
        self.url = url
        self.enforce = enforce_foreign_keys
        self.progress = progress
        self.lock = threading.Lock()
        self.rows: dict[str, int] = dict.fromkeys(COLUMNS, 0)
        self.seconds: dict[str, float] = dict.fromkeys(COLUMNS, 0.0)  # summed over loaders
        self.clinics = self.visits = 0
        self.started = time.perf_counter()
        self.total_clinics = 0

    def run(self, chunks: queue.Queue[Chunk | None], failed: list[BaseException]) -> None:
        import psycopg

        try:
            with psycopg.connect(_conninfo(self.url)) as conn:
                conn.execute("SET synchronous_commit = off")
                if not self.enforce:
                    try:
                        conn.execute("SET session_replication_role = replica")
                    except psycopg.errors.InsufficientPrivilege:
                        conn.rollback()  # not a superuser: the triggers check every row
                        conn.execute("SET synchronous_commit = off")
                        self.progress("  (not allowed to skip the foreign-key triggers: "
                                      "they check each row)")
                conn.commit()
                while (chunk := _get(chunks, failed)) is not None:
                    self.load(conn, chunk)
        except BaseException as error:  # handed to the main thread
            failed.append(error)
        finally:
            _put(chunks, None, failed)  # the other loader stops too

    def load(self, conn: Any, chunk: Chunk) -> None:
        seconds: dict[str, float] = {}
        with conn.cursor() as cur:
            for table, lines in chunk.rows.items():
                if not lines:
                    continue
                started = time.perf_counter()
                with cur.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
                    for first in range(0, len(lines), COPY_BLOCK):
                        copy.write("".join(lines[first:first + COPY_BLOCK]))
                seconds[table] = time.perf_counter() - started
        conn.commit()
        with self.lock:
            for table, lines in chunk.rows.items():
                self.rows[table] += len(lines)
                self.seconds[table] += seconds.get(table, 0.0)
            self.clinics += chunk.clinics
            self.visits += chunk.visits
            elapsed = time.perf_counter() - self.started
            self.progress(f"  {self.clinics:,}/{self.total_clinics:,} clinics, "
                          f"{self.visits:,} visits ({elapsed:.0f} s, "
                          f"{self.visits / elapsed:,.0f} visits/s)")


DEFERRED_TABLES = ("patients", "appointments", "appointment_lines")


def deferrable_indexes(conn: Any) -> list[tuple[str, str]]:
    """(name, definition) of the big tables' plain indexes: neither unique nor behind a
    constraint (the primary keys, the (clinic_id, id) keys and the room exclusion constraint
    stay and work during the load). The definition is PostgreSQL's own rendering of what the
    migrations created, so running it again re-creates exactly that index."""
    return [(name, definition) for name, definition in conn.execute(
        "SELECT ic.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
        "WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace "
        "AND NOT i.indisunique AND NOT i.indisprimary AND NOT i.indisexclusion "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
        "ORDER BY t.relname, ic.relname", (list(DEFERRED_TABLES),)).fetchall()]


def rebuild_indexes(url: str, indexes: list[tuple[str, str]],
                    progress: Callable[[str], None]) -> None:
    """Build the dropped indexes again, two at a time (the trigram ones first: the longest)."""
    import psycopg

    work: queue.Queue[tuple[str, str]] = queue.Queue()
    for item in sorted(indexes, key=lambda item: ("gin" not in item[1], item[0])):
        work.put(item)
    failed: list[BaseException] = []

    def build() -> None:
        try:
            with psycopg.connect(_conninfo(url), autocommit=True) as conn:
                conn.execute("SET maintenance_work_mem = '512MB'")
                while not failed:
                    try:
                        name, definition = work.get_nowait()
                    except queue.Empty:
                        return
                    started = time.perf_counter()
                    conn.execute(definition)
                    progress(f"  index {name} built in {time.perf_counter() - started:.1f} s")
        except BaseException as error:  # handed to the main thread
            failed.append(error)

    threads = [threading.Thread(target=build, daemon=True) for _ in range(LOADERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failed:
        raise failed[0]


def _put(out: queue.Queue[Chunk | None], item: Chunk | None,
         failed: list[BaseException]) -> None:
    """Put, unless a thread failed meanwhile (then no one may be taking any more)."""
    while not failed:
        try:
            out.put(item, timeout=0.5)
            return
        except queue.Full:
            continue


def _get(chunks: queue.Queue[Chunk | None], failed: list[BaseException]) -> Chunk | None:
    while not failed:
        try:
            return chunks.get(timeout=0.5)
        except queue.Empty:
            continue
    return None


def produce(generator: Generator, plans: list[Plan], out: queue.Queue[Chunk | None],
            failed: list[BaseException]) -> None:
    try:
        chunk = Chunk()
        for plan in plans:
            if failed:
                return
            generator.fill(plan, chunk)
            if chunk.visits >= CHUNK_VISITS or plan.busy:
                _put(out, chunk, failed)
                chunk = Chunk()
        if chunk.clinics:
            _put(out, chunk, failed)
    except BaseException as error:  # handed to the main thread
        failed.append(error)
    finally:
        _put(out, None, failed)


# --- what a receptionist types --------------------------------------------------------------------

def search_terms(rng: random.Random, names: list[str], phones: list[str],
                 count: int = SEARCH_TERMS) -> list[str]:
    """Name fragments of 2–6 letters, surname + the first letters of the name, a full surname,
    3–7 phone digits (from the start of the national number or its middle)."""

    def cased(text: str) -> str:
        style = rng.random()
        if style < 0.45:
            return text.lower()
        return text[:1].upper() + text[1:].lower() if style < 0.9 else text.upper()

    terms: list[str] = []
    while len(terms) < count:
        kind = len(terms) % 10
        name = rng.choice(names)
        parts = name.split()
        phone = rng.choice(phones)  # "9161234567"
        if kind in (0, 1, 2, 3):
            word = rng.choice(parts)
            length = min(len(word), rng.randint(2, 6))
            start = 0 if rng.random() < 0.7 else rng.randrange(len(word) - length + 1)
            term = cased(word[start:start + length]) if start == 0 else word[start:start + length]
        elif kind in (4, 5):
            term = f"{parts[0]} {parts[1][:rng.randint(1, 3)]}" if len(parts) > 1 else parts[0]
        elif kind == 6:
            term = cased(parts[0])
        elif kind in (7, 8):
            term = ("8" + phone)[:rng.randint(3, 7)]
        else:
            length = rng.randint(3, 7)
            start = rng.randint(3, 10 - length)
            term = phone[start:start + length]
        if term and term not in terms:
            terms.append(term)
    return terms


# --- checks ---------------------------------------------------------------------------------------

def check_patients_as_the_app_makes_them(conn: Any, clinic_ids: list[str], sample: int) -> None:
    """Stored rows equal what `Patient.register(parse_phone(...))` makes of their name/phone."""
    from clinic.application.patients.phones import parse_phone
    from clinic.domain.patients import Patient

    rows = conn.execute(
        "SELECT clinic_id, name, phone, email, note, name_folded, phone_digits, created_at "
        "FROM patients WHERE clinic_id = ANY(%s) ORDER BY random() LIMIT %s",
        (clinic_ids, sample)).fetchall()
    assert rows, "no patients"
    for clinic_id, name, phone, email, note, folded, phone_digits, created in rows:
        patient = Patient.register(clinic_id, name, parse_phone(phone, "RU"), created, email,
                                   note)
        assert (patient.name, patient.name_folded, patient.phone, patient.phone_digits,
                patient.email, patient.note) == (name, folded, phone, phone_digits, email,
                                                 note), (name, phone)


def scalar(conn: Any, sql: str, *params: Any) -> Any:
    row = conn.execute(sql, params).fetchone()
    assert row is not None, sql
    return row[0]


def check_foreign_keys(conn: Any) -> int:
    """Every foreign key of the tables filled here, proved with an anti-join (the schema's own
    constraints, read from `tables.metadata`); returns how many were checked."""
    from sqlalchemy import ForeignKeyConstraint

    from clinic.adapters.sqlalchemy.tables import metadata

    checked = 0
    for name in COLUMNS:
        table = metadata.tables[name]
        for fk in table.constraints:
            if not isinstance(fk, ForeignKeyConstraint):
                continue
            target = fk.elements[0].column.table.name
            pairs = [(e.parent.name, e.column.name) for e in fk.elements]
            on = " AND ".join(f"t.{remote} = s.{local}" for local, remote in pairs)
            present = " AND ".join(f"s.{local} IS NOT NULL" for local, _ in pairs)
            dangling = scalar(
                conn, f"SELECT count(*) FROM {name} s WHERE {present} AND NOT EXISTS "  # noqa: S608
                f"(SELECT 1 FROM {target} t WHERE {on})")
            assert dangling == 0, f"{name}: {dangling} rows break {fk.name}"
            checked += 1
    return checked


def verify(conn: Any, expected: dict[str, int], busy_id: str, busy_week: date,
           free_days: list[date], progress: Callable[[str], None]) -> dict[str, int]:
    def one(sql: str, *params: Any) -> Any:
        return scalar(conn, sql, *params)

    counts = {t: one(f"SELECT count(*) FROM {t}") for t in COUNTED}  # noqa: S608 - our names
    for table, count in expected.items():
        assert counts[table] == count, f"{table}: {counts[table]} rows, {count} intended"
    for column, only, what in (("room_id", "", "overlapping visits in a room"),
                               ("doctor_id", "WHERE NOT doctor_overlap_confirmed",
                                "unconfirmed doctor overlaps")):
        clashes = one(
            "SELECT count(*) FROM (SELECT starts_at, lag(ends_at) OVER (PARTITION BY "  # noqa: S608
            f"clinic_id, {column} ORDER BY starts_at) AS previous FROM appointments "
            f"{only}) x WHERE previous > starts_at")
        assert clashes == 0, f"{clashes} {what}"
    stray = one("SELECT count(*) FROM appointment_lines l LEFT JOIN appointments a "
                "ON a.clinic_id = l.clinic_id AND a.id = l.appointment_id WHERE a.id IS NULL")
    assert stray == 0, f"{stray} lines outside their appointment's clinic"
    wrong = one("SELECT count(*) FROM appointments a JOIN (SELECT appointment_id, "
                "sum(price_minor) AS price, sum(duration_minutes) AS minutes, count(*) AS n, "
                "max(position) AS last FROM appointment_lines GROUP BY appointment_id) l "
                "ON l.appointment_id = a.id WHERE a.price_minor <> l.price OR a.ends_at <> "
                "a.starts_at + make_interval(mins => l.minutes::int) OR l.n NOT BETWEEN 1 "
                "AND 3 OR l.last <> l.n - 1")
    assert wrong == 0, f"{wrong} appointments disagree with their lines"
    bare = one("SELECT count(*) FROM appointments a WHERE NOT EXISTS (SELECT 1 FROM "
               "appointment_lines l WHERE l.appointment_id = a.id)")
    assert bare == 0, f"{bare} appointments without lines"
    outside = one("SELECT count(*) FROM appointments a JOIN clinics c ON c.id = a.clinic_id "
                  "WHERE extract(isodow FROM a.starts_at AT TIME ZONE c.timezone) = 7 "
                  "OR (a.starts_at AT TIME ZONE c.timezone)::time < '08:00' "
                  "OR (a.ends_at AT TIME ZONE c.timezone)::time > '20:00' "
                  "OR (a.ends_at AT TIME ZONE c.timezone)::date "
                  "<> (a.starts_at AT TIME ZONE c.timezone)::date")
    assert outside == 0, f"{outside} visits outside working hours"
    late = one("SELECT count(*) FROM appointments WHERE created_at >= starts_at "
               "OR (status <> 'scheduled' AND updated_at IS NULL)")
    assert late == 0, f"{late} visits created after their start or changed without a date"
    week = conn.execute(
        "SELECT r.name, count(a.id) FROM rooms r LEFT JOIN appointments a ON a.room_id = r.id "
        "AND a.starts_at >= (%s::date)::timestamp AT TIME ZONE 'Europe/Moscow' "
        "AND a.starts_at < (%s::date + 7)::timestamp AT TIME ZONE 'Europe/Moscow' "
        "WHERE r.clinic_id = %s GROUP BY r.name", (busy_week, busy_week, busy_id)).fetchall()
    per_room = dict(week)
    assert per_room["Кабинет 1"] == sum(BUSY_WEEK_ROOM0), per_room
    in_free = one("SELECT count(*) FROM appointments WHERE clinic_id = %s AND "
                  "(starts_at AT TIME ZONE 'Europe/Moscow')::date = ANY(%s)", busy_id, free_days)
    assert in_free == 0, f"{in_free} visits on the free days"
    keys = check_foreign_keys(conn)
    progress(f"  checked: {keys} foreign keys hold, counts as intended, no room or doctor "
             f"overlaps, every line in its appointment's clinic and summed into it, all in "
             f"working hours; busy week {sum(per_room.values())} visits "
             f"({per_room['Кабинет 1']} in room 0), free days empty")
    return counts


# --- the whole run --------------------------------------------------------------------------------

def _rate(rows: int, seconds: float) -> str:
    return f"{rows:>10,} rows in {seconds:6.1f} s ({rows / seconds:,.0f} rows/s)" if seconds \
        else f"{rows:>10,} rows"


def generate(scale: str, server_url: str = DEFAULT_SERVER, database: str | None = None,
             seed: int = 7, progress: Callable[[str], None] = print,
             enforce_foreign_keys: bool = False, defer_indexes: bool = True) -> Dataset:
    from clinic.adapters.sqlalchemy.migrate import upgrade
    from clinic.config import load_settings
    from clinic.container import build_container

    if scale not in SCALES:
        raise SystemExit(f"unknown scale {scale!r}: one of {', '.join(SCALES)}")
    others, other_visits = SCALES[scale]
    started = time.perf_counter()
    name = database or f"chairside_bench_{scale}"
    url = recreate_database(server_url, name)
    progress(f"database {make_url(url).render_as_string(hide_password=True)} re-created")
    upgrade(url)
    progress(f"  migrated in {time.perf_counter() - started:.1f} s")

    instance_dir = Path(tempfile.mkdtemp(prefix="chairside-bench-"))
    container = build_container(load_settings(database_url=url, instance_dir=instance_dir))
    try:
        return _fill(container, scale, url, others, other_visits, seed, started, progress,
                     enforce_foreign_keys, defer_indexes)
    finally:
        container.engine().dispose()
        shutil.rmtree(instance_dir, ignore_errors=True)


def _fill(container: Any, scale: str, url: str, others: int, other_visits: int, seed: int,
          started: float, progress: Callable[[str], None],
          enforce_foreign_keys: bool, defer_indexes: bool) -> Dataset:
    import psycopg

    from clinic.application.accounts.sign_up import SignUpCommand, StarterKit
    from clinic.entrypoints.cli import demo_data

    now = container.clock().now()
    zone = ZoneInfo(demo_data.TIMEZONE)
    today = now.astimezone(zone).date()
    generator = Generator(seed, today, now, container.password_hasher().hash(OTHERS_PASSWORD))

    # The busy clinic through the real sign-up, then its token and licence.
    signed = container.sign_up()(SignUpCommand(
        demo_data.CLINIC_NAME, OWNER_NAME, OWNER_EMAIL, OWNER_PASSWORD, locale="ru",
        timezone=demo_data.TIMEZONE, treats_patients=True,
        starter=StarterKit("Кабинет 1", demo_data.STARTER_NAMES)))
    clinic_id, owner_id = str(signed.clinic_id), str(signed.user_id)
    token = container.create_api_token()(signed.clinic_id, signed.user_id, "bench")
    with psycopg.connect(_conninfo(url)) as conn:
        room0 = scalar(conn, "SELECT id FROM rooms WHERE clinic_id = %s", clinic_id)
        doctor0 = scalar(conn, "SELECT id FROM doctors WHERE clinic_id = %s", clinic_id)
        by_name = {row[1]: (str(row[0]), row[1], row[2], row[3]) for row in conn.execute(
            "SELECT id, name, price_minor, duration_minutes FROM procedures "
            "WHERE clinic_id = %s", (clinic_id,))}
        # The clinic is brand new, but its diary is a year old: date what sign-up made back.
        back = now - timedelta(days=2 * 365)
        for table in ("rooms", "doctors", "procedures", "memberships"):
            conn.execute(f"UPDATE {table} SET created_at = %s WHERE clinic_id = %s",  # noqa: S608
                         (back, clinic_id))
        conn.execute("UPDATE clinics SET created_at = %s WHERE id = %s", (back, clinic_id))
        conn.execute("UPDATE users SET created_at = %s WHERE id = %s", (back, owner_id))
        conn.execute(
            "INSERT INTO subscriptions (id, clinic_id, status, paid_chairs, paid_seats, "
            "period_end, updated_at) VALUES (%s, %s, 'active', 8, 12, %s, %s)",
            (uuid.uuid4(), clinic_id, now + timedelta(days=30), now))
    starters = len(by_name)
    procedures = [by_name[n] for _, n, _, _ in generator.catalog[:starters]]
    procedures += [(generator.ids.one(), n, rub * 100, minutes)
                   for _, n, rub, minutes in generator.catalog[starters:]]
    busy = Plan(
        index=0, id=clinic_id, name=demo_data.CLINIC_NAME, zone=demo_data.TIMEZONE,
        offset=zone_offset(demo_data.TIMEZONE), created=minute_of(back), owner_id=owner_id,
        owner_email=OWNER_EMAIL, owner_name=OWNER_NAME,
        rooms=[str(room0), *generator.ids.take(BUSY_ROOMS - 1)],
        doctors=[str(doctor0), *generator.ids.take(BUSY_DOCTORS - 1)],
        doctor_names=[OWNER_NAME, *demo_data.DOCTOR_NAMES, *(
            generator.person_name(n % 2 == 0, True) for n in range(BUSY_DOCTORS - 4))],
        procedures=procedures, patients=BUSY_PATIENTS, visits=BUSY_VISITS, paid_chairs=8,
        busy=True, made_rooms=1, made_doctors=1, made_procedures=starters)
    plans = [busy, *generator.other_plans(others, other_visits)]
    progress(f"  busy clinic signed up; {len(plans) - 1} other clinics planned "
             f"({sum(p.visits for p in plans):,} visits, {sum(p.patients for p in plans):,} "
             f"patients); {time.perf_counter() - started:.1f} s")

    deferred: list[tuple[str, str]] = []
    if defer_indexes:
        with psycopg.connect(_conninfo(url), autocommit=True) as conn:
            deferred = deferrable_indexes(conn)
            for name, _ in deferred:
                conn.execute(f"DROP INDEX {name}")
        progress(f"  {len(deferred)} plain indexes of {', '.join(DEFERRED_TABLES)} dropped "
                 f"for the load: {', '.join(name for name, _ in deferred)}")
    chunks: queue.Queue[Chunk | None] = queue.Queue(maxsize=LOADERS + 1)
    failed: list[BaseException] = []
    loader = Loader(url, enforce_foreign_keys, progress)
    loader.total_clinics = len(plans)
    threads = [threading.Thread(target=produce, args=(generator, plans, chunks, failed),
                                daemon=True)]
    threads += [threading.Thread(target=loader.run, args=(chunks, failed), daemon=True)
                for _ in range(LOADERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failed:
        raise failed[0]
    loaded = time.perf_counter() - loader.started
    for table in COLUMNS:
        progress(f"  {table:<18}{_rate(loader.rows[table], loader.seconds[table])}")
    progress(f"  generated and loaded in {loaded:.1f} s ({LOADERS} connections; rows/s above "
             f"are per connection, COPY time summed over them)")

    if deferred:
        step = time.perf_counter()
        rebuild_indexes(url, deferred, progress)
        with psycopg.connect(_conninfo(url), autocommit=True) as conn:
            again = deferrable_indexes(conn)
        assert again == deferred, f"indexes differ after the rebuild: {again} != {deferred}"
        progress(f"  {len(deferred)} indexes re-created as the migrations define them in "
                 f"{time.perf_counter() - step:.1f} s")
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        step = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        progress(f"  VACUUM ANALYZE in {time.perf_counter() - step:.1f} s")
        step = time.perf_counter()
        expected = {t: loader.rows[t] for t in COLUMNS}
        expected["clinics"] += 1
        expected["users"] += 1
        expected["memberships"] += 1
        expected["rooms"] += busy.made_rooms
        expected["doctors"] += busy.made_doctors
        expected["procedures"] += busy.made_procedures
        expected["subscriptions"] += 1
        expected["api_tokens"] = 1
        counts = verify(conn, expected, clinic_id, generator.busy_week, generator.free_days,
                        progress)
        check_patients_as_the_app_makes_them(conn, [clinic_id], 3000)
        if len(plans) > 1:
            check_patients_as_the_app_makes_them(conn, [p.id for p in plans[1:]], 2000)
        progress(f"  checked in {time.perf_counter() - step:.1f} s")

    container.sign_in()(OWNER_EMAIL, OWNER_PASSWORD)
    terms = search_terms(random.Random(seed + 2),  # noqa: S311 - made-up data
                         generator.busy_names, generator.busy_phones)
    find = container.patient_queries().find
    misses = [t for t in terms if find(uuid.UUID(clinic_id), t, limit=1).total == 0]
    assert not misses, f"search terms that find no one: {misses}"
    progress(f"  the owner signs in; {len(terms)} search terms each find a patient")

    rng = random.Random(seed + 3)  # noqa: S311 - made-up data
    busy_day = generator.busy_week + timedelta(days=2)
    dataset = Dataset(
        scale=scale, database_url=url, clinic_id=clinic_id, owner_email=OWNER_EMAIL,
        owner_password=OWNER_PASSWORD, api_token=token.secret, room_ids=busy.rooms,
        doctor_ids=busy.doctors, procedure_ids=[p[0] for p in busy.procedures],
        patient_ids=rng.sample(generator.busy_patient_ids, 50),
        busy_week=generator.busy_week.isoformat(), busy_day=busy_day.isoformat(),
        free_days=[d.isoformat() for d in generator.free_days], search_terms=terms,
        report_from=generator.first_day.isoformat(), report_to=generator.last_day.isoformat(),
        counts=counts, seconds=round(time.perf_counter() - started, 1))
    dataset.save(ROOT / "bench" / "results" / f"dataset-{scale}.json")
    return dataset


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=list(SCALES), default="small")
    parser.add_argument("--server", default=DEFAULT_SERVER,
                        help="a PostgreSQL URL; the scratch database is made on its server")
    parser.add_argument("--database", help="the scratch database (default "
                                           "chairside_bench_<scale>; dropped and re-created)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--enforce-foreign-keys", action="store_true",
                        help="let the foreign-key triggers check every row as it is copied "
                             "(slower; by default they are proved in SQL afterwards)")
    parser.add_argument("--keep-indexes", action="store_true",
                        help="load with every index in place (slower; by default the plain "
                             "indexes of patients, appointments and lines are dropped and "
                             "re-created from their own definitions after the load)")
    args = parser.parse_args(argv)
    data = generate(args.scale, args.server, args.database, args.seed,
                    progress=lambda line: print(line, flush=True),
                    enforce_foreign_keys=args.enforce_foreign_keys,
                    defer_indexes=not args.keep_indexes)
    print(f"\n{args.scale}: {data.seconds:.0f} s; " + ", ".join(
        f"{table} {count:,}" for table, count in data.counts.items()))
    print(f"busy clinic {data.clinic_id}: sign in as {data.owner_email} / {data.owner_password};"
          f" busy week {data.busy_week}, free days {', '.join(data.free_days)}; written to "
          f"bench/results/dataset-{args.scale}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
