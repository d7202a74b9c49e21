"""A small Telegram Bot API on loopback for the tests: `POST /bot<token>/<method>` with JSON,
answered as https://core.telegram.org/bots/api documents (`{"ok": true, "result": ...}` or
`{"ok": false, "error_code", "description"}`), so our real client code runs against it."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "7012345678:AAE1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW"
BOT = "ulybka_clinic_bot"


class TelegramApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []  # (method, body) of every good call
        self.blocked: set[str] = set()  # chats whose user blocked the bot
        self.trouble: int | None = None  # 429 or 502 for every call
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> TelegramApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def called(self, method: str) -> list[dict[str, Any]]:
        return [body for name, body in self.calls if name == method]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                _, bot, method = self.path.split("/", 2)
                if bot != f"bot{TOKEN}":
                    return self._answer(401, {"ok": False, "error_code": 401,
                                              "description": "Unauthorized"})
                if api.trouble == 429:
                    return self._answer(429, {
                        "ok": False, "error_code": 429, "parameters": {"retry_after": 5},
                        "description": "Too Many Requests: retry after 5"})
                if api.trouble == 502:
                    return self._answer(502, {"ok": False, "error_code": 502,
                                              "description": "Bad Gateway"})
                if method == "getMe":
                    return self._ok(method, body, {"id": 7012345678, "is_bot": True,
                                                   "first_name": "Улыбка", "username": BOT})
                if method in ("setWebhook", "deleteWebhook", "answerCallbackQuery"):
                    return self._ok(method, body, True)
                if method == "sendMessage":
                    chat = str(body.get("chat_id"))
                    if chat in api.blocked:
                        return self._answer(403, {
                            "ok": False, "error_code": 403,
                            "description": "Forbidden: bot was blocked by the user"})
                    if not chat.lstrip("-").isdigit():
                        return self._answer(400, {"ok": False, "error_code": 400,
                                                  "description": "Bad Request: chat not found"})
                    return self._ok(method, body, {
                        "message_id": len(api.calls) + 1, "date": 1764800000,
                        "chat": {"id": int(chat), "type": "private"}, "text": body["text"]})
                return self._answer(404, {"ok": False, "error_code": 404,
                                          "description": "Not Found"})

            def _ok(self, method: str, body: dict[str, Any], result: Any) -> None:
                api.calls.append((method, body))
                self._answer(200, {"ok": True, "result": result})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
