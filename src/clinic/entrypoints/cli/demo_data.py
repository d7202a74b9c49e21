"""The demo clinic's made-up data: Russian names and phones, its price list, and a week plan.

Pure and deterministic: every function takes a `random.Random`, so one seed gives one clinic.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CLINIC_NAME = "Стоматология «Улыбка»"
OWNER_NAME = "Смирнова Елена Викторовна"  # the owner treats patients: she is the first doctor
DOCTOR_NAMES = ("Орлов Дмитрий Сергеевич", "Ковалёва Анна Игоревна", "Ким Александр Олегович")
ROOM_NAMES = ("Кабинет 1", "Кабинет 2", "Кабинет 3")
TIMEZONE = "Europe/Moscow"
WORKING_DAYS = (1, 2, 3, 4, 5, 6)
OPENS, SHIFT_CHANGE, CLOSES = time(9), time(14, 30), time(20)

# The starter catalog's keys named in Russian, and a few more lines a real price list has.
STARTER_NAMES = {
    "consultation": "Консультация", "xray": "Прицельный снимок (один зуб)",
    "hygiene": "Профессиональная гигиена", "caries": "Лечение кариеса",
    "filling": "Пломба (композит)", "root_canal": "Лечение корневого канала (один канал)",
    "extraction": "Удаление зуба", "whitening": "Отбеливание зубов",
}
EXTRA_PROCEDURES = (  # key, name, price in roubles, minutes
    ("anesthesia", "Анестезия (инфильтрационная)", "800", "5"),
    ("pulpitis", "Лечение пульпита", "8500", "90"),
    ("crown", "Металлокерамическая коронка", "18000", "60"),
    ("sealant", "Герметизация фиссур (один зуб)", "2500", "30"),
)
# What one visit is, by procedure keys in the order they are done, with how often it happens.
VISITS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("consultation",), 8), (("consultation", "xray"), 10), (("hygiene",), 12),
    (("anesthesia", "caries"), 10), (("xray", "anesthesia", "caries"), 4), (("filling",), 6),
    (("anesthesia", "filling"), 6), (("anesthesia", "root_canal"), 5),
    (("xray", "root_canal"), 3), (("xray", "anesthesia", "pulpitis"), 4),
    (("anesthesia", "extraction"), 5), (("xray", "anesthesia", "extraction"), 2),
    (("whitening",), 2), (("hygiene", "whitening"), 1), (("crown",), 3), (("sealant",), 3),
    (("consultation", "sealant"), 2),
)

_MALE = ("Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья",
         "Кирилл", "Михаил", "Никита", "Матвей", "Роман", "Егор", "Иван", "Владимир", "Павел",
         "Николай", "Олег", "Евгений", "Тимофей", "Константин", "Денис", "Георгий", "Юрий",
         "Виктор", "Григорий", "Фёдор", "Лев", "Станислав")
_FEMALE = ("Анна", "Мария", "Елена", "Ольга", "Наталья", "Екатерина", "Татьяна", "Ирина",
           "Светлана", "Юлия", "Анастасия", "Дарья", "Алина", "Ксения", "Полина", "Виктория",
           "Валентина", "Людмила", "Галина", "Марина", "Вера", "Софья", "Алёна", "Елизавета",
           "Надежда", "Кристина", "Любовь", "Оксана", "Вероника", "Александра")
_FATHERS = (("Александрович", "Александровна"), ("Сергеевич", "Сергеевна"),
            ("Андреевич", "Андреевна"), ("Дмитриевич", "Дмитриевна"),
            ("Алексеевич", "Алексеевна"), ("Владимирович", "Владимировна"),
            ("Михайлович", "Михайловна"), ("Николаевич", "Николаевна"), ("Игоревич", "Игоревна"),
            ("Евгеньевич", "Евгеньевна"), ("Викторович", "Викторовна"), ("Юрьевич", "Юрьевна"),
            ("Олегович", "Олеговна"), ("Павлович", "Павловна"), ("Иванович", "Ивановна"),
            ("Петрович", "Петровна"), ("Васильевич", "Васильевна"),
            ("Анатольевич", "Анатольевна"), ("Геннадьевич", "Геннадьевна"),
            ("Ильич", "Ильинична"), ("Романович", "Романовна"),
            ("Константинович", "Константиновна"), ("Григорьевич", "Григорьевна"),
            ("Борисович", "Борисовна"), ("Фёдорович", "Фёдоровна"))
_SURNAMES = (
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
    "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв",
    "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв",
    "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев",
    "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов", "Беляев",
    "Герасимов", "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов", "Марков", "Миронов",
    "Крылов", "Куликов", "Карпов", "Власов", "Мельников", "Денисов", "Гаврилов", "Тихонов",
    "Казаков", "Афанасьев", "Данилов", "Савельев", "Тимофеев", "Фомин", "Чернов", "Абрамов",
    "Мартынов", "Ефимов", "Федотов", "Щербаков", "Назаров", "Калинин", "Исаев", "Быков", "Маслов",
    "Родионов", "Коновалов", "Лазарев", "Воронин", "Климов", "Филатов", "Пономарёв", "Голубев",
    "Кудрявцев", "Прохоров", "Наумов", "Журавлёв", "Трофимов", "Леонов", "Соболев", "Ермаков",
    "Колесников", "Гончаров", "Никифоров", "Котов", "Гришин", "Ефремов", "Архипов", "Громов",
    "Кириллов", "Малышев", "Панов", "Моисеев", "Румянцев", "Акимов", "Горбунов", "Галкин",
    "Лукьянов", "Скворцов", "Белоусов", "Нестеров", "Симонов", "Цветков", "Князев", "Вишневский",
    "Островский", "Покровский", "Добровольский", "Шевченко", "Бондаренко", "Коваленко", "Ким",
    "Черных", "Седых", "Цой"
)
_NOTES_ANY = ("Аллергия на лидокаин", "Предпочитает вечерние приёмы",
              "Звонить только после 18:00", "Гипертония, контролировать давление",
              "Боится лечения, нужен спокойный темп", "Напомнить о гигиене через полгода",
              "Скидка 10% по программе для пенсионеров")
_NOTES_BY_SEX = (("Пришёл по рекомендации друга", "Пришла по рекомендации подруги"),
                 ("Просил присылать напоминания в мессенджер",
                  "Просила присылать напоминания в мессенджер"))
VISIT_NOTES = ("Первичный осмотр", "Жалобы на боль при накусывании", "Контроль после лечения",
               "Принести снимки из другой клиники", "Повторный визит",
               "Чувствительность к холодному")
# Mobile codes of the big Russian operators (all valid for every subscriber number).
_MOBILE_CODES = (901, 903, 905, 906, 909, *range(910, 930), 931, 950, 951, 952, 953,
                 *range(960, 970), 977, 978, *range(980, 990), *range(991, 1000))
_LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                  ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                   "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "",
                   "e", "yu", "ya"], strict=True))


@dataclass(frozen=True)
class PersonData:
    name: str
    phone: str
    email: str = ""
    note: str = ""


def _feminine(surname: str) -> str:
    if surname.endswith(("ский", "цкий")):
        return surname[:-2] + "ая"
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname  # Шевченко, Ким, Черных: the same for both


def _latin(text: str) -> str:
    return "".join(_LATIN.get(ch, ch) for ch in text.lower())


def patients(rng: random.Random, count: int) -> list[PersonData]:
    """`count` people with distinct names and distinct mobile phones; some with an email or a
    note. Most are «Фамилия Имя Отчество», as clinics write them; a few give no patronymic."""
    names: set[str] = set()
    phones: set[str] = set()
    people: list[PersonData] = []
    while len(people) < count:
        female = rng.random() < 0.58  # women see the dentist more often
        first = rng.choice(_FEMALE if female else _MALE)
        surname = rng.choice(_SURNAMES)
        surname = _feminine(surname) if female else surname
        patronymic = rng.choice(_FATHERS)[female]
        name = f"{surname} {first}" if rng.random() < 0.1 else f"{surname} {first} {patronymic}"
        number = f"{rng.choice(_MOBILE_CODES)}{rng.randrange(10_000_000):07d}"
        if name in names or number in phones:
            continue
        names.add(name)
        phones.add(number)
        phone = f"+7 {number[:3]} {number[3:6]}-{number[6:8]}-{number[8:]}"
        email = ""
        if rng.random() < 0.15:
            year = rng.choice(("", str(rng.randrange(70, 100))))
            domain = rng.choice(("com", "org", "net"))  # reserved: no one real gets mail
            email = f"{_latin(first)}.{_latin(surname)}{year}@example.{domain}"
        note = ""
        if rng.random() < 0.08:
            note = rng.choice([*_NOTES_ANY, *(pair[female] for pair in _NOTES_BY_SEX)])
        people.append(PersonData(name, phone, email, note))
    return people


@dataclass(frozen=True)
class PlannedVisit:
    """One appointment to make: times are aware, in the clinic's zone."""

    room: int
    doctor: int
    patient: int
    starts_at: datetime
    ends_at: datetime
    procedures: tuple[str, ...]
    status: str  # an AppointmentStatus value
    note: str = ""


