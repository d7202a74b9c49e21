"""`clinic referrals verify`: every balance recomputed from the payments, the refunds and the
rule, and compared with the ledger."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from clinic.application.referrals.queries import ReferralQueries
from clinic.domain.referrals import credit_for, reversal_for


@dataclass(frozen=True)
class Difference:
    referrer_id: uuid.UUID
    source_clinic_id: uuid.UUID
    source_clinic_name: str
    expected_cents: int
    ledger_cents: int


class VerifyReferrals:
    def __init__(self, queries: ReferralQueries) -> None:
        self.queries = queries

    def __call__(self) -> tuple[int, list[Difference]]:
        """(how many referrer-and-source pairs were checked, the ones that differ)."""
        expected: dict[tuple[uuid.UUID, uuid.UUID], int] = defaultdict(int)
        names: dict[uuid.UUID, str] = {}
        for p in self.queries.referred_payments():
            key = (p.referrer_id, p.source_clinic_id)
            names[p.source_clinic_id] = p.source_clinic_name
            if p.refund:
                expected[key] += reversal_for(p.payment_id, p.amount_cents, expected[key])[1]
            else:
                expected[key] += credit_for(p.payment_id, p.amount_cents)[1]
        actual = self.queries.ledger_sums()
        differences = [
            Difference(referrer, source, names.get(source, ""), expected.get(key, 0),
                       actual.get(key, 0))
            for key in sorted(set(expected) | set(actual), key=str)
            for referrer, source in [key]
            if expected.get(key, 0) != actual.get(key, 0)]
        return len(set(expected) | set(actual)), differences
