"""Reports (owner and admin): the figures of a period, revenue drawn by day or week, the
breakdowns by doctor and room, every appointment of the period, and the same list as CSV or
Excel. The page costs a fixed number of SQL statements whatever the data."""

from __future__ import annotations

import re
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_interval
from flask import (
    Blueprint,
    Response,
    render_template,
    request,
    send_file,
    stream_with_context,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from clinic.application.reporting.queries import ReportScope
from clinic.domain.reporting import (
    Counted,
    Period,
    Preset,
    custom_period,
    preset_period,
)
from clinic.domain.shared import ValidationFailed
from clinic.domain.team import Permission
from clinic.entrypoints.http.container import container
from clinic.entrypoints.web import report_files
from clinic.entrypoints.web.auth import permission_required
from clinic.entrypoints.web.i18n import current_language
from clinic.entrypoints.web.messages import field_errors
from clinic.entrypoints.web.report_chart import build_chart, day_words, number
from clinic.entrypoints.web.views.appointments import status_names

bp = Blueprint("reports", __name__)
PAGE_SIZE = 50
MAX_PAGE = 100_000

PRESETS = [
    (Preset.THIS_WEEK, _l("This week")),
    (Preset.LAST_WEEK, _l("Last week")),
    (Preset.THIS_MONTH, _l("This month")),
    (Preset.LAST_MONTH, _l("Last month")),
    (Preset.THIS_YEAR, _l("This year")),
]
DEFAULT_PRESET = Preset.THIS_MONTH

_DOTTED = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")


# --- the choice of period, doctor and room ------------------------------------------------------

def parse_day(text: str) -> date | None:
    """2026-11-30 (what a date field sends) or 30.11.2026 (what people type); years that
    make no sense for a clinic's books are refused rather than overflow later."""
    text = text.strip()
    try:
        day = date.fromisoformat(text) if "-" in text else None
    except ValueError:
        day = None
    if day is None and (match := _DOTTED.fullmatch(text)):
        try:
            day = date(int(match[3]), int(match[2]), int(match[1]))
        except ValueError:
            day = None
    if day is None or not 1900 <= day.year <= 2999:
        return None
    return day


def _uuid(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


@dataclass
class Choice:
    """What the person asked for, as read from the query, with what was typed kept as typed."""

    preset: Preset
    period: Period | None
    typed_from: str
    typed_to: str
    doctor_id: uuid.UUID | None = None
    room_id: uuid.UUID | None = None
    newest_first: bool = False
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)  # field -> message

    def query(self, *, listing: bool = False, **changes: Any) -> dict[str, str]:
        """The query that shows this choice again (with changes); `listing` keeps the sort
        and the page of the appointments list."""
        args: dict[str, Any] = {"period": self.preset.value}
        if self.preset is Preset.CUSTOM:
            args["from"], args["to"] = self.typed_from, self.typed_to
            if self.period is not None:
                args["from"], args["to"] = self.period.first.isoformat(), \
                    self.period.last.isoformat()
        args["doctor"], args["room"] = self.doctor_id, self.room_id
        if listing:
            args["sort"] = "newest" if self.newest_first else None
            args["page"] = self.page if self.page > 1 else None
        args.update(changes)
        return {key: str(value) for key, value in args.items() if value is not None}

    def shown(self, name: str) -> tuple[str, bool]:
        """The value for the `from` or `to` field, and whether a date field can show it (a
        browser's date field shows nothing for what it cannot read: that goes back as text)."""
        if self.period is not None:
            day = self.period.first if name == "from" else self.period.last
            return day.isoformat(), True
        typed = self.typed_from if name == "from" else self.typed_to
        read = parse_day(typed)
        if read is not None:
            return read.isoformat(), True
        return typed, not typed


def read_choice(args: Mapping[str, str], today: date) -> Choice:
    try:
        preset = Preset(args.get("period") or DEFAULT_PRESET.value)
    except ValueError:
        preset = DEFAULT_PRESET
    typed_from = (args.get("from") or "").strip()[:40]
    typed_to = (args.get("to") or "").strip()[:40]
    choice = Choice(preset, None, typed_from, typed_to, _uuid(args.get("doctor")),
                    _uuid(args.get("room")), newest_first=args.get("sort") == "newest")
    try:
        choice.page = min(max(int(args.get("page") or 1), 1), MAX_PAGE)
    except ValueError:
        choice.page = 1
    if preset is not Preset.CUSTOM:
        period = preset_period(preset, today)
        typed = (typed_from, typed_to)
        # the date form sends the preset's own dates back when only the doctor or room changed
        if not any(typed) or typed == (period.first.isoformat(), period.last.isoformat()):
            choice.period = period
            return choice
        choice.preset = Preset.CUSTOM
    try:
        choice.period = custom_period(parse_day(typed_from), parse_day(typed_to))
    except ValidationFailed as failed:
        choice.errors = field_errors(failed.errors)
    return choice


# --- the figures as the page shows them ---------------------------------------------------------

def period_words(period: Period) -> str:
    if period.first == period.last:
        return str(format_date(period.first, "long", locale=current_language()))
    return str(format_interval(period.first, period.last, "yMMMd",
                               locale=current_language()))


# --- the page -----------------------------------------------------------------------------------

def _zone() -> ZoneInfo:
    return ZoneInfo(current_user.clinic_timezone or "UTC")


def _scope(choice: Choice, now: datetime) -> ReportScope:
    assert choice.period is not None
    return ReportScope(current_user.clinic_id, choice.period, _zone(), now,
                       doctor_id=choice.doctor_id, room_id=choice.room_id)


def _today_and_now() -> tuple[date, datetime]:
    now = container().clock().now()
    return now.astimezone(_zone()).date(), now


def counted_names() -> dict[Counted, str]:
    return {Counted.REVENUE: _("counted"), Counted.PLANNED: _("planned"),
            Counted.NOT_COUNTED: _("not counted")}


def _form_context(choice: Choice) -> dict[str, Any]:
    """The period picker's lists; a doctor or room not of this clinic is forgotten."""
    catalog, clinic_id = container().catalog_queries(), current_user.clinic_id
    doctors = catalog.items(clinic_id, "doctors", include_archived=True)
    rooms = catalog.items(clinic_id, "rooms", include_archived=True)
    if choice.doctor_id and all(d.id != choice.doctor_id for d in doctors):
        choice.doctor_id = None
    if choice.room_id and all(r.id != choice.room_id for r in rooms):
        choice.room_id = None
    return {"choice": choice, "presets": PRESETS, "doctors": doctors, "rooms": rooms,
            "section": "reports", "number": number}


@bp.get("/reports")
@permission_required(Permission.REPORTS)
def index() -> Any:
    today, now = _today_and_now()
    choice = read_choice(request.args, today)
    context = _form_context(choice)
    doctors, rooms = context["doctors"], context["rooms"]
    if choice.errors:
        return render_template("reports/index.html", **context), 422
    assert choice.period is not None
    currency = current_user.clinic_currency or "RUB"
    queries = container().report_queries()
    scope = _scope(choice, now)
    summary = queries.summary(scope, currency)
    reminders, reminders_before = queries.reminder_figures(scope)
    listing = queries.rows(scope, offset=(choice.page - 1) * PAGE_SIZE, limit=PAGE_SIZE,
                           newest_first=choice.newest_first)
    pages = max(1, -(-listing.total // PAGE_SIZE))
    with_year = choice.period.first.year != choice.period.last.year \
        or choice.period.first.year != today.year
    return render_template(
        "reports/index.html", **context, summary=summary, listing=listing, pages=pages,
        chart=build_chart(summary), period_words=period_words(choice.period),
        reminders=reminders, reminders_before=reminders_before,
        status_names=status_names(), counted_names=counted_names(), zone=_zone(),
        row_day=lambda value: day_words(value.astimezone(_zone()).date(),
                                        "yMMMEd" if with_year else "MMMEd"),
        doctor=next((d for d in doctors if d.id == choice.doctor_id), None),
        room=next((r for r in rooms if r.id == choice.room_id), None))


# --- the downloads ------------------------------------------------------------------------------

def _columns() -> report_files.Columns:
    currency = current_user.clinic_currency or "RUB"
    return report_files.Columns(
        headers=[_("Date"), _("Time"), _("Patient"), _("Doctor"), _("Room"), _("Procedures"),
                 _("Price (%(currency)s)", currency=currency), _("Status"), _("Counted")],
        statuses=status_names(),
        counted={Counted.REVENUE: _("yes"), Counted.PLANNED: _("planned"),
                 Counted.NOT_COUNTED: _("no")},
        total=_("Total counted"), sheet_title=_("Report"),
        russian=current_language() == "ru")


def _download_scope() -> tuple[ReportScope | None, Choice]:
    """The page's choice as a scope, or None when the dates need fixing."""
    today, now = _today_and_now()
    choice = read_choice(request.args, today)
    return (None if choice.errors else _scope(choice, now)), choice


def _invalid(choice: Choice) -> Any:
    """A download asked with dates to fix answers the page that says what to fix."""
    return render_template("reports/index.html", **_form_context(choice)), 422


@bp.get("/reports/download.csv")
@permission_required(Permission.REPORTS)
def download_csv() -> Any:
    scope, choice = _download_scope()
    if scope is None:
        return _invalid(choice)
    columns, currency = _columns(), current_user.clinic_currency or "RUB"
    # written to the audit trail as an export
    rows = container().export_report()(scope, current_user.user_id)
    chunks = (chunk.encode("utf-8")
              for chunk in report_files.csv_chunks(rows, columns, scope.zone, currency))
    name = report_files.filename(scope.period.first, scope.period.last, "csv")
    # direct_passthrough (so bytes, not text): the gzip step must not read the whole stream
    # into memory first
    return Response(stream_with_context(chunks), mimetype=report_files.CSV_MIMETYPE,
                    direct_passthrough=True,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/reports/download.xlsx")
@permission_required(Permission.REPORTS)
def download_xlsx() -> Any:
    scope, choice = _download_scope()
    if scope is None:
        return _invalid(choice)
    # written to the audit trail as an export
    rows = container().export_report()(scope, current_user.user_id)
    target = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it after sending
    report_files.write_xlsx(rows, _columns(),
                            scope.zone, current_user.clinic_currency or "RUB", target)
    target.seek(0)
    return send_file(target, mimetype=report_files.XLSX_MIMETYPE, as_attachment=True,
                     download_name=report_files.filename(scope.period.first, scope.period.last,
                                                         "xlsx"))
