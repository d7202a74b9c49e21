"""A limit of the licence, told as an offer: "A third chair costs $5 a month — add it". The owner
gets a button that pays for exactly what is needed and comes back to finish; others are told
to ask the owner."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from clinic.domain.licensing import (
    BILLING_CURRENCY,
    CHAIR_PRICE_CENTS,
    FREE_CHAIRS,
    SEAT_PRICE_CENTS,
    ChairLimitReached,
    SeatLimitReached,
    monthly_cents,
)
from clinic.domain.team import Permission
from clinic.entrypoints.http.container import container
from clinic.entrypoints.web.i18n import money_minor

_NTH_CHAIR = {
    3: _l("A third chair costs %(price)s a month."),
    4: _l("A fourth chair costs %(price)s a month."),
    5: _l("A fifth chair costs %(price)s a month."),
    6: _l("A sixth chair costs %(price)s a month."),
    7: _l("A seventh chair costs %(price)s a month."),
    8: _l("An eighth chair costs %(price)s a month."),
    9: _l("A ninth chair costs %(price)s a month."),
    10: _l("A tenth chair costs %(price)s a month."),
}


@dataclass(frozen=True)
class Offer:
    title: str
    text: str
    can_pay: bool
    button: str = ""
    chairs: int = 0  # the extra chairs and seats to pay for, all told
    seats: int = 0
    total: str = ""  # the new monthly total
    back: str = ""  # where paying comes back to, to finish what was started


def offer_for(limit: ChairLimitReached | SeatLimitReached, back: str) -> Offer:
    """`back`: the local path that finishes the refused action (its form filled in again)."""
    # Cover what is paid and everything in use (after a lapse that may be more), plus the new one.
    chairs, seats = container().show_billing()(current_user.clinic_id).to_cover
    if isinstance(limit, ChairLimitReached):
        chairs = max(chairs, limit.in_use - FREE_CHAIRS)
        price = money_minor(CHAIR_PRICE_CENTS, BILLING_CURRENCY)
        title = _("All %(n)s chairs are in use", n=limit.allowed)
        text = str(_NTH_CHAIR.get(limit.in_use, _l("One more chair costs %(price)s a month."))
                   ) % {"price": price}
        button = _("Add a chair for %(price)s a month", price=price)
        ask = _("Ask the clinic's owner to add a chair on the Billing page.")
    else:
        seats = max(seats, limit.in_use)
        price = money_minor(SEAT_PRICE_CENTS, BILLING_CURRENCY)
        title = (_("Only the owner is included in the free plan") if limit.allowed == 0
                 else _("All %(n)s places for people are taken", n=limit.allowed))
        text = _("Each person besides the owner costs %(price)s a month; invitations waiting "
                 "for an answer count too.", price=price)
        button = _("Add a place for %(price)s a month", price=price)
        ask = _("Ask the clinic's owner to add a place on the Billing page.")
    can_pay = current_user.can(Permission.BILLING)
    return Offer(title, text if can_pay else f"{text} {ask}", can_pay, button, chairs, seats,
                 money_minor(monthly_cents(chairs, seats), BILLING_CURRENCY), back)


def safe_back(raw: str | None) -> str | None:
    """A path on this site only (never another host), for coming back after paying."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return None
    return raw
