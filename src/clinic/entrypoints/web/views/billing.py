"""Оплата (the owner's): what is in use and paid for, what it costs, paying for more, and the
test-mode checkout that stands in for Stripe's when no keys are set."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from clinic.domain.licensing import (
    BILLING_CURRENCY,
    CHAIR_PRICE_CENTS,
    FREE_CHAIRS,
    SEAT_PRICE_CENTS,
    LowerThanInUse,
)
from clinic.domain.shared import ValidationFailed
from clinic.domain.team import Permission
from clinic.entrypoints.http.container import container
from clinic.entrypoints.http.links import external_url, public_url
from clinic.entrypoints.web.auth import permission_required
from clinic.entrypoints.web.licence_offer import safe_back

bp = Blueprint("billing", __name__)


def _page(form: dict[str, str] | None = None, problem: str | None = None,
          status: int = 200) -> Any:
    overview = container().show_billing()(current_user.clinic_id)
    chairs, seats = overview.to_cover
    form = form or {"chairs": str(chairs), "seats": str(seats)}
    return render_template(
        "billing/index.html", section="billing", overview=overview, licence=overview.licence,
        form=form, problem=problem, free_chairs=FREE_CHAIRS, chair_cents=CHAIR_PRICE_CENTS,
        seat_cents=SEAT_PRICE_CENTS, currency=BILLING_CURRENCY), status


@bp.get("/billing")
@permission_required(Permission.BILLING)
def index() -> Any:
    return _page()


@bp.post("/billing/plan")
@permission_required(Permission.BILLING)
def change_plan() -> Any:
    form = {"chairs": request.form.get("chairs", "").strip(),
            "seats": request.form.get("seats", "").strip()}
    if not (form["chairs"].isdigit() and form["seats"].isdigit()):
        return _page(form, _("Type whole numbers: 0, 1, 2…"), 422)
    # From an offer ("a third chair costs…"): back where the person was, to finish there.
    back = safe_back(request.form.get("back"))
    done_url = (public_url(f"{back}{'&' if '?' in back else '?'}paid=1") if back
                else external_url("billing.index", paid=1))
    try:
        plan = container().change_plan()
        url = plan(
            current_user.clinic_id, current_user.user_id, int(form["chairs"]),
            int(form["seats"]), done_url,
            public_url(back) if back else external_url("billing.index"))
    except ValidationFailed:
        return _page(form, _("Type a number from 0 to 500."), 422)
    except LowerThanInUse as over:
        parts = []
        if over.chairs_over:
            parts.append(_("archive %(n)s room(s)", n=over.chairs_over))
        if over.seats_over:
            parts.append(_("remove %(n)s person(s) or withdraw their invitations",
                           n=over.seats_over))
        return _page(form, _("More is in use than these numbers allow. First %(what)s.",
                             what=_(" and ").join(parts)), 422)
    if url is not None:
        return redirect(url)
    if not plan.applies_at_once:
        flash(_("The change is sent. The new numbers apply once the payment is confirmed."),
              "success")
    else:
        flash(_("Done (test mode): more applies at once, less from the next payment."),
              "success")
    return redirect(done_url if back else url_for("billing.index"))


@bp.post("/billing/card")
@permission_required(Permission.BILLING)
def manage_card() -> Any:
    """Stripe's customer portal: the card, the invoices, cancelling."""
    portal = container().open_card_portal()(current_user.clinic_id, current_user.user_id,
                                             external_url("billing.index"))
    if portal is None:
        flash(_("There is no card to manage yet: nothing has been paid."), "info")
        return redirect(url_for("billing.index"))
    return redirect(portal)


@bp.route("/billing/test-pay/<token>", methods=["GET", "POST"])
@permission_required(Permission.BILLING)
def test_checkout(token: str) -> Any:
    """The test-mode gateway's checkout page: no card, no real money."""
    checkout = container().complete_test_checkout()
    pending = checkout.pending(current_user.clinic_id, token)
    if pending is None:  # another clinic's, or Stripe is live (its hosted checkout is used)
        abort(404)
    if request.method == "POST":
        done = checkout(token)
        if done is None:
            return redirect(url_for("billing.index"))
        flash(_("Paid (test mode). The new numbers apply now."), "success")
        return redirect(done.success_url)  # built by change_plan: this site's own address
    return render_template("billing/test_checkout.html", section="billing",
                           chairs=pending.chairs, seats=pending.seats,
                           total=pending.monthly_cents, currency=BILLING_CURRENCY,
                           done=pending.completed)
