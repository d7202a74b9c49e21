"""/api/v1/partner: the clinic's promo code, share link and balance, and its ledger."""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import NotFound

from clinic.domain.shared import decimal_text
from clinic.domain.team import Permission
from clinic.entrypoints.api.auth import current_clinic_id, permission_required, token_required
from clinic.entrypoints.api.errors import ApiBlueprint, problems
from clinic.entrypoints.api.schemas.common import PageArgsSchema
from clinic.entrypoints.api.schemas.partner import LedgerPageSchema, PartnerSchema
from clinic.entrypoints.http.container import container
from clinic.entrypoints.http.links import partner_share_url

blp = ApiBlueprint("api_partner", __name__, url_prefix="/api/v1/partner",
                   description="The partner program: 30% of referred clinics' payments")


def _amount(cents: int, currency: str) -> str:
    return decimal_text(cents, currency)


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
