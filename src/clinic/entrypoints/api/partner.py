"""/api/v1/partner: the clinic's promo code, share link and balance, and its ledger."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields as F
from werkzeug.exceptions import NotFound

from clinic.domain.shared import decimal_text
from clinic.domain.team import Permission
from clinic.entrypoints.api.auth import current_clinic_id, permission_required, token_required
from clinic.entrypoints.api.errors import ApiBlueprint, problems
from clinic.entrypoints.api.schemas import PageArgsSchema
from clinic.entrypoints.http.container import container
from clinic.entrypoints.http.links import partner_share_url

blp = ApiBlueprint("api_partner", __name__, url_prefix="/api/v1/partner",
                   description="The partner program: 30% of referred clinics' payments")


def _amount(cents: int, currency: str) -> str:
    return decimal_text(cents, currency)


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


@blp.route("")
@token_required
@permission_required(Permission.PARTNER)
@blp.response(200, PartnerSchema)
@problems(blp, 401, 403)
def overview() -> Any:
    """The clinic's promo code, its share link, the balance and how many clinics joined"""
    found = container().referral_queries().overview(current_clinic_id())
    if found is None:
        raise NotFound()
    return {"promo_code": found.promo_code, "share_url": partner_share_url(found.promo_code),
            "balance": _amount(found.balance_cents, found.currency), "currency": found.currency,
            "referred_clinics_count": len(found.referred)}


@blp.route("/ledger")
@token_required
@permission_required(Permission.PARTNER)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, LedgerPageSchema)
@problems(blp, 401, 403, 422)
def ledger(args: dict[str, Any]) -> Any:
    """Every credit and reversal of the balance, the newest first"""
    total, rows = container().referral_queries().ledger(
        current_clinic_id(), args["limit"], args["offset"])
    return {"items": [{"id": r.id, "kind": r.kind, "amount": _amount(r.amount_cents, r.currency),
                       "currency": r.currency, "source_clinic_name": r.source_clinic_name,
                       "created_at": r.created_at} for r in rows],
            "total": total, "offset": args["offset"], "limit": args["limit"]}
