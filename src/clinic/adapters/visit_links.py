"""The short link in a reminder: `<BASE_URL>/v/<code>`, where the code is 12 random letters and
digits (71 bits, from `secrets`) kept on the reminder in the send log. Short, so a reminder
with its link fits two SMS in Cyrillic; stored, so it names one visit at one start, works only
while that visit is still to come, and can be found without signing anything."""

from __future__ import annotations

import re
import secrets
import string

_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 12
_CODE = re.compile(rf"^[A-Za-z0-9]{{{CODE_LENGTH}}}$")


class RandomVisitLinks:
    def __init__(self, base_url: str) -> None:
        self._base = base_url.rstrip("/")

    def new_code(self) -> str:
        return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))

    def link(self, code: str) -> str:
        return f"{self._base}/v/{code}"

    def well_formed(self, code: str) -> bool:
        return bool(_CODE.match(code))
