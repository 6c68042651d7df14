"""Languages: locale selection, formatting helpers and the message catalogues.

Each domain owns a catalogue (``translations/<locale>/LC_MESSAGES/<domain>.po``) so that
domains can change their strings independently; Flask-Babel merges them at run time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from flask import current_app, request, session
from flask_babel import format_currency, format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from portal.config import PROJECT_ROOT

LOCALES = ("fi", "sv", "en")
DEFAULT_LOCALE = "fi"
LOCALE_NAMES = {"fi": "suomeksi", "sv": "på svenska", "en": "in English"}
# Locales whose catalogues must be complete; English falls back to the source strings.
COMPLETE_LOCALES = ("fi", "sv")

# catalogue (gettext domain) -> source paths, relative to the project root.
CATALOGUES: dict[str, tuple[str, ...]] = {
    "messages": (
        "portal/app.py",
        "portal/core",
        "portal/accounts",
        "portal/public",
        "templates/base.html",
        "templates/_forms.html",
        "templates/_charts.html",
        "templates/core",
        "templates/accounts",
        "templates/public",
        "templates/errors",
        "templates/emails",
    ),
    "councils": ("portal/councils", "templates/councils"),
    "experts": ("portal/experts", "templates/experts"),
    "fees": ("portal/fees", "templates/fees"),
    "initiatives": ("portal/initiatives", "templates/initiatives"),
    "pool": ("portal/pool", "templates/pool"),
    "impact": ("portal/impact", "templates/impact"),
    "panels": ("portal/panels", "templates/panels"),
    "deliberation": ("portal/deliberation", "templates/deliberation"),
    "feedback": ("portal/feedback", "templates/feedback"),
}

TRANSLATIONS_DIR = PROJECT_ROOT / "translations"
MAPPING_FILE = PROJECT_ROOT / "babel.cfg"
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
    "_lp": ((1, "c"), 2),
}
# A fixed date keeps regenerated catalogues free of churn.
CATALOGUE_DATE = datetime(2026, 1, 1)


def select_locale() -> str:
    """The user's explicit choice first, then their profile, then the browser's languages."""
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def current_locale() -> str:
    return str(get_locale() or DEFAULT_LOCALE)


def babel_settings() -> dict[str, str]:
    domains = list(CATALOGUES)
    return {
        "BABEL_DEFAULT_LOCALE": DEFAULT_LOCALE,
        "BABEL_DEFAULT_TIMEZONE": "Europe/Helsinki",
        "BABEL_DOMAIN": ";".join(domains),
        "BABEL_TRANSLATION_DIRECTORIES": ";".join(str(TRANSLATIONS_DIR) for _ in domains),
    }


def money(amount: Decimal | None) -> str:
    """Euros in the active locale's format, e.g. ``1 234,50 €`` in Finnish."""
    if amount is None:
        return ""
    return format_currency(amount, "EUR")


def number(value: Decimal | float | int | None, digits: int | None = None) -> str:
    if value is None:
        return ""
    if digits is not None:
        return format_decimal(value, format=f"#,##0.{'0' * digits}" if digits else "#,##0")
    return format_decimal(value)


