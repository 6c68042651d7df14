"""Removal of identity codes, account numbers, e-mails, phones and names from feedback."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schwifty import IBAN
from stdnum.fi import hetu

from portal.feedback.anonymise import PLACEHOLDERS, Anonymiser, known_names, voikko_available
from portal.feedback.text import load_labelled

needs_voikko = pytest.mark.skipif(not voikko_available(), reason="Voikko is not installed")
MODES = [pytest.param(False, id="fallback"), pytest.param(True, id="voikko", marks=needs_voikko)]
# schwifty reads its bank registry on first use; do it before Hypothesis times draws.
IBAN.generate("FI", bank_code="123", account_code="456789")
CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
CENTURY_SIGNS = {1800: "+", 1900: "-YXWVU", 2000: "ABCDEF"}


@pytest.fixture(params=MODES)
def anonymiser(request):
    return Anonymiser(use_voikko=request.param)


@st.composite
def identity_codes(draw):
    century = draw(st.sampled_from(sorted(CENTURY_SIGNS)))
    sign = draw(st.sampled_from(CENTURY_SIGNS[century]))
    day, month, year = draw(st.integers(1, 28)), draw(st.integers(1, 12)), draw(st.integers(0, 99))
    individual = draw(st.integers(2, 899))
    digits = f"{day:02d}{month:02d}{year:02d}"
    check = CHECK_CHARACTERS[int(f"{digits}{individual:03d}") % 31]
    return f"{digits}{sign}{individual:03d}{check}"


@st.composite
def phone_numbers(draw):
    subscriber = "".join(str(draw(st.integers(0, 9))) for _ in range(draw(st.integers(6, 7))))
    prefix = draw(st.sampled_from(["040", "041", "044", "045", "046", "050", "09", "02", "013"]))
    style = draw(st.sampled_from(["plain", "space", "dash", "international", "brackets"]))
    if style == "plain":
        return prefix + subscriber
    if style == "space":
        return f"{prefix} {subscriber[:3]} {subscriber[3:]}"
    if style == "dash":
        return f"{prefix}-{subscriber}"
    if style == "brackets":
        return f"({prefix}) {subscriber}"
    return f"+358 {prefix[1:]} {subscriber[:3]} {subscriber[3:]}"


@st.composite
def emails(draw):
    local = draw(st.from_regex(r"[a-z]{2,8}(\.[a-z]{2,8})?", fullmatch=True))
    domain = draw(st.sampled_from(["example.fi", "posti.example.com", "hyvinvointialue.fi"]))
    return f"{local}@{domain}"


@st.composite
def ibans(draw):
    iban = IBAN.generate(
        "FI",
        bank_code=draw(st.sampled_from(["123", "500", "800"])),
        account_code=str(draw(st.integers(10_000, 99_999_999))),
    )
    return iban.formatted if draw(st.booleans()) else str(iban)


SETTINGS = {"fi": "Soittakaa {x}, kiitos.", "sv": "Ring mig {x} tack.", "en": "Reach me at {x}."}
FIRST_NAMES = ["Aino", "Leena", "Pekka", "Matti", "Annika", "Johanna", "Kristiina", "Juha"]
SURNAMES = ["Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Lindqvist", "Karlsson", "Laine"]
TITLES = {
    "fi": ["hoitaja", "Lääkäri", "sairaanhoitaja", "tohtori", "terveydenhoitaja"],
    "sv": ["skötare", "Doktor", "sjukskötare", "läkare"],
    "en": ["nurse", "Dr", "doctor"],
}
NAME_SENTENCES = {
    "fi": ["Kiitos {title} {name}, olit ihana.", "Tapasin {title} {name} ja kaikki meni hyvin."],
    "sv": ["Tack {title} {name}, du var underbar.", "Jag träffade {title} {name} idag."],
    "en": ["Thanks to {title} {name} for the help.", "I met {title} {name} today."],
}


# Generating IBANs and identity codes is validated by their libraries, which can be slow on a
# busy machine; the time is not what this test is about.
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(SETTINGS)),
    st.one_of(
        identity_codes().map(lambda x: ("id", x)),
        phone_numbers().map(lambda x: ("phone", x)),
        emails().map(lambda x: ("email", x)),
        ibans().map(lambda x: ("iban", x)),
    ),
)
def test_generated_details_are_removed(language, finding):
    kind, value = finding
    result = Anonymiser(use_voikko=False).anonymise(SETTINGS[language].format(x=value), language)
    assert value not in result.text
    assert PLACEHOLDERS[kind] in result.text
    assert result.counts == {kind: 1}


def test_generated_identity_codes_are_valid_including_new_century_signs():
    # The generator above must make real codes, or the test proves nothing.
    for sign in "+-YXWVUABCDEF":
        digits = "010203"
        code = f"{digits}{sign}123{CHECK_CHARACTERS[int(digits + '123') % 31]}"
        assert hetu.is_valid(code), code
        assert Anonymiser(use_voikko=False).anonymise(f"Tunnus {code}.").text == "Tunnus [ID]."


def test_identity_code_with_a_wrong_check_mark_is_removed_too():
    # A mistyped code still points at a person.
    assert not hetu.is_valid("010594Y9032")
    assert Anonymiser(use_voikko=False).anonymise("hetu 010594Y9032").text == "hetu [ID]"


@settings(max_examples=100)
@given(
    st.sampled_from(sorted(NAME_SENTENCES)),
    st.integers(0, 1),
    st.sampled_from(FIRST_NAMES),
    st.sampled_from(SURNAMES),
    st.booleans(),
    st.data(),
)
def test_generated_names_after_titles_are_removed(language, template, first, last, full, data):
    title = data.draw(st.sampled_from(TITLES[language]))
    name = f"{first} {last}" if full else first
    text = NAME_SENTENCES[language][template].format(title=title, name=name)
    for use_voikko in (False, True) if voikko_available() else (False,):
        result = Anonymiser(use_voikko=use_voikko).anonymise(text, language)
        assert first not in result.text and last not in result.text
        assert result.counts == {"name": 2 if full else 1}
        assert title in result.text  # the title stays: it tells who was meant


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kiitos Leenalle ja Pekalle!", "Kiitos [NAME] ja [NAME]!"),
        ("Lääkäri Virtaselta en saanut apua.", "Lääkäri [NAME] en saanut apua."),
        ("Hoitaja Mattila oli kiva.", "Hoitaja [NAME] oli kiva."),
        ("Tack till Annika och Per!", "Tack till [NAME] och [NAME]!"),
        ("Dr. Smith was great, thanks Emma.", "Dr. [NAME] was great, thanks [NAME]."),
        ("Toivon että Onni paranee pian.", "Toivon että [NAME] paranee pian."),
    ],
)
def test_inflected_and_ambiguous_names_in_context(anonymiser, text, expected):
    language = "sv" if "Tack" in text else "en" if "Dr." in text else "fi"
    assert anonymiser.anonymise(text, language).text == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Toivon että hoito jatkuu.", "fi"),
        ("Onni oli matkassa, pääsin heti sisään.", "fi"),
        ("Toivo oli ainoa mikä auttoi.", "fi"),
        ("lääkäri toivoi parasta ja hoitaja oli kiva", "fi"),
        ("Kiva kun laboratorioajan voi varata netistä.", "fi"),
        ("Kävin Helsingissä 12.3.2024 klo 8, matka 40 km ja maksu 1 000 euroa.", "fi"),
        ("Per telefon gick det bra.", "sv"),
        ("Väntetiden var 45 minuter och avgiften 32,50 euro.", "sv"),
        ("Waited 2 hours, room 101, fee 20 euros.", "en"),
    ],
)
def test_ordinary_words_numbers_and_places_are_kept(anonymiser, text, language):
    result = anonymiser.anonymise(text, language)
    assert result.text == text
    assert result.removed == 0


@needs_voikko
def test_voikko_finds_inflected_surnames_missing_from_the_list():
    assert "räikkönen" not in known_names()
    text = "Kiitos Räikköselle ja Kekkoselta saadusta avusta."
    assert Anonymiser(use_voikko=True).anonymise(text).text == (
        "Kiitos [NAME] ja [NAME] saadusta avusta."
    )


def test_a_capitalised_unknown_word_after_a_title_is_taken_as_a_name(anonymiser):
    assert anonymiser.anonymise("Hoitaja Xyzzyläinen oli hyvä.").text == "Hoitaja [NAME] oli hyvä."


def test_every_labelled_text_with_details_is_cleaned(anonymiser):
    # The labelled set's invented names, numbers and codes, found by independent patterns.
    names = re.compile(r"\b(?:" + "|".join(sorted(FIRST_NAMES + SURNAMES + [
        "Leenalle", "Pekalle", "Sannalle", "Emma", "Nyström", "Mattila",
    ])) + r")\b")  # fmt: skip
    digits = re.compile(r"\d{3}[ -]?\d{3}[ -]?\d{3,4}|@|\d{6}[-+A-FU-Y]\d{3}|FI\d\d ")
    checked = 0
    for row in load_labelled():
        if not (names.search(row.text) or digits.search(row.text)):
            continue
        checked += 1
        cleaned = anonymiser.anonymise(row.text, row.language).text
        assert not names.search(cleaned), cleaned
        assert not digits.search(cleaned), cleaned
    assert checked >= 20


@settings(max_examples=60)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_anonymising_is_idempotent_and_never_fails(text):
    anonymiser = Anonymiser(use_voikko=False)
    once = anonymiser.anonymise(text).text
    assert anonymiser.anonymise(once).text == once


def test_speed_of_a_typical_answer():
    import time

    anonymiser = Anonymiser()
    rng = random.Random(4)
    texts = [row.text for row in load_labelled()]
    started = time.perf_counter()
    for _ in range(1000):
        anonymiser.anonymise(rng.choice(texts))
    assert (time.perf_counter() - started) / 1000 < 0.01  # well under a millisecond idle


# The rule as a regular expression on all the text before a word: the reference for the
# linear-time check the anonymiser makes from the text since the previous word.
_SENTENCE_END = re.compile(r"(?:^|[.!?…:;\n\"“”«»(\[]|\s-)\s*$")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="aÄb -.!?…:;\n\t\"“”«»([)']’,1\u00a0", max_size=60))
def test_sentence_starts_agree_with_the_rule_on_the_whole_prefix(text: str) -> None:
    from portal.feedback.anonymise import _starts_sentence

    position = 0
    for index, match in enumerate(_WORD.finditer(text)):
        expected = bool(_SENTENCE_END.search(text[: match.start()]))
        between = text[position : match.start()]
        assert _starts_sentence(between, first=index == 0) == expected, (text, match.start())
        position = match.end()
