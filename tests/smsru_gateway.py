"""A small SMS.ru on loopback for the tests: `sms/send`, `sms/cost` and `sms/status` answer as
SMS.ru's HTTP API documents them (POST only, `json=1`, a request status and one per number,
its error codes), so our real client code runs against it. It keeps what it was sent."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

API_ID = "0F0E0D0C-1111-2222-3333-444455556666"
PRICE_KOPECKS = 174  # a part


def _parts(text: str) -> int:
    units = len(text.encode("utf-16-le")) // 2
    if all(ord(ch) < 128 for ch in text):
        return 1 if units <= 160 else -(-units // 153)
    return 1 if units <= 70 else -(-units // 67)


class SmsRuGateway:
    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []  # the forms of every sms/send that went through
        self.refuse: dict[str, int] = {}  # number -> a per-number error code (207, 202...)
        self.trouble: str | None = None  # "503", "220", "not-json", "slow"
        self.states: dict[str, int] = {}  # sms_id -> state for sms/status (103, 106...)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> SmsRuGateway:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # documented: a GET is answered 210
                self._json({"status": "ERROR", "status_code": 210,
                            "status_text": "Используется GET, где необходимо использовать POST"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if gateway.trouble == "slow":
                    time.sleep(3)
                if gateway.trouble == "503":
                    self.send_response(503)
                    self.end_headers()
                    self.wfile.write(b"Service Unavailable")
                    return
                if gateway.trouble == "not-json":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.end_headers()
                    self.wfile.write(b"<html>maintenance</html>")
                    return
                if gateway.trouble == "220":
                    self._json({"status": "ERROR", "status_code": 220,
                                "status_text": "Сервис временно недоступен, попробуйте чуть "
                                               "позже"})
                    return
                if form.get("api_id") != API_ID:
                    self._json({"status": "ERROR", "status_code": 200,
                                "status_text": "Неправильный api_id"})
                    return
                route = self.path.split("?")[0]
                if route == "/sms/send":
                    self._send(form)
                elif route == "/sms/cost":
                    self._cost(form)
                elif route == "/sms/status":
                    self._status(form)
                else:
                    self._json({"status": "ERROR", "status_code": 211,
                                "status_text": "Метод не найден"})

            def _send(self, form: dict[str, str]) -> None:
                number = form.get("to", "")
                if not form.get("msg"):
                    self._json({"status": "OK", "status_code": 100, "sms": {number: {
                        "status": "ERROR", "status_code": 203,
                        "status_text": "Нет текста сообщения"}}, "balance": 100.0})
                    return
                if number in gateway.refuse:
                    code = gateway.refuse[number]
                    self._json({"status": "OK", "status_code": 100, "sms": {number: {
                        "status": "ERROR", "status_code": code,
                        "status_text": "Нет маршрута для доставки сообщения"}},
                        "balance": 100.0})
                    return
                gateway.sent.append(form)
                sms_id = f"000000-{1000000 + len(gateway.sent)}"
                self._json({"status": "OK", "status_code": 100, "sms": {number: {
                    "status": "OK", "status_code": 100, "sms_id": sms_id}},
                    "balance": 4122.56})

            def _cost(self, form: dict[str, str]) -> None:
                number, parts = form.get("to", ""), _parts(form.get("msg", ""))
                cost = parts * PRICE_KOPECKS / 100
                self._json({"status": "OK", "status_code": 100, "sms": {number: {
                    "status": "OK", "status_code": 100, "cost": f"{cost:.2f}", "sms": parts}},
                    "total_cost": cost, "total_sms": parts})

            def _status(self, form: dict[str, str]) -> None:
                found = {}
                for sms_id in form.get("sms_id", "").split(","):
                    state = gateway.states.get(sms_id, -1)
                    found[sms_id] = ({"status": "ERROR", "status_code": -1,
                                      "status_text": "Сообщение не найдено"} if state == -1
                                     else {"status": "OK", "status_code": state})
                self._json({"status": "OK", "status_code": 100, "sms": found,
                            "balance": 4122.56})

            def _json(self, body: dict[str, Any]) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
