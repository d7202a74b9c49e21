"""The partner program: the clinic's code and balance, and its ledger."""

from __future__ import annotations

import marshmallow as ma

F = ma.fields


class PartnerSchema(ma.Schema):
    promo_code = F.String(required=True, metadata={"example": "SMILE-7K2Q"})
    share_url = F.String(required=True, metadata={
        "example": "https://chairside.example/signup?promo=SMILE-7K2Q"})
    balance = F.String(required=True, metadata={
        "description": "The sum of every credit and reversal, in major units", "example": "4.50"})
    currency = F.String(required=True, metadata={"example": "USD"})
    referred_clinics_count = F.Integer(required=True)


class LedgerEntrySchema(ma.Schema):
    id = F.UUID(required=True)
    kind = F.String(required=True, metadata={"enum": ["credit", "reversal"]})
    amount = F.String(required=True, metadata={
        "description": "Major units; negative for a reversal", "example": "1.50"})
    currency = F.String(required=True, metadata={"example": "USD"})
    source_clinic_name = F.String(required=True)
    created_at = F.DateTime(required=True)


class LedgerPageSchema(ma.Schema):
    items = F.List(F.Nested(LedgerEntrySchema), required=True,
                   metadata={"description": "The newest first"})
    total = F.Integer(required=True)
    offset = F.Integer(required=True)
    limit = F.Integer(required=True)
