"""What the partner page and the API show: the code, the clinics it brought, the ledger."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from clinic.domain.licensing import BILLING_CURRENCY


@dataclass(frozen=True)
class ReferredClinic:
    """Only the name and the day it joined: nothing else of theirs is shown."""

    name: str
    joined_at: datetime


@dataclass(frozen=True)
class PartnerOverview:
    promo_code: str
    balance_cents: int
    referred: Sequence[ReferredClinic]
    currency: str = BILLING_CURRENCY


@dataclass(frozen=True)
class LedgerRow:
    id: uuid.UUID
    kind: str
    amount_cents: int
    currency: str
    source_clinic_name: str
    created_at: datetime


@dataclass(frozen=True)
class ReferredPayment:
    """A payment or refund of a clinic that signed up with another's code (for verifying)."""

    referrer_id: uuid.UUID
    source_clinic_id: uuid.UUID
    source_clinic_name: str
    payment_id: uuid.UUID
    refund: bool
    amount_cents: int


class ReferralQueries(Protocol):
    def overview(self, clinic_id: uuid.UUID) -> PartnerOverview | None: ...

    def ledger(self, clinic_id: uuid.UUID, limit: int,
               offset: int = 0) -> tuple[int, Sequence[LedgerRow]]:
        """(how many entries in all, a page of them, the newest first)."""
        ...

    def referred_payments(self) -> Sequence[ReferredPayment]:
        """Every payment and refund of every referred clinic, each clinic's in time order."""
        ...

    def ledger_sums(self) -> dict[tuple[uuid.UUID, uuid.UUID], int]:
        """(referrer, source clinic) -> the sum of their entries, for sources still there."""
        ...
