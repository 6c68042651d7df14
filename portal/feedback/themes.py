"""Themes of open feedback: the seed taxonomy, lemma rules and suggested new themes.

Pure module (standard library, NumPy, scikit-learn, ``simplemma`` and optionally Voikko).

The taxonomy is data: a tuple of frozen :class:`Theme` values with Finnish, Swedish and
English names and lemma rules per language. It is the seed of the coordinator-editable
taxonomy kept in the database; the database rows are built from these values and passed
back to :func:`match_themes` as ``taxonomy=``.

A rule is written against lemmas (base forms), so inflection does not matter:

``odot*``     a lemma that starts with ``odot`` (odottaa, odotus, odotusaika)
``*jono*``    a lemma that contains ``jono`` (puhelinjono, jonotusaika)
``tila``      a lemma that is ``tila`` or a compound ending in it (odotustila), or, with
              Voikko, a compound with ``tila`` as one of its parts
``=ovi``      exactly the lemma ``ovi`` (short words that occur inside others)
``saada aika`` every lemma of the phrase occurs in the text ("sain ajan")

Lemmas come from ``simplemma`` for all three languages; for Finnish, Voikko can be
asked for instead (``use_voikko``), adding the parts of compounds ("ajanvaraus" → aika +
varata). :func:`lemmatise` (used by the tone model) prefers Voikko for Finnish when it is
installed, because simplemma's Finnish dictionary takes seconds to load. Compound heads
are matched by the suffix rule, which works the same for Finnish and Swedish compounds
("väntetid", "tidsbokning").

Suggested themes come from clustering answers that no theme matched: TF-IDF on lemmas and
k-means (seeded, so the same answers give the same suggestions); each suggestion lists its
top terms and a few example answers for a person to accept or discard.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np
import simplemma

__all__ = [
    "LANGUAGES",
    "SEED_THEMES",
    "Theme",
    "ThemeSuggestion",
    "lemmatise",
    "match_themes",
    "suggest_themes",
]

LANGUAGES: Final = ("fi", "sv", "en")
_TOKEN = re.compile(r"\[[A-Z]+\]|[^\W\d_]+(?:[-'][^\W\d_]+)*")
_VOIKKO_LOCK = threading.Lock()
_MIN_SUFFIX_RULE: Final = 4


@dataclass(frozen=True, slots=True)
class Theme:
    """One theme: a stable code, names and lemma rules per language."""

    code: str
    names: Mapping[str, str]
    rules: Mapping[str, tuple[str, ...]]

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names["en"]


SEED_THEMES: Final[tuple[Theme, ...]] = (
    Theme(
        "waiting",
        {"fi": "Odottaminen", "sv": "Väntan", "en": "Waiting"},
        {
            "fi": ("odottaa", "odotus", "odotusaika", "*odotus", "*jono*", "jonot*", "myöhä*",
                   "viive", "viivästy*", "kauan", "venyä", "ajoissa", "siirtää"),
            "sv": ("vänta", "väntan", "väntetid*", "*väntetid", "=kö", "köa", "*kö", "försen*",
                   "dröja", "flytta"),
            "en": ("wait", "waited", "queue*", "delay*", "late", "hour"),
        },
    ),
    Theme(
        "access",
        {"fi": "Palvelun saatavuus", "sv": "Tillgång till service", "en": "Access"},
        {
            "fi": ("tavoittaa", "takaisinsoitto", "*linja", "lähete", "aukioloaika",
                   "saada aika", "ajanvaraus", "kuljetus*", "*taksi", "bussi", "sulkea",
                   "päästä", "vapaa", "puhelin", "soittaa"),
            "sv": ("komma fram", "telefon*", "*linje", "återuppringning", "remiss",
                   "öppettid*", "färdtjänst", "buss", "stänga", "få tid", "ledig", "ringa"),
            "en": ("appointment", "get through", "phone", "referral", "bus", "reach",
                   "opening"),
        },
    ),
    Theme(
        "treatment",
        {"fi": "Kohtelu", "sv": "Bemötande", "en": "Treatment by staff"},
        {
            "fi": ("ystävälli*", "tyly", "kohtelu", "kohdella", "kuunnella", "välittää",
                   "mukava", "ihana", "asiallinen", "ylimielinen", "alentuva*", "empaattinen",
                   "huomioida", "tiuskia", "kärsivällisyys", "ymmärrys", "lämmin", "kohteli*",
                   "töykeä", "välinpitämätön", "henkilökunta", "huolehtivainen", "avulias",
                   "kiva", "porukka", "hoitsu", "nöyryyttävä", "arvostaa", "kiire*", "ilo*"),
            "sv": ("vänlig*", "trevlig", "otrevlig", "bemöt*", "lyssna", "bry", "omsorg",
                   "snäll", "nedlåtande", "arrogant", "empatisk", "stressa*", "tålamod",
                   "förståelse", "personal", "omtänksam", "fräsa", "artig", "likgiltig",
                   "förnedrande", "suverän", "glad"),
            "en": ("friendly", "kind", "rude", "dismissive", "caring", "listen*", "staff",
                   "treat", "respect", "laugh*", "polite", "care"),
        },
    ),
    Theme(
        "skill",
        {"fi": "Ammattitaito", "sv": "Yrkeskunskap", "en": "Professional skill"},
        {
            "fi": ("ammattitai*", "osata", "osaava", "taitava", "diagnoosi", "tutkia",
                   "virhe", "*virhe", "osaaminen", "pieleen", "tarkkuus", "väärä"),
            "sv": ("kunnig", "skicklig", "diagnos*", "undersöka", "fel", "kompetent",
                   "noggrannhet", "aning", "professionell"),
            "en": ("competent", "skilled", "misdiagnose*", "diagnos*", "mistake", "wrong",
                   "examine", "know", "help"),
        },
    ),
    Theme(
        "information",
        {"fi": "Tiedonsaanti", "sv": "Information", "en": "Information"},
        {
            "fi": ("kertoa", "tieto", "tiedot*", "ohje", "ohjeistus", "selittää", "selkeä",
                   "ilmoittaa", "tulos", "*tulos", "kirje", "informaatio", "muistutus",
                   "epäselvä", "ristiriitainen", "selvä"),
            "sv": ("berätta", "information", "info", "instruktion*", "förklara", "tydlig",
                   "meddela", "provsvar", "brev", "*påminnelse", "otydlig", "motstridig",
                   "besked"),
            "en": ("tell", "told", "information", "instruction*", "explain*", "letter",
                   "result*", "update*", "unclear"),
        },
    ),
    Theme(
        "digital",
        {"fi": "Digitaaliset palvelut", "sv": "Digitala tjänster", "en": "Digital services"},
        {
            "fi": ("netti*", "*netti", "verkko*", "sähköi*", "sovellus", "chat*", "omaolo",
                   "kirjautu*", "*sivu", "etävastaanotto", "videovastaanotto", "tekstiviesti*",
                   "linkki", "*linkki", "sivusto", "digi*"),
            "sv": ("nät*", "*nätet", "elektronisk", "app*", "chatt*", "omaolo", "logga",
                   "webb*", "distansmottagning*", "video*", "sms*", "länk*", "digital*",
                   "e-tjänst*"),
            "en": ("online", "website", "app", "booking", "login", "log", "video", "chat",
                   "link", "digital", "sms"),
        },
    ),
    Theme(
        "facilities",
        {"fi": "Tilat", "sv": "Lokaler", "en": "Premises"},
        {
            "fi": ("tila", "odotus*huone", "*huone", "parkki*", "pysäköinti", "siisti",
                   "likainen", "vessa", "wc", "hissi", "=ovi", "esteetön", "sisäänkäynti",
                   "kuuma", "kylmä", "veto", "ahdas", "meluisa", "kahvi", "kulkuyhteys",
                   "rakennus", "epäsiisti", "viihtyisä"),
            "sv": ("lokal*", "väntrum*", "parker*", "ren", "smutsig", "toalett*", "hiss",
                   "dörr", "*rum", "kall", "drag", "trång", "bullrig", "miljö",
                   "tillgänglighet", "trivsam", "sliten"),
            "en": ("premises", "parking", "clean", "dirty", "filthy", "toilet", "lift",
                   "elevator", "door", "room", "building", "cramped"),
        },
    ),
    Theme(
        "language",
        {"fi": "Kieli", "sv": "Språk", "en": "Language"},
        {
            "fi": ("ruotsi*", "suomeksi", "suomi", "kieli", "*kieli", "*kielinen", "tulkki*",
                   "englanti*", "ruotsinkielinen", "kielellä"),
            "sv": ("svenska", "finska", "språk*", "modersmål", "tolk*", "engelska",
                   "svenskspråkig", "finskspråkig", "blankett"),
            "en": ("english", "finnish", "swedish", "language", "interpreter"),
        },
    ),
    Theme(
        "cost",
        {"fi": "Maksut", "sv": "Avgifter", "en": "Costs"},
        {
            "fi": ("*maksu", "maksu*", "lasku", "hinta", "kallis", "euro", "sakko*",
                   "maksaa", "ilmainen", "maksukatto"),
            "sv": ("*avgift*", "faktura*", "pris*", "dyr", "euro", "betala", "gratis",
                   "avgiftstak"),
            "en": ("fee*", "charge*", "invoice", "price", "expensive", "cost*", "pay",
                   "bill"),
        },
    ),
)  # fmt: skip


# -- lemmas ---------------------------------------------------------------------------


def _voikko_handle() -> object | None:
    from portal.feedback.anonymise import _VOIKKO

    return _VOIKKO._open()


_BASE = re.compile(r"\(([^()+][^()]*)\)")


@lru_cache(maxsize=131072)
def _word_lemmas(word: str, language: str, use_voikko: bool) -> tuple[str, ...]:
    """Lemmas of one lowercase word: its base form first, then compound parts (Voikko)."""
    if word.startswith("["):
        return (word,)
    if use_voikko and language == "fi":
        handle = _voikko_handle()
        if handle is not None:
            with _VOIKKO_LOCK:
                readings = handle.analyze(word)  # type: ignore[attr-defined]
            if readings:
                reading = readings[0]
                lemmas = [reading.get("BASEFORM", word).lower()]
                parts = _BASE.findall(reading.get("WORDBASES", ""))
                if len(parts) > 1:
                    lemmas.extend(part.lower() for part in parts)
                return tuple(dict.fromkeys(lemmas))
            # A word Voikko does not know (a typo, a foreign name) is kept as written rather
            # than loading the much slower simplemma dictionary for Finnish.
            return (word,)
    lang = language if language in LANGUAGES else "fi"
    return (simplemma.lemmatize(word, lang=lang).lower(),)


def lemmatise(text: str, language: str, *, use_voikko: bool | None = None) -> list[str]:
    """Base forms of the words of ``text``, one per word (compound parts not included)."""
    return [group[0] for group in _lemma_groups(text, language, use_voikko)]


def _lemma_groups(text: str, language: str, use_voikko: bool | None) -> list[tuple[str, ...]]:
    voikko = _voikko_handle() is not None if use_voikko is None else use_voikko
    return [_word_lemmas(token.lower(), language, voikko) for token in _TOKEN.findall(text)]


# -- rules ----------------------------------------------------------------------------


def _rule_matches(rule: str, lemmas: set[str], groups: list[tuple[str, ...]]) -> bool:
    if " " in rule:
        return all(_rule_matches(part, lemmas, groups) for part in rule.split())
    if rule.startswith("="):
        return rule[1:] in lemmas
    if rule.startswith("*") and rule.endswith("*"):
        core = rule[1:-1]
        return any(core in lemma for lemma in lemmas)
    if rule.endswith("*"):
        if "*" in rule[:-1]:
            head, tail = rule[:-1].split("*", 1)
            return any(lemma.startswith(head) and tail in lemma for lemma in lemmas)
        return any(lemma.startswith(rule[:-1]) for lemma in lemmas)
    if rule.startswith("*"):
        return any(lemma.endswith(rule[1:]) for lemma in lemmas)
    if "*" in rule:
        head, tail = rule.split("*", 1)
        return any(lemma.startswith(head) and lemma.endswith(tail) for lemma in lemmas)
    # A plain rule: the lemma itself, a compound ending in it, or (Voikko) a part of it.
    # Short rules ("ren", "fel") would hit the endings of unrelated words.
    return rule in lemmas or (
        len(rule) >= _MIN_SUFFIX_RULE
        and any(lemma.endswith(rule) and len(lemma) >= len(rule) + 3 for lemma in lemmas)
    )


def match_themes(
    text: str,
    language: str,
    *,
    taxonomy: Sequence[Theme] = SEED_THEMES,
    use_voikko: bool | None = False,
) -> list[str]:
    """Codes of the themes whose rules match ``text``, in taxonomy order.

    Finnish lemmas come from simplemma by default: on the development half of the
    labelled set the rules matched Finnish themes better with simplemma's lemmas (micro-F1
    0.873) than with Voikko's (0.854), since Voikko leaves unknown and misspelt words
    as written. ``use_voikko=None`` uses Voikko when it is installed, ``True`` always.
    """
    groups = _lemma_groups(text, language, use_voikko)
    lemmas = {lemma for group in groups for lemma in group}
    lemmas.update(token.lower() for token in _TOKEN.findall(text))
    found = []
    for theme in taxonomy:
        rules = theme.rules.get(language) or theme.rules.get("en", ())
        if any(_rule_matches(rule, lemmas, groups) for rule in rules):
            found.append(theme.code)
    return found


# -- suggestions ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThemeSuggestion:
    """A cluster of unmatched answers offered as a new theme; a person decides."""

    terms: tuple[str, ...]
    size: int
    examples: tuple[str, ...]


def suggest_themes(
    texts: Iterable[tuple[str, str]],
    *,
    taxonomy: Sequence[Theme] = SEED_THEMES,
    clusters: int = 5,
    min_size: int = 5,
    top_terms: int = 6,
    seed: int = 0,
) -> list[ThemeSuggestion]:
    """Cluster ``(text, language)`` answers that match no theme into suggested themes.

    Only answers with at least two content lemmas take part (one-word answers carry no
    theme). Returns at most ``clusters`` suggestions of at least ``min_size`` answers,
    largest first.
    """
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    documents: list[str] = []
    originals: list[str] = []
    for text, language in texts:
        if match_themes(text, language, taxonomy=taxonomy):
            continue
        content = [
            lemma
            for lemma in lemmatise(text, language)
            if len(lemma) > 2 and lemma not in _STOPWORDS and not lemma.startswith("[")
        ]
        if len(content) >= 2:
            documents.append(" ".join(content))
            originals.append(text)
    if len(documents) < max(min_size, 2):
        return []
    vectoriser = TfidfVectorizer(
        token_pattern=r"\S+",  # noqa: S106 - a regex, not a password
        min_df=2,
        sublinear_tf=True,
    )
    try:
        matrix = vectoriser.fit_transform(documents)
    except ValueError:  # no term occurs twice
        return []
    k = max(1, min(clusters, len(documents) // min_size))
    model = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(matrix)
    terms = np.asarray(vectoriser.get_feature_names_out())
    suggestions = []
    for cluster in range(k):
        members = np.flatnonzero(model.labels_ == cluster)
        if len(members) < min_size:
            continue
        centre = model.cluster_centers_[cluster]
        order = np.argsort(-centre, kind="stable")[:top_terms]
        suggestions.append(
            ThemeSuggestion(
                terms=tuple(str(terms[i]) for i in order if centre[i] > 0),
                size=len(members),
                examples=tuple(originals[i] for i in members[:3]),
            )
        )
    return sorted(suggestions, key=lambda s: (-s.size, s.terms))


_STOPWORDS: Final = frozenset(
    " ".join(
        (
            "ja on ei se että oli olla mutta kun niin myös vain kuin jo tämä tuo mitä joka",
            "minä sinä hän me te he mun mä ihan tosi aivan sitten nyt vielä kaikki koko en et",
            "och är inte det att var vara men när så också bara som redan den detta vad jag",
            "du han hon vi ni de mig min helt mycket alla hela sedan nu ännu har hade",
            "the and is not it that was be but when so also only as already this what i you",
            "he she we they my me very all to of a in for on with",
        )
    ).split()
)
