"""Catalogues are complete and formats follow the active locale."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask_babel import force_locale

from portal.core.i18n import catalogue_problems, money, number, percent


def test_catalogues_are_current_and_complete() -> None:
    assert catalogue_problems() == []


def test_formats_follow_locale(app: Any) -> None:
    from flask_babel import format_date

    with app.test_request_context():
        with force_locale("fi"):
            assert money(Decimal("1234.5")) == "1\xa0234,50\xa0€"
            assert format_date(date(2026, 3, 7), "short") == "7.3.2026"
            assert number(Decimal("0.5"), 1) == "0,5"
            assert percent(0.256) == "26 %"
        with force_locale("sv"):
            assert money(Decimal("1234.5")) == "1\xa0234,50\xa0€"
            assert format_date(date(2026, 3, 7), "short") == "2026-03-07"
        with force_locale("en"):
            assert money(Decimal("1234.5")) == "€1,234.50"


# --- one translation per text across the merged domain catalogues ------------------------

COMPLETE = ("fi", "sv")


def _catalogue_messages(locale: str) -> list[Any]:
    from babel.messages.pofile import read_po

    from portal.core.i18n import CATALOGUES, TRANSLATIONS_DIR

    messages = []
    for domain in CATALOGUES:
        path = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / f"{domain}.po"
        with path.open("rb") as handle:
            messages.extend(m for m in read_po(handle) if m.id)
    return messages


@pytest.mark.parametrize("locale", COMPLETE)
def test_no_text_has_two_translations_across_catalogues(locale: str) -> None:
    from portal.core.i18n import catalogue_conflicts

    assert catalogue_conflicts(locale) == []


def test_conflict_check_finds_a_text_translated_twice(tmp_path: Any, monkeypatch: Any) -> None:
    """Two generated domains that translate one label differently, and one with a context."""
    import random

    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from portal.core import i18n

    rng = random.Random(16)
    label = "".join(rng.choice("abcdefghij") for _ in range(8))
    monkeypatch.setattr(i18n, "TRANSLATIONS_DIR", tmp_path)
    monkeypatch.setattr(i18n, "CATALOGUES", {"first": (), "second": (), "third": ()})
    for domain, context, text in (
        ("first", None, "yksi"),
        ("second", None, "kaksi"),
        ("third", "other meaning", "kolme"),
    ):
        catalog = Catalog(locale="fi", domain=domain)
        catalog.add(label, text, context=context)
        catalog.add("Same everywhere", "Sama")
        path = tmp_path / "fi" / "LC_MESSAGES" / f"{domain}.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog)
    conflicts = i18n.catalogue_conflicts("fi")
    assert len(conflicts) == 1
    assert label in conflicts[0] and "first='yksi'" in conflicts[0]
    assert "second='kaksi'" in conflicts[0] and "kolme" not in conflicts[0]


@pytest.mark.parametrize("locale", COMPLETE)
def test_every_catalogue_text_survives_the_merge(app: Any, locale: str) -> None:
    """What Flask-Babel shows for each (context, msgid) is what its catalogue says."""
    from flask_babel import gettext, pgettext

    wrong = []
    with app.test_request_context(), force_locale(locale):
        for message in _catalogue_messages(locale):
            if message.pluralizable or "%" in message.id:
                continue
            shown = (
                pgettext(message.context, message.id) if message.context else gettext(message.id)
            )
            if shown != message.string:
                wrong.append((message.context, message.id, shown, message.string))
    assert wrong == []


def test_short_labels_keep_their_domain_meaning(app: Any) -> None:
    from flask import render_template_string

    template = (
        "{{ pgettext('random sample', 'seed') }}|{{ pgettext('discussion statement', 'seed') }}|"
        "{{ pgettext('pool member status', 'Left') }}|{{ pgettext('invoice', 'Due date') }}|"
        "{{ pgettext('council output', 'Statement') }}|{{ _('Statement') }}"
    )
    with app.test_request_context(), force_locale("fi"):
        fi = render_template_string(template).split("|")
    with app.test_request_context(), force_locale("sv"):
        sv = render_template_string(template).split("|")
    assert fi == ["siemenluku", "aloitusväite", "Eronnut", "Eräpäivä", "Kannanotto", "Väite"]
    assert sv[0] == "slumptalsfrö" and sv[2] == "Har lämnat" and sv[3] == "Förfallodag"
    assert sv[4] == "Ställningstagande" and sv[5] == "Påstående"


# --- glossary --------------------------------------------------------------------------


@pytest.mark.parametrize("locale", COMPLETE)
def test_catalogues_use_the_glossary_terms(locale: str) -> None:
    from portal.public.glossary import glossary_violations

    pairs = []
    for message in _catalogue_messages(locale):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs.extend((ids[0], text) for text in strings)
    assert glossary_violations(locale, pairs) == []


@pytest.mark.parametrize(
    ("locale", "english", "translated"),
    [
        ("fi", "Resident panel", "Asukasraati"),
        ("fi", "Client councils", "Asiakasneuvostot"),
        ("fi", "Invite pool members", "Kutsu asukasrekisteristä"),
        ("fi", "rest of the county", "muu hyvinvointialue"),
        ("fi", "Details (optional)", "Lisätiedot (vapaaehtoinen)"),
        ("sv", "Service area", "Serviceområde"),
        ("sv", "Invite pool members", "Bjud in från invånarregistret"),
        ("sv", "Seed", "Frö"),
        ("sv", "Announce the seed", "Offentliggör fröet"),
        ("sv", "The same seed draws the same people", "Samma frö lottar samma personer"),
        ("sv", "Details (optional)", "Närmare uppgifter (frivilligt)"),
        ("sv", "You can make initiatives", "Du kan göra initiativ"),
    ],
)
def test_glossary_check_finds_the_wrong_variants(
    locale: str, english: str, translated: str
) -> None:
    from portal.public.glossary import glossary_violations

    assert len(glossary_violations(locale, [(english, translated)])) == 1
    right = {"Seed": "Slumptalsfrö", "Service area": "Tjänsteområde"}.get(english)
    if right:
        assert glossary_violations(locale, [(english, right)]) == []


def test_glossary_document_lists_every_term() -> None:
    from portal.config import PROJECT_ROOT
    from portal.public.glossary import GLOSSARY

    document = (PROJECT_ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    rows = [line for line in document.splitlines() if line.startswith("| ")]
    for term in GLOSSARY:
        assert any(
            f"| {term.fi} |" in row and f"| {term.sv} |" in row and f"| {term.en} |" in row
            for row in rows
        ), term.en


def test_glossary_page_marks_the_other_languages(client: Any) -> None:
    from portal.public.glossary import GLOSSARY

    client.get("/language/sv")
    page = client.get("/glossary").get_data(as_text=True)
    assert "<h1>Ordlista</h1>" in page
    for term in GLOSSARY:
        assert f'<dt lang="sv">{term.sv}</dt>' in page
        assert f'<span lang="fi">{term.fi}</span>' in page
        assert f'<span lang="en">{term.en}</span>' in page
    home = client.get("/").get_data(as_text=True)
    assert 'href="/glossary"' in home


# --- language of parts -----------------------------------------------------------------


def test_content_in_another_language_is_marked(app: Any) -> None:
    from types import SimpleNamespace

    from flask import render_template_string

    unit = SimpleNamespace(name_fi="Terveysasemat", name_sv="Hälsostationerna", name_en="")
    council = SimpleNamespace(name_fi="Vanhusneuvosto", name_sv="")
    activity = SimpleNamespace(title="Työpaja <Hervanta>", title_sv="")
    template = (
        "{{ text|lang_of }}#{{ localized(unit, 'name') }}#{{ localized(council, 'name') }}"
        "#{{ localized(activity, 'title') }}#<div{{ lang_attr() }}>x</div>"
    )
    values = {"text": "Aloite <b>", "unit": unit, "council": council, "activity": activity}
    with app.test_request_context(), force_locale("sv"):
        sv = render_template_string(template, **values).split("#")
    with app.test_request_context(), force_locale("fi"):
        fi = render_template_string(template, **values).split("#")
    with app.test_request_context(), force_locale("en"):
        en = render_template_string(template, **values).split("#")
    assert sv == [
        '<span lang="fi">Aloite &lt;b&gt;</span>',
        "Hälsostationerna",
        '<span lang="fi">Vanhusneuvosto</span>',
        '<span lang="fi">Työpaja &lt;Hervanta&gt;</span>',
        '<div lang="fi">x</div>',
    ]
    assert fi == [
        "Aloite &lt;b&gt;",
        "Terveysasemat",
        "Vanhusneuvosto",
        "Työpaja &lt;Hervanta&gt;",
        "<div>x</div>",
    ]
    assert en[1] == '<span lang="fi">Terveysasemat</span>'


# --- settings shown in the texts ----------------------------------------------------------


def test_county_name_and_supervisory_authority_come_from_settings(app: Any, client: Any) -> None:
    import dataclasses

    original = app.config["PORTAL"]
    app.config["PORTAL"] = dataclasses.replace(
        original,
        county_name="Esimerkin hyvinvointialue",
        county_name_sv="Exempels välfärdsområde",
        accessibility_authority="Valvova virasto",
        accessibility_authority_sv="",
        accessibility_authority_url="https://valvonta.example.fi/",
    )
    try:
        client.get("/language/sv")
        page = client.get("/accessibility").get_data(as_text=True)
        assert '<a href="https://valvonta.example.fi/">Valvova virasto</a>' in page
        assert "Exempels välfärdsområde" in page and "Pirkanmaa" not in page
        assert "Birkaland" not in page and "avi.fi" not in page
        client.get("/language/fi")
        page = client.get("/accessibility").get_data(as_text=True)
        assert "Esimerkin hyvinvointialue" in page
    finally:
        app.config["PORTAL"] = original


def test_default_supervisory_authority_is_current() -> None:
    from portal.config import Config

    settings = Config()
    assert "Traficom" in settings.in_language("accessibility_authority", "fi")
    assert "Traficom" in settings.in_language("accessibility_authority", "sv")
    assert settings.accessibility_authority_url.startswith("https://")
    assert settings.in_language("county_name", "en") == settings.county_name_en
