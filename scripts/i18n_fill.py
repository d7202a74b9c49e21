"""Create or update the ru/en catalogs from messages.pot; fill English from the msgids.

Usage: python scripts/i18n_fill.py [translations.py]  — the optional file holds RU / RU_PLURAL
dicts of new Russian translations to merge in. Existing translations are kept.
"""

from __future__ import annotations

import re
import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1] / "src" / "clinic" / "translations"


def _load(locale: str, template: Catalog) -> Catalog:
    path = ROOT / locale / "LC_MESSAGES" / "messages.po"
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        catalog.update(template, no_fuzzy_matching=True)
        return catalog
    catalog = Catalog(locale=locale, project="Chairside", fuzzy=False)
    catalog.update(template, no_fuzzy_matching=True)
    return catalog


def _save(locale: str, catalog: Catalog) -> None:
    path = ROOT / locale / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.obsolete.clear()
    with path.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, sort_output=True, no_location=True,
                 width=100)


def _template() -> Catalog:
    """A fresh copy each time: Catalog.update shares message objects with its template."""
    with (ROOT / "messages.pot").open("rb") as handle:
        return read_po(handle)


def _untranslated(message: object) -> bool:
    """A Russian text has Cyrillic in it (unless the English has no words to translate)."""
    source = message.id if isinstance(message.id, str) else message.id[0]  # type: ignore[attr-defined]
    strings = message.string if isinstance(message.string, tuple) else (message.string,)  # type: ignore[attr-defined]
    if not re.search("[A-Za-z]{2}", re.sub(r"%\(\w+\)s|Chairside", "", source)):
        return not all(strings)
    return not all(s and re.search("[А-Яа-яЁё]", s) for s in strings)


def main() -> None:
    extra = runpy.run_path(sys.argv[1]) if len(sys.argv) > 1 else {}
    english = _load("en", _template())
    for message in english:
        if message.id:
            message.string = message.id
            message.flags.discard("fuzzy")
    _save("en", english)
    russian = _load("ru", _template())
    for message in russian:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            new = extra.get("RU_PLURAL", {}).get(tuple(message.id))
        else:
            new = extra.get("RU", {}).get(message.id)
        if new:
            message.string = new
            message.flags.discard("fuzzy")
    _save("ru", russian)
    missing = [m.id for m in russian if m.id and _untranslated(m)]
    if missing:
        print(f"{len(missing)} Russian translations missing:")
        for item in missing:
            print(f"  {item!r}")
        sys.exit(1)


if __name__ == "__main__":
    main()
