"""The partner programme: a clinic that signs up with another's promo code makes that clinic
earn 30% of every payment it ever makes, kept in an append-only ledger of integer cents."""

from __future__ import annotations

import enum
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from clinic.domain.shared import DomainError, new_id

SHARE_PERCENT = 30
# Letters and digits nobody misreads: no 0/O, 1/I/L, 5/S, 2/Z, 8/B, U/V.
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTWXY"
CODE_TAIL = 4
PREFIX_LENGTH = 6
_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["A", "B", "V", "G", "D", "E", "E", "ZH", "Z", "I", "Y", "K", "L", "M", "N", "O", "P",
     "R", "S", "T", "U", "F", "KH", "TS", "CH", "SH", "SHCH", "", "Y", "", "E", "YU", "YA"],
    strict=True))
# Words most clinics' names share, skipped so the code names *this* clinic.
_GENERIC = {"THE", "DR", "OOO", "IP", "ZAO", "LLC", "INC", "DENTAL", "DENTISTRY", "CLINIC",
            "CENTER", "CENTRE", "STUDIO", "STOMATOLOGIYA", "STOMATOLOGICHESKAYA",
            "STOMATOLOGICHESKIY", "KLINIKA", "TSENTR", "STUDIYA"}
_CODE_SHAPE = re.compile(r"^[A-Z0-9]{1,12}-[A-Z0-9]{2,8}$")


class PromoCodeUnknown(DomainError):
    code = "promo_unknown"


class OwnPromoCode(DomainError):
    """A clinic cannot refer itself: the code belongs to the same person signing up."""

    code = "promo_own"


def code_prefix(clinic_name: str) -> str:
    """The readable part of a code: the clinic's name in Latin letters, "SMILE" for «Smile
    Dental», "ULYBKA" for «Улыбка»; "CLINIC" when the name has no letters."""
    latin = "".join(_CYRILLIC.get(ch, ch) for ch in clinic_name.lower()).upper()
    words = [w for w in re.split(r"[^A-Z]+", latin) if w]
    first = next((w for w in words if w not in _GENERIC and len(w) > 1),
                 words[0] if words else "")
    return first[:PREFIX_LENGTH] or "CLINIC"


def new_promo_code(clinic_name: str) -> str:
    tail = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_TAIL))
    return f"{code_prefix(clinic_name)}-{tail}"


def normalize_code(raw: str) -> str | None:
    """What was typed, as stored: upper case, no spaces; None if it cannot be a code."""
    code = re.sub(r"\s+", "", raw or "").upper()
    return code if _CODE_SHAPE.match(code) else None


def commission_cents(amount_cents: int) -> int:
    """30% of an amount in integer cents, rounded down: 1234 -> 370."""
    return max(amount_cents, 0) * SHARE_PERCENT // 100


class EntryKind(enum.StrEnum):
    CREDIT = "credit"  # a share of a referred clinic's payment
    REVERSAL = "reversal"  # the share of a refund, taken back


@dataclass(eq=False)
class LedgerEntry:
    """One line of a referrer's balance; never changed or deleted. `source_ref` names the
    payment or refund it comes from and is unique, so a replayed event adds nothing."""

    clinic_id: uuid.UUID  # the referrer, whose balance it is
    kind: EntryKind
    amount_cents: int  # positive for a credit, negative for a reversal
    currency: str
    source_ref: str
    source_clinic_id: uuid.UUID | None
    source_clinic_name: str
    created_at: datetime
    id: uuid.UUID = field(default_factory=new_id)


def credit_for(payment_id: uuid.UUID, amount_cents: int) -> tuple[str, int]:
    return f"payment:{payment_id}", commission_cents(amount_cents)


def reversal_for(refund_id: uuid.UUID, refunded_cents: int,
                 left_from_source: int) -> tuple[str, int]:
    """The share of a refund taken back, never more than is left of what that clinic's
    payments earned, so a source never makes the balance negative."""
    return f"refund:{refund_id}", -min(commission_cents(refunded_cents), max(left_from_source, 0))


def balance(entries: Iterable[LedgerEntry]) -> int:
    return sum(entry.amount_cents for entry in entries)
