"""The report's downloads: a CSV streamed line by line, and an Excel workbook written row by
row (openpyxl's write-only mode keeps only the current row in memory). Both end with a totals
row: the counted revenue under "Price" and the number of counted appointments under "Counted".
Every cell of text goes through `spreadsheet_text`, so no name a person typed becomes a formula;
amounts, counts, dates and times are written as what they are.

The words (headers, statuses) come in a `Columns` from the view, in the page's language, so this
module needs no request and can be tested alone."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any
from zoneinfo import ZoneInfo

from clinic.application.reporting.queries import ReportRow
from clinic.domain.reporting import Counted
from clinic.domain.shared import Money, decimal_text, minor_digits
from clinic.entrypoints.spreadsheet_text import csv_text, xlsx_text

CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with one
ROWS_PER_CHUNK = 200
MAX_PRICES = 5000  # the CSV's memo of amounts written out stays this small
MAX_TEXTS = 20000  # and its memo of names made safe


@dataclass(frozen=True)
class Columns:
    """What the file says, in the reader's language."""

    headers: Sequence[str]  # date, time, patient, doctor, room, procedures, price, status, counted
    statuses: Mapping[str, str]
    counted: Mapping[Counted, str]
    total: str
    sheet_title: str
    russian: bool  # `;` and a decimal comma, day.month.year; else `,`, a point and ISO dates


@dataclass
class Totals:
    """Summed while the rows go by: the file's totals are the sum of the file's rows."""

    count: int = 0
    revenue_minor: int = 0

    def add(self, row: ReportRow) -> None:
        if row.counted is Counted.REVENUE:
            self.count += 1
            self.revenue_minor += row.price_minor


def filename(first: date, last: date, extension: str) -> str:
    return f"chairside-report-{first.isoformat()}-{last.isoformat()}.{extension}"


def _amount(minor: int, currency: str) -> Decimal:
    return Money(minor, currency).to_decimal()


def _local(row: ReportRow, zone: ZoneInfo) -> datetime:
    return row.starts_at.astimezone(zone)


def _cells(row: ReportRow, columns: Columns, zone: ZoneInfo) -> tuple[datetime, list[str]]:
    """The start in the clinic's zone and the text columns: patient, doctor, room, procedures,
    status, counted."""
    return _local(row, zone), [
        row.patient_name, row.doctor_name, row.room_name, ", ".join(row.procedures),
        columns.statuses.get(row.status, row.status), columns.counted[row.counted]]


# --- CSV ----------------------------------------------------------------------------------------

def csv_chunks(rows: Iterable[ReportRow], columns: Columns, zone: ZoneInfo,
               currency: str) -> Iterator[str]:
    """The file as text chunks (the response encodes them as UTF-8): the BOM and the header,
    the rows a few hundred at a time, then the totals row.

    A year is tens of thousands of rows, so each costs little: the rows come by start, the date
    is written once per local day and the time once per distinct start, amounts by integer
    arithmetic (`decimal_text`, the same text as the Decimal's)."""
    separator, comma = (";", ",") if columns.russian else (",", ".")
    day_format = "%d.%m.%Y" if columns.russian else "%Y-%m-%d"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    prices: dict[int, str] = {}  # a clinic's prices repeat: each is written out once

    def money(minor: int) -> str:
        return decimal_text(minor, currency).replace(".", comma)

    texts: dict[str, str] = {}  # names repeat too: each is made safe once (`spreadsheet_text`)

    def text(value: str) -> str:
        if len(texts) > MAX_TEXTS:
            texts.clear()
        made = texts[value] = csv_text(value)
        return made

    writer.writerow([csv_text(header) for header in columns.headers])
    yield BOM + flush()
    # the same few words on every row: made safe once
    statuses = {code: csv_text(word) for code, word in columns.statuses.items()}
    counted_words = {kind: csv_text(word) for kind, word in columns.counted.items()}
    revenue = Counted.REVENUE
    count = revenue_minor = 0
    start: datetime | None = None
    day: date | None = None
    day_text = time_text = ""
    lines: list[list[object]] = []
    for row in rows:
        if row.counted is revenue:
            count += 1
            revenue_minor += row.price_minor
        if row.starts_at != start:
            start = row.starts_at
            local = start.astimezone(zone)
            if local.date() != day:
                day, day_text = local.date(), local.strftime(day_format)
            time_text = f"{local.hour:02d}:{local.minute:02d}"
        price = prices.get(row.price_minor)
        if price is None:
            if len(prices) > MAX_PRICES:
                prices.clear()
            price = prices[row.price_minor] = money(row.price_minor)
        procedures = ", ".join(row.procedures)
        lines.append([day_text, time_text,
                      texts.get(row.patient_name) or text(row.patient_name),
                      texts.get(row.doctor_name) or text(row.doctor_name),
                      texts.get(row.room_name) or text(row.room_name),
                      texts.get(procedures) or text(procedures), price,
                      statuses.get(row.status) or text(row.status), counted_words[row.counted]])
        if len(lines) == ROWS_PER_CHUNK:
            writer.writerows(lines)
            lines.clear()
            yield flush()
    writer.writerows(lines)
    writer.writerow([csv_text(columns.total), "", "", "", "", "", money(revenue_minor), "",
                     count])
    yield flush()


# --- XLSX ---------------------------------------------------------------------------------------

WIDTHS = (12, 8, 28, 24, 16, 40, 14, 16, 14)  # characters, column by column


def write_xlsx(rows: Iterable[ReportRow], columns: Columns, zone: ZoneInfo, currency: str,
               target: IO[bytes]) -> Totals:
    """One sheet: a bold header, a row per appointment (real dates, times and numbers), a bold
    totals row; written into `target`."""
    # imported here: openpyxl is 8 MB in every worker, and only this download needs it
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=columns.sheet_title[:31])
    for n, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + n)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    digits = minor_digits(currency)
    money_format = "#,##0" + ("." + "0" * digits if digits else "")
    day_format = "DD.MM.YYYY" if columns.russian else "YYYY-MM-DD"

    def cell(value: object, number_format: str | None = None, strong: bool = False,
             right: bool = False) -> Any:
        made = (xlsx_text(sheet, value) if isinstance(value, str)
                else WriteOnlyCell(sheet, value=value))
        if number_format:
            made.number_format = number_format
        if strong:
            made.font = bold
        if right:
            made.alignment = Alignment(horizontal="right")
        return made

    sheet.append([cell(header, strong=True, right=n in (6, 8))
                  for n, header in enumerate(columns.headers)])
    totals = Totals()
    for row in rows:
        totals.add(row)
        start, texts = _cells(row, columns, zone)
        patient, doctor, room, procedures, status, counted = map(cell, texts)
        sheet.append([cell(start.date(), day_format),
                      cell(start.time().replace(tzinfo=None), "HH:MM"),
                      patient, doctor, room, procedures,
                      cell(_amount(row.price_minor, currency), money_format), status, counted])
    sheet.append([cell(columns.total, strong=True), None, None, None, None, None,
                  cell(_amount(totals.revenue_minor, currency), money_format, strong=True),
                  None, cell(totals.count, "0", strong=True)])
    book.save(target)
    return totals
