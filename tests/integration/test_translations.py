"""Both languages are complete: every string in the code has a Russian and an English text."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "src" / "clinic" / "translations"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set:
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True)
    with pot.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_every_string_in_the_code_is_translated(extracted, locale):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags
                  and (not isinstance(m.string, tuple) or all(m.string))}
    missing = extracted - translated
    assert not missing, f"untranslated in {locale} (run `make messages`): {sorted(missing)}"


def test_every_russian_text_is_actually_russian():
    """An English text copied into the Russian catalog is not a translation."""
    import re

    with (TRANSLATIONS / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="ru")
    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        if not re.search("[A-Za-z]{2}", re.sub(r"%\(\w+\)s|Chairside", "", source)):
            continue
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(re.search("[А-Яа-яЁё]", t) for t in targets), source


def test_russian_placeholders_match_the_english_ones():
    import re

    with (TRANSLATIONS / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="ru")
    placeholder = re.compile(r"%\(\w+\)s")
    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        for target in targets:
            assert set(placeholder.findall(target)) == set(placeholder.findall(source)), source