def working_days(today: date, back: int = 21, ahead: int = 20) -> Iterator[date]:
    for offset in range(-back, ahead + 1):
        day = today + timedelta(days=offset)
        if day.isoweekday() in WORKING_DAYS:
            yield day


def _status(rng: random.Random, starts_at: datetime, ends_at: datetime, now: datetime) -> str:
    if ends_at <= now:
        return rng.choices(["done", "no_show", "cancelled"], [86, 6, 8])[0]
    if starts_at <= now:
        return "arrived"  # in the chair right now
    return rng.choices(["scheduled", "cancelled"], [95, 5])[0]


def plan_visits(rng: random.Random, today: date, now: datetime, minutes: Mapping[str, int],
                rooms: int, doctors: int, patients: int) -> list[PlannedVisit]:
    """Six weeks around `today`: each room's day is two shifts (09:00–14:30, 14:30–20:00), each
    with its own doctor, and no doctor in two rooms in one shift; visits follow one another
    with short gaps and never leave their shift, so rooms and doctors are never double-booked.
    The weeks ahead thin out the further they are, as real diaries do. A patient comes at most
    once a day."""
    zone = ZoneInfo(TIMEZONE)
    kinds = [kind for kind, _ in VISITS]
    weights = [weight for _, weight in VISITS]
    loyalty = [rng.choice((1, 1, 1, 2, 3, 5)) for _ in range(patients)]
    planned: list[PlannedVisit] = []
    for day in working_days(today):
        ahead = (day - today).days
        empty_chance = 0.05 if ahead <= 0 else 0.1 + 0.025 * ahead
        seen_today: set[int] = set()
        for begins, ends in ((OPENS, SHIFT_CHANGE), (SHIFT_CHANGE, CLOSES)):
            shift_end = datetime.combine(day, ends, zone)
            on_duty = rng.sample(range(doctors), rooms)  # needs doctors >= rooms
            for room in range(rooms):
                cursor = datetime.combine(day, begins, zone)
                while True:
                    cursor += timedelta(minutes=rng.choice((0, 0, 0, 0, 5, 10, 15, 30)))
                    fitting = [i for i, kind in enumerate(kinds)
                               if cursor + _length(kind, minutes) <= shift_end]
                    if not fitting:
                        break
                    kind = kinds[rng.choices(fitting, [weights[i] for i in fitting])[0]]
                    ends_at = cursor + _length(kind, minutes)
                    if rng.random() >= empty_chance:
                        patient = _pick_patient(rng, loyalty, seen_today)
                        note = rng.choice(VISIT_NOTES) if rng.random() < 0.07 else ""
                        planned.append(PlannedVisit(
                            room, on_duty[room], patient, cursor, ends_at, kind,
                            _status(rng, cursor, ends_at, now), note))
                    cursor = ends_at
    return planned


def _length(kind: Sequence[str], minutes: Mapping[str, int]) -> timedelta:
    return timedelta(minutes=sum(minutes[key] for key in kind))


def _pick_patient(rng: random.Random, loyalty: list[int], seen_today: set[int]) -> int:
    while True:
        patient = rng.choices(range(len(loyalty)), loyalty)[0]
        if patient not in seen_today:
            seen_today.add(patient)
            return patient
