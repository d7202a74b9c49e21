"""`clinic billing setup-prices`: the two monthly Stripe prices found by lookup key or created
once."""

from __future__ import annotations

from typing import Any

from clinic.adapters.stripe_client import field_of
from clinic.domain.licensing import (
    BILLING_CURRENCY,
    CHAIR_PRICE_CENTS,
    SEAT_PRICE_CENTS,
)

PRICE_LOOKUP_KEYS = {"chair": "chairside_extra_chair", "seat": "chairside_extra_seat"}
_PRICES = {"chair": ("Chairside: extra chair", CHAIR_PRICE_CENTS),
           "seat": ("Chairside: extra person", SEAT_PRICE_CENTS)}


def setup_prices(client: Any) -> dict[str, tuple[str, bool]]:
    """The two recurring monthly USD prices, found by their lookup keys or created once:
    {"chair": (price id, created now?), "seat": (...)}. Running it again creates nothing."""
    listed = client.v1.prices.list({"lookup_keys": list(PRICE_LOOKUP_KEYS.values()),
                                    "active": True, "limit": 10})
    existing = {field_of(p, "lookup_key"): field_of(p, "id")
                for p in field_of(listed, "data") or []}
    out: dict[str, tuple[str, bool]] = {}
    for kind, key in PRICE_LOOKUP_KEYS.items():
        if key in existing:
            out[kind] = (str(existing[key]), False)
            continue
        name, cents = _PRICES[kind]
        price = client.v1.prices.create(
            {"currency": BILLING_CURRENCY.lower(), "unit_amount": cents, "lookup_key": key,
             "recurring": {"interval": "month"}, "product_data": {"name": name}},
            {"idempotency_key": f"chairside-setup-{key}"})
        out[kind] = (str(field_of(price, "id")), True)
    return out
