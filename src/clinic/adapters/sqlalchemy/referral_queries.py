"""The partner page's read model, in SQLAlchemy Core: a constant number of statements."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select

from clinic.adapters.sqlalchemy.reads import Connects
from clinic.adapters.sqlalchemy.tables import clinics, payments, referral_entries
from clinic.application.referrals.queries import (
    LedgerRow,
    PartnerOverview,
    ReferredClinic,
    ReferredPayment,
)
from clinic.domain.licensing import PaymentKind


class SqlReferralQueries:
    def __init__(self, engine: Connects) -> None:
        self.engine = engine

    def overview(self, clinic_id: uuid.UUID) -> PartnerOverview | None:
        e = referral_entries.c
        balance = (select(func.coalesce(func.sum(e.amount_cents), 0))
                   .where(e.clinic_id == clinic_id).scalar_subquery())
        with self.engine.connect() as conn:
            row = conn.execute(select(clinics.c.promo_code, balance.label("balance"))
                               .where(clinics.c.id == clinic_id)).first()
            if row is None:
                return None
            referred = conn.execute(
                select(clinics.c.name, clinics.c.created_at)
                .where(clinics.c.referred_by == clinic_id)
                .order_by(clinics.c.created_at.desc(), clinics.c.id)).all()
        return PartnerOverview(row.promo_code or "", int(row.balance),
                               [ReferredClinic(r.name, r.created_at) for r in referred])

    def ledger(self, clinic_id: uuid.UUID, limit: int,
               offset: int = 0) -> tuple[int, Sequence[LedgerRow]]:
        e = referral_entries.c
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).where(e.clinic_id == clinic_id)).scalar_one()
            rows = conn.execute(
                select(e.id, e.kind, e.amount_cents, e.currency, e.source_clinic_name,
                       e.created_at)
                .where(e.clinic_id == clinic_id)
                .order_by(e.created_at.desc(), e.id).limit(limit).offset(offset)).all()
        return int(total), [LedgerRow(r.id, str(r.kind.value), int(r.amount_cents), r.currency,
                                      r.source_clinic_name, r.created_at) for r in rows]

    def referred_payments(self) -> Sequence[ReferredPayment]:
        p = payments.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(clinics.c.referred_by, clinics.c.id, clinics.c.name, p.id, p.kind,
                       p.amount_cents)
                .join(payments, p.clinic_id == clinics.c.id)
                .where(clinics.c.referred_by.is_not(None))
                .order_by(clinics.c.id, p.created_at, p.id)).all()
        return [ReferredPayment(r[0], r[1], r[2], r[3], r[4] is PaymentKind.REFUND, int(r[5]))
                for r in rows]

    def ledger_sums(self) -> dict[tuple[uuid.UUID, uuid.UUID], int]:
        e = referral_entries.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(e.clinic_id, e.source_clinic_id, func.sum(e.amount_cents))
                .where(e.source_clinic_id.is_not(None))
                .group_by(e.clinic_id, e.source_clinic_id)).all()
        return {(r[0], r[1]): int(r[2]) for r in rows}
