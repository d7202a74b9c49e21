"""The report's CSV, byte for byte: what the fast writer gives equals the plain way of writing
each row (a Decimal per amount, strftime per cell) across midnights, a clock change, equal
starts, currencies of 0, 2 and 3 decimals, cells that need quoting and many chunks."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
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


def test_amounts_stay_right_when_the_memo_of_prices_is_emptied(monkeypatch):
    monkeypatch.setattr(report_files, "MAX_PRICES", 3)
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
