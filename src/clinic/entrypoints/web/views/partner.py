"""Партнёрская программа (owner, admin): the clinic's code, its share link and QR code, the
clinics that joined with it, and every credit and reversal of the balance."""

from __future__ import annotations

from typing import Any

import segno
from flask import Blueprint, abort, render_template
from flask_login import current_user
from markupsafe import Markup

from clinic.domain.team import Permission
from clinic.entrypoints.http.container import container
from clinic.entrypoints.http.links import partner_share_url
from clinic.entrypoints.web.auth import permission_required
from clinic.entrypoints.web.input_rules import page_arg

bp = Blueprint("partner", __name__)
PAGE = 50


def qr_svg(text: str) -> Markup:
    """The link as a QR code: an inline SVG made here, no script, no outside service."""
    svg = segno.make(text, error="m").svg_inline(scale=5, border=3, dark="#1b2430",
                                                 light="#ffffff", svgclass="qr")
    return Markup(svg)  # noqa: S704 - segno's own markup: paths only, the text is not in it


@bp.get("/partner")
@permission_required(Permission.PARTNER)
def index() -> Any:
    queries = container().referral_queries()
    overview = queries.overview(current_user.clinic_id)
    if overview is None:
        abort(404)
    page, offset = page_arg(PAGE)
    total, entries = queries.ledger(current_user.clinic_id, PAGE, offset)
    link = partner_share_url(overview.promo_code)
    return render_template(
        "partner/index.html", section="partner", overview=overview, link=link,
        qr=qr_svg(link), entries=entries, total=total, page=page,
        pages=max((total + PAGE - 1) // PAGE, 1))
