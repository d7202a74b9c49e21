"""`POST /webhooks/telegram/<hook>`: a clinic's bot's updates. Telegram sends the secret it was
given in `X-Telegram-Bot-Api-Secret-Token`; without the right one nothing is read (403). A body
is one small JSON update (64 KiB at most, the JSON rule of the API). 200 for every update read,
so Telegram does not send it again."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify, request

from clinic.application.json_input import JsonRefused, load_json
from clinic.entrypoints.http.container import container

log = logging.getLogger(__name__)
bp = Blueprint("telegram_webhook", __name__)


@bp.post("/webhooks/telegram/<hook>")
def receive(hook: str) -> Any:
    secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not secret:
        return jsonify(error="no secret token"), 403
    try:
        update = load_json(request.get_data(cache=False))
    except JsonRefused:
        return jsonify(error="not a Telegram update"), 400
    if not isinstance(update, dict):
        return jsonify(error="not a Telegram update"), 400
    if not container().handle_telegram_update()(hook[:64], secret[:256], update):
        return jsonify(error="unknown hook or secret"), 403
    return jsonify(ok=True), 200
