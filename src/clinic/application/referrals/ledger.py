"""The referrer's share, written when a referred clinic pays or is refunded."""

from __future__ import annotations

from clinic.application.billing.ports import BillingEvent
from clinic.application.ports import Clock, Conflict, UnitOfWorkFactory
from clinic.domain.licensing import PaymentReceived, PaymentRefunded
from clinic.domain.referrals import EntryKind, LedgerEntry, credit_for, reversal_for


class CreditReferrer:
    """Listens to PaymentReceived and PaymentRefunded. A clinic that signed up with another's
    code earns that clinic 30% of each payment; a refund takes back 30% of what was refunded
    (never more than that clinic's payments earned). Each payment or refund gives one entry
    at most: its reference is unique in the ledger, so a replayed event adds nothing."""

    listens_to = (PaymentReceived, PaymentRefunded)  # a referred clinic paid or got money back

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory, self.clock = uow_factory, clock

    def __call__(self, event: BillingEvent) -> LedgerEntry | None:
        with self.uow_factory(event.clinic_id) as uow:
            payer = uow.clinics.get(event.clinic_id)
        if payer is None or payer.referred_by is None:
            return None
        referrer_id = payer.referred_by
        with self.uow_factory(referrer_id) as uow:
            uow.claim_clinic()  # one entry at a time per referrer: the cap reads them all
            if uow.clinics.get(referrer_id) is None:
                return None
            if isinstance(event, PaymentReceived):
                kind = EntryKind.CREDIT
                ref, amount = credit_for(event.payment_id, event.amount_cents)
            else:
                kind = EntryKind.REVERSAL
                ref, amount = reversal_for(event.payment_id, event.amount_cents,
                                           uow.referrals.from_source(referrer_id, payer.id))
            if amount == 0 or uow.referrals.has(ref):
                return None
            entry = LedgerEntry(referrer_id, kind, amount, event.currency, ref, payer.id,
                                payer.name, self.clock.now())
            uow.referrals.add(entry)
            try:
                uow.commit()
            except Conflict:  # the same event at once elsewhere: that one wrote it
                return None
            return entry
