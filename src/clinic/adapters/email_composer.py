"""Renders emails from Jinja templates in the recipient's language (Babel catalogs)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from clinic.application.outbox.message import EmailMessage

TEMPLATES = Path(__file__).parent / "email_templates"
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"


@lru_cache(maxsize=8)
def _environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
    )
    translations = Translations.load(str(TRANSLATIONS), [locale], domain="messages")
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    return env


class JinjaEmailComposer:
    """`<name>.txt` gives the subject (a top-level `set`) and the text; `<name>.html` the HTML."""

    def compose(self, template: str, locale: str, to: str,
                context: Mapping[str, Any]) -> EmailMessage:
        env = _environment(locale)
        text_template = env.get_template(f"{template}.txt")
        module = text_template.make_module(dict(context))
        text = text_template.render(**context).strip() + "\n"
        html = env.get_template(f"{template}.html").render(**context)
        subject = str(vars(module)["subject"]).strip()
        return EmailMessage(to=to, subject=subject, text=text, html=html)
