"""Absolute links (emails, Stripe's return pages, the API's Location) from BASE_URL only.

A link built from the request's Host header lets anyone who sends `Host: evil.example` have a
password-reset email point at their server; so no view asks Flask for `_external=True` or
`request.host_url` (tests/integration/test_base_url.py fails on a new one)."""

from __future__ import annotations

from typing import Any

from flask import request, url_for

from clinic.entrypoints.http.container import container


def public_url(path: str) -> str:
    """BASE_URL followed by a path of this app ("/billing?paid=1")."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"not a local path: {path!r}")
    return container().settings().public_url + path


def external_url(endpoint: str, **values: Any) -> str:
    """`url_for(endpoint)` as an absolute address under BASE_URL."""
    path = url_for(endpoint, **values)
    root = request.script_root if request else ""
    if root and path.startswith(root):  # BASE_URL already carries the mount point
        path = path[len(root):] or "/"
    return public_url(path)


def partner_share_url(promo_code: str) -> str:
    """The sign-up page with a partner's code: the partner page and the partner API show it."""
    return external_url("auth.sign_up", promo=promo_code)