def percent(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return format_decimal(value * 100, format=f"#,##0.{'0' * digits}" if digits else "#,##0") + " %"


def county_name() -> str:
    """The county's name in the active locale (``PORTAL_COUNTY_NAME`` and its ``_SV``/``_EN``)."""
    return current_app.config["PORTAL"].in_language("county_name", current_locale())


def content_language() -> str:
    """The language the county and residents write content in (``PORTAL_CONTENT_LANGUAGE``)."""
    return current_app.config["PORTAL"].content_language


def lang_attr(language: str | None = None) -> Markup:
    """`` lang="fi"`` when content in ``language`` sits on a page in another language.

    For block containers (a proposal of several paragraphs); ``mark_language`` is the
    inline form. Screen readers switch voice on it (WCAG 3.1.2, language of parts).
    """
    language = language or content_language()
    if language == current_locale():
        return Markup("")
    return Markup(' lang="{}"').format(language)


def mark_language(text: object, language: str | None = None) -> Markup:
    """``text`` escaped, in ``<span lang>`` when its language is not the page's language.

    ``language`` defaults to the content language: titles, proposals, descriptions and
    names that people type into the portal are written once, usually in Finnish.
    """
    if text is None or text == "":
        return Markup("")
    attribute = lang_attr(language)
    if not attribute:
        return escape(text)
    return Markup("<span{}>{}</span>").format(attribute, text)


def localized(obj: object, field: str, length: int | None = None) -> Markup:
    """``obj.<field>_<locale>`` for the reader, else another language's, marked with ``lang``.

    An unsuffixed attribute (e.g. ``title``) is the text in the content language. The reader's
    language comes first, then the content language, then Finnish, Swedish and English.
    ``length`` shortens a long text at a word boundary before it is marked.
    """
    locale = current_locale()
    default_language = content_language()
    order = dict.fromkeys((locale, default_language, "fi", "sv", "en"))
    for language in order:
        value = getattr(obj, f"{field}_{language}", None)
        if value is None and language == default_language:
            value = getattr(obj, field, None)
        if isinstance(value, str) and value.strip():
            if length is not None and len(value) > length:
                value = value[: length - 1].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"
            return mark_language(value, language)
    return Markup("")


def template_helpers() -> dict[str, object]:
    return {
        "county_name": county_name,
        "lang_attr": lang_attr,
        "localized": localized,
        "format_date": _format_date,
        "format_datetime": _format_datetime,
        "money": money,
        "number": number,
        "percent": percent,
    }


def _format_date(value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_date(value, fmt)


def _format_datetime(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(value, fmt)


# --- catalogue maintenance (used by ``flask --app wsgi translations ...``) ---------------


def _iter_messages(sources: Iterable[str]) -> Iterator[tuple[str, int, object, list[str], object]]:
    with MAPPING_FILE.open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    for source in sources:
        path = PROJECT_ROOT / source
        if path.is_dir():
            for filename, lineno, message, comments, context in extract_from_dir(
                path, method_map, options_map, keywords=KEYWORDS, comment_tags=("Translators:",)
            ):
                yield f"{source}/{filename}", lineno, message, comments, context
        elif path.is_file():
            method = "jinja2" if path.suffix in {".html", ".txt"} else "python"
            options = (
                {"trimmed": "true", "extensions": "jinja2.ext.do"} if method == "jinja2" else {}
            )
            for lineno, message, comments, context in extract_from_file(
                method, path, keywords=KEYWORDS, comment_tags=("Translators:",), options=options
            ):
                yield source, lineno, message, comments, context


def extract_catalogue(domain: str) -> Catalog:
    """Collect the messages of one domain's sources into a template catalogue."""
    catalog = Catalog(
        project="Osallistu",
        domain=domain,
        charset="utf-8",
        creation_date=CATALOGUE_DATE,
        revision_date=CATALOGUE_DATE,
        fuzzy=False,
    )
    for filename, lineno, message, comments, context in _iter_messages(CATALOGUES[domain]):
        catalog.add(
            message,  # type: ignore[arg-type]
            None,
            [(filename, lineno)],
            auto_comments=comments,
            context=context,  # type: ignore[arg-type]
        )
    return catalog


def _po_path(locale: str, domain: str) -> Path:
    return TRANSLATIONS_DIR / locale / "LC_MESSAGES" / f"{domain}.po"


def _write_po(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = BytesIO()
    write_po(buffer, catalog, width=100, no_location=True, sort_output=True, ignore_obsolete=True)
    path.write_bytes(buffer.getvalue())


def update_catalogues() -> list[Path]:
    """Extract every domain and merge the new messages into each locale's catalogue."""
    written = []
    for domain in CATALOGUES:
        template = extract_catalogue(domain)
        for locale in LOCALES:
            path = _po_path(locale, domain)
            if path.exists():
                with path.open("rb") as handle:
                    catalog = read_po(handle, locale=locale, domain=domain)
                # Fuzzy guesses are worse than an honest gap: a translator must look at each.
                catalog.update(template, no_fuzzy_matching=True)
            else:
                catalog = Catalog(
                    locale=locale,
                    domain=domain,
                    project="Osallistu",
                    creation_date=CATALOGUE_DATE,
                    revision_date=CATALOGUE_DATE,
                    fuzzy=False,
                )
                catalog.update(template, no_fuzzy_matching=True)
            catalog.revision_date = CATALOGUE_DATE
            _write_po(path, catalog)
            written.append(path)
    return written


def compile_catalogues() -> list[Path]:
    """Write a ``.mo`` beside every ``.po`` (the application reads only the ``.mo``)."""
    written = []
    for po_path in sorted(TRANSLATIONS_DIR.glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


def catalogue_problems() -> list[str]:
    """Stale catalogues and untranslated or fuzzy messages in the complete locales."""
    problems = []
    for domain in CATALOGUES:
        expected = {(m.context, m.id) for m in extract_catalogue(domain) if m.id}
        for locale in LOCALES:
            path = _po_path(locale, domain)
            if not path.exists():
                problems.append(f"{path.relative_to(PROJECT_ROOT)}: missing")
                continue
            with path.open("rb") as handle:
                catalog = read_po(handle)
            present = {(m.context, m.id) for m in catalog if m.id}
            for context, missing in sorted(expected - present, key=str)[:20]:
                label = f"{context}: {missing!r}" if context else repr(missing)
                problems.append(f"{locale}/{domain}: not in catalogue (run update): {label}")
            if locale not in COMPLETE_LOCALES:
                continue
            for message in catalog:
                if not message.id:
                    continue
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                label = (
                    f"{message.context}: {message.id!r}" if message.context else repr(message.id)
                )
                if message.fuzzy:
                    problems.append(f"{locale}/{domain}: fuzzy: {label}")
                elif not all(strings):
                    problems.append(f"{locale}/{domain}: untranslated: {label}")
    return problems


def catalogue_conflicts(locale: str) -> list[str]:
    """Texts that two domains translate differently.

    Flask-Babel merges the domain catalogues into one at run time and the last domain loaded
    wins, so one (context, msgid) pair must have one translation in every catalogue; give a
    label a context (``pgettext``) when its meaning differs between domains.
    """
    translations: dict[tuple[str | None, object], dict[str, object]] = {}
    for domain in CATALOGUES:
        path = _po_path(locale, domain)
        if not path.exists():
            continue
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id:
                    translations.setdefault((message.context, message.id), {})[domain] = (
                        message.string
                    )
    conflicts = []
    for (context, msgid), by_domain in sorted(translations.items(), key=str):
        if len({str(text) for text in by_domain.values()}) > 1:
            label = f"{context}: {msgid!r}" if context else repr(msgid)
            shown = ", ".join(f"{domain}={text!r}" for domain, text in sorted(by_domain.items()))
            conflicts.append(f"{locale}: {label} has several translations: {shown}")
    return conflicts


def ensure_compiled() -> None:
    """Compile catalogues whose ``.mo`` is missing or older than the ``.po``."""
    for po_path in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            try:
                compile_catalogues()
            except OSError:  # a read-only deployment ships compiled catalogues
                logging.getLogger(__name__).warning("could not compile message catalogues")
            return
