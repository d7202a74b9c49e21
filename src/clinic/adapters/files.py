"""Uploaded files on local disk under instance/files (the FileStore port)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

_SAFE_KEY = re.compile(r"^[0-9a-f-]{36}(/[a-z0-9_-]+)*/?$")


def check_key(key: str) -> str:
    """A key the app makes: a clinic's id, then plain segments. Anything else is refused
    before any store is touched (on disk it could climb out of the root)."""
    if not _SAFE_KEY.match(key):
        raise ValueError(f"unsafe file key {key!r}")
    return key


class LocalFileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def save(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)  # readers never see half a file
        path.with_suffix(".meta").write_text(json.dumps({"content_type": content_type}))

    def load(self, key: str) -> tuple[bytes, str] | None:
        path = self._path(key)
        if not path.exists():
            return None
        meta = json.loads(path.with_suffix(".meta").read_text())
        return path.read_bytes(), str(meta["content_type"])

    def delete_prefix(self, prefix: str) -> None:
        path = self._path(prefix.rstrip("/"))
        if path.is_dir():
            shutil.rmtree(path)

    def keys(self, prefix: str) -> list[str]:
        path = self._path(prefix.rstrip("/"))
        if not path.is_dir():
            return []
        # a key has no dot: `.meta` beside each file, `.tmp` for one being written
        return sorted(found.relative_to(self.root).as_posix() for found in path.rglob("*")
                      if found.is_file() and "." not in found.name)
