"""Stripe's webhooks: authenticated by the signature on the raw body, not by a session."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify, request

from clinic.application.billing.ports import InvalidWebhook, MalformedWebhook
from clinic.entrypoints.http.container import container

bp = Blueprint("stripe_webhooks", __name__)
log = logging.getLogger(__name__)


@bp.post("/webhooks/stripe")
def receive() -> Any:
    payload = request.get_data(cache=False)  # the raw bytes the signature covers
    try:
        event = container().webhook_reader().read(payload, request.headers.get("Stripe-Signature"))
    except MalformedWebhook as error:
        log.warning("refused a signed Stripe webhook: %s", error)
        return jsonify(error=f"malformed event: {error}"), 400
    except InvalidWebhook as error:
        log.info("refused a Stripe webhook: %s", error)
        return jsonify(error="invalid signature"), 400
    outcome = container().handle_provider_event()(event)
    return jsonify(received=True, outcome=outcome.value), 200
