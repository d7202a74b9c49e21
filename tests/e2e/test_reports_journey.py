"""The demo clinic's report in a Russian browser, on a phone and on a desktop: the owner picks
"this year", reads the figures, downloads the CSV and the Excel file through the page's links,
and both files' totals rows say what the page says."""

from __future__ import annotations

import csv
import io
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS, assert_accessible, open_page, seed_demo, shot

EMAIL, PASSWORD = "demo-reports-e2e@chairside.local", "demo-demo-demo"
BOM = b"\xef\xbb\xbf"
PRICE_COLUMN, COUNTED_COLUMN = 6, 8  # date, time, patient, doctor, room, procedures, price, ...


@pytest.fixture(scope="session")
def reports_demo(server) -> dict[str, str]:
    """A demo clinic of its own (not test_demo_clinic.py's), in the e2e server's database."""
    seed_demo(server, EMAIL, PASSWORD, "--seed", "6")
    return server


@pytest.fixture(params=list(VIEWPORTS))
def russian(request, chromium, reports_demo):
    page = open_page(chromium, reports_demo["url"], request.param, "ru", accept_downloads=True)
    yield page
    page.context.close()


def amount(text: str) -> Decimal:
    """«1 234 567,50 ₽» or «2 500 ₽» (non-breaking spaces between thousands, a decimal comma)
    as a Decimal; also a bare count such as «1 204»."""
    digits = re.sub(r"[^\d,\-]", "", text)
    assert re.fullmatch(r"-?\d+(,\d+)?", digits), f"not an amount: {text!r}"
    return Decimal(digits.replace(",", "."))


def figures(page) -> dict[str, Decimal]:
    return {name: amount(page.locator(f'[data-figure="{name}"]').inner_text())
            for name in ("revenue", "appointments", "average", "planned")}


def download(page, kind: str, folder: Path) -> Path:
    link = page.locator(f'[data-download="{kind}"]')
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    got = info.value
    assert got.failure() is None, got.failure()
    assert got.suggested_filename.endswith(f".{kind}"), got.suggested_filename
    target = folder / f"{page.viewport_name}-{got.suggested_filename}"
    got.save_as(target)
    return target


def csv_totals(path: Path) -> tuple[Decimal, int, int]:
    """The totals row's revenue and count, and how many appointment rows the file has."""
    raw = path.read_bytes()
    assert raw.startswith(BOM), "the CSV must start with a BOM so that Excel reads UTF-8"
    rows = list(csv.reader(io.StringIO(raw[len(BOM):].decode("utf-8")), delimiter=";"))
    header, *body, totals = rows
    assert len(header) >= COUNTED_COLUMN + 1 and "Цена" in header[PRICE_COLUMN], header
    assert all(len(row) == len(header) for row in body), "every row has every column"
    for row in body:  # a decimal comma, no point: «5500,00», not «5500.00»
        assert re.fullmatch(r"\d+(,\d+)?", row[PRICE_COLUMN]), row
    assert re.fullmatch(r"\d+(,\d+)?", totals[PRICE_COLUMN]), totals
    return amount(totals[PRICE_COLUMN]), int(totals[COUNTED_COLUMN]), len(body)


def xlsx_totals(path: Path) -> tuple[Decimal, int, int]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    rows = [row for row in book.active.iter_rows(values_only=True)
            if any(cell not in (None, "") for cell in row)]
    book.close()
    header, *body, totals = rows
    assert "Цена" in str(header[PRICE_COLUMN]), header
    revenue = Decimal(str(totals[PRICE_COLUMN])).quantize(Decimal("0.01"))
    return revenue, int(totals[COUNTED_COLUMN]), len(body)


def test_the_year_report_and_its_downloads_agree(russian, tmp_path):
    page = russian
    page.goto("/signin")
    page.get_by_label("Электронная почта").fill(EMAIL)
    page.get_by_label("Пароль", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(re.compile(r"/calendar"))

    page.goto("/reports")
    expect(page.get_by_role("heading", name="Отчёты", level=1)).to_be_visible()
    expect(page.locator('[data-figure="revenue"]')).to_be_visible()  # this month, by default
    this_year = page.locator('.report-presets a[href*="period=this_year"]')
    this_year.click()
    expect(page).to_have_url(re.compile(r"period=this_year"))
    expect(this_year).to_have_attribute("aria-current", "true")

    # A visit may start between reading the page and downloading: then read both again.
    for attempt in range(2):
        if attempt:
            page.reload()
        shown = figures(page)
        csv_revenue, csv_count, csv_rows = csv_totals(download(page, "csv", tmp_path))
        xlsx_revenue, xlsx_count, xlsx_rows = xlsx_totals(download(page, "xlsx", tmp_path))
        if (csv_revenue, csv_count) == (xlsx_revenue, xlsx_count) == (
                shown["revenue"], shown["appointments"]):
            break

    assert shown["appointments"] > 0, "the demo clinic has visits that took place this year"
    assert (csv_revenue, csv_count) == (shown["revenue"], shown["appointments"]), (
        f"CSV totals {csv_revenue} / {csv_count}, page {shown}")
    assert (xlsx_revenue, xlsx_count) == (shown["revenue"], shown["appointments"]), (
        f"Excel totals {xlsx_revenue} / {xlsx_count}, page {shown}")
    assert csv_rows == xlsx_rows >= csv_count, "both files list the same appointments"
    average = (shown["revenue"] / shown["appointments"]).quantize(Decimal("0.01"),
                                                                  rounding=ROUND_HALF_UP)
    assert shown["average"] == average, shown

    rows = page.locator("table[data-report-rows] tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() > 0
    page.evaluate("window.scrollTo(0, 0)")  # the downloads scrolled; the sticky bar goes back
    shot(page, "50-reports-year-ru")
    assert_accessible(page)
