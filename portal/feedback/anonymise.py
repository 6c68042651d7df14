"""Remove identifying details from an open feedback answer before it is stored.

Pure module (standard library, python-stdnum, schwifty and, when installed, the Voikko
Finnish morphology through the ``libvoikko`` module). Each finding is replaced by one
language-neutral placeholder, so a text keeps its meaning for themes and tone::

    [ID]     Finnish personal identity code (henkilötunnus), century signs + - A and the
             2023 additions B-F and U-Y; removed whether or not the check mark is right,
             because a mistyped code still points at a person
    [IBAN]   an account number that schwifty validates, or a Finnish one by its shape
    [EMAIL]  an e-mail address
    [PHONE]  a phone number: +358 and other international forms, Finnish mobile
             (04x, 050) and landline (02, 09, 013...) numbers, with spaces, dashes or
             brackets
    [NAME]   a person's first name or surname, also inflected ("Virtaselle")

Names are found with a lexicon, not only by shape:

* In Finnish, Voikko's analysis gives ``CLASS=etunimi``/``sukunimi`` for first names and
  surnames in every inflected form, and tells whether the word also has a common-word
  reading ("Onni", "Toivo", "Ilta").
* For Swedish and English, and for Finnish when Voikko is missing, ``data/names.txt``
  (frequent Finnish and Swedish names) is looked up with the ending stripped (Finnish
  case endings, Swedish and English genitive), and a small list of names that are also
  common words stands in for Voikko's second reading.

A lexicon word is removed as a name when it is written with a capital letter and either
stands inside a sentence, or has no common-word reading, or follows a title ("hoitaja",
"lääkäri", "doktor", "nurse"...) or another name. A capitalised word right after a title
is removed even when no lexicon knows it. Lowercase words are kept ("toivon että", "onni
oli matkassa") unless they follow a title and cannot be anything but a name. Place names
that are only places ("Helsingissä") are kept. When in doubt between a surname and a
place ("Mattila") the word is removed: a lost place name costs less than a kept surname.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Final, Literal

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

__all__ = [
    "PLACEHOLDERS",
    "AnonymisedText",
    "Anonymiser",
    "FindingKind",
    "anonymise",
    "known_names",
    "voikko_available",
]

FindingKind = Literal["id", "iban", "email", "phone", "name"]
PLACEHOLDERS: Final[Mapping[FindingKind, str]] = {
    "id": "[ID]",
    "iban": "[IBAN]",
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "name": "[NAME]",
}
_NAMES_FILE = Path(__file__).with_name("data") / "names.txt"

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")
# Day, month, two-digit year, century sign, individual number, check mark. The check
# mark alphabet leaves out G, I, O, Q, which makes false hits on ordinary words rare.
_HETU = re.compile(r"(?<![\w-])\d{6}[-+A-FU-Y]\d{3}[0-9A-FHJ-NPR-Y](?!\w)", re.IGNORECASE)
_IBAN_CANDIDATE = re.compile(r"(?<![\w])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){10,30}(?![\w])")
_FINNISH_ACCOUNT = re.compile(r"FI\d{2}(?: ?\d){14}")
_PHONE = re.compile(
    r"""(?<![\w+])(?:
        \+\d{1,3}[\s-]?(?:\(0\)[\s-]?)?\d{1,4}(?:[\s-]?\d){4,10}   # +358 40 123 4567
      | 00\d{2,3}[\s-]?\d{1,4}(?:[\s-]?\d){4,10}                  # 00358 40 123 4567
      | \(0\d{1,3}\)[\s-]?\d(?:[\s-]?\d){4,8}                      # (09) 123 4567
      | 0\d{1,3}[\s-]?\d(?:[\s-]?\d){4,8}                          # 040 123 4567, 09-1234567
    )(?![\w])""",
    re.VERBOSE,
)
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_SENTENCE_MARKS = frozenset('.!?…:;"“”«»([')

# Titles and roles after which a capitalised word is a person (lowercase, no punctuation).
_TITLES: Final = frozenset(
    {
        # Finnish
        "hoitaja", "sairaanhoitaja", "lähihoitaja", "kotihoitaja", "terveydenhoitaja",
        "perushoitaja", "kätilö", "lääkäri", "hammaslääkäri", "tohtori", "erikoislääkäri",
        "fysioterapeutti", "toimintaterapeutti", "psykologi", "sosiaalityöntekijä",
        "ohjaaja", "kuraattori", "farmaseutti", "proviisori", "osastonhoitaja",
        "esihenkilö", "herra", "rouva", "neiti", "hoitsu", "tri", "dr",
        # Swedish
        "sjukskötare", "skötare", "närvårdare", "hemvårdare", "hälsovårdare", "barnmorska",
        "läkare", "tandläkare", "doktor", "fysioterapeut", "psykolog", "socialarbetare",
        "farmaceut", "avdelningsskötare", "herr", "fru", "fröken",
        # English
        "nurse", "doctor", "dentist", "physiotherapist", "therapist", "mr", "mrs", "ms",
        "miss", "midwife",
    }
)  # fmt: skip

# Names in names.txt that are also everyday words, for when Voikko cannot tell.
_NAMES_THAT_ARE_WORDS: Final = frozenset(
    {
        # Finnish
        "onni", "toivo", "into", "armas", "aamu", "ilta", "lahja", "sini", "kivi", "koski",
        "lehto", "mäki", "niemi", "salo", "lahti", "virta", "rinne", "laine", "kangas",
        "hovi", "kurki", "luoma", "aalto", "kallio", "nurmi", "vainio", "tähti", "usko",
        "rauha", "satu", "kaste", "halla", "valo", "leo", "kari", "aki", "nea", "vesa",
        # Swedish and English
        "bo", "per", "berg", "ström", "holm", "lind", "ek", "hägg", "björn", "ulf", "tomas",
        "may", "will", "mark", "rose", "bill", "grace", "hope", "joy", "sten",
    }
)  # fmt: skip

# Finnish case and possessive endings, longest first, for the fallback lookup.
_FINNISH_ENDINGS: Final = tuple(
    sorted(
        {
            "lle", "lta", "ltä", "lla", "llä", "sta", "stä", "ssa", "ssä", "ksi", "na", "nä",
            "n", "a", "ä", "ta", "tä", "han", "hin", "hen", "lleni", "ltani", "ni",
            "kin", "kaan", "sa", "sä", "ineen", "tta", "ttä", "nsa", "nsä",
        },
        key=len,
        reverse=True,
    )
)  # fmt: skip


@cache
def known_names() -> frozenset[str]:
    """The shipped first names and surnames, case-folded."""
    names: set[str] = set()
    for line in _NAMES_FILE.read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry and not entry.startswith("["):
            names.add(entry.casefold())
    return frozenset(names)


class _Voikko:
    """A lazily opened, lock-guarded Voikko handle (libvoikko handles are not thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handle: object | None = None
        self._failed = False

    def available(self) -> bool:
        return self._open() is not None

    def _open(self) -> object | None:
        if self._handle is None and not self._failed:
            with self._lock:
                if self._handle is None and not self._failed:
                    try:
                        import libvoikko

                        self._handle = libvoikko.Voikko("fi")
                    except Exception:
                        self._failed = True
        return self._handle

    def analyse(self, word: str) -> tuple[tuple[str, str], ...]:
        """(CLASS, BASEFORM) pairs of every reading of ``word``; empty when unavailable."""
        return _voikko_analysis(self, word)


@lru_cache(maxsize=65536)
def _voikko_analysis(voikko: _Voikko, word: str) -> tuple[tuple[str, str], ...]:
    handle = voikko._open()
    if handle is None:
        return ()
    with voikko._lock:
        readings = handle.analyze(word)  # type: ignore[attr-defined]
    return tuple((r.get("CLASS", ""), r.get("BASEFORM", "")) for r in readings)


_VOIKKO = _Voikko()


def voikko_available() -> bool:
    """True when the Voikko library and its Finnish dictionary can be used."""
    return _VOIKKO.available()


_PERSON_CLASSES: Final = frozenset({"etunimi", "sukunimi"})
_PROPER_CLASSES: Final = frozenset({"etunimi", "sukunimi", "paikannimi", "nimi"})


@dataclass(frozen=True, slots=True)
class AnonymisedText:
    """The text with placeholders and how many details of each kind were removed."""

    text: str
    counts: Mapping[FindingKind, int] = field(default_factory=dict)

    @property
    def removed(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class _NameVerdict:
    is_name: bool  # a lexicon (Voikko or the names list) knows it as a person's name
    is_word: bool  # it also has a common-word reading


class Anonymiser:
    """Removes identifying details; ``use_voikko=None`` uses Voikko when it is installed."""

    def __init__(self, *, use_voikko: bool | None = None) -> None:
        if use_voikko and not voikko_available():
            raise RuntimeError("Voikko is not available")
        self.use_voikko = voikko_available() if use_voikko is None else use_voikko

    def anonymise(self, text: str, language: str = "fi") -> AnonymisedText:
        """Return ``text`` with identity codes, IBANs, e-mails, phones and names replaced."""
        counts: Counter[FindingKind] = Counter()
        text = unicodedata.normalize("NFC", text)
        text = self._replace(_EMAIL, text, "email", counts)
        text = _IBAN_CANDIDATE.sub(lambda m: self._iban(m, counts), text)
        text = self._replace(_HETU, text, "id", counts)
        text = self._replace(_PHONE, text, "phone", counts)
        text = self._names(text, language, counts)
        return AnonymisedText(text=text, counts=dict(counts))

    @staticmethod
    def _replace(
        pattern: re.Pattern[str], text: str, kind: FindingKind, counts: Counter[FindingKind]
    ) -> str:
        def substitute(match: re.Match[str]) -> str:
            counts[kind] += 1
            return PLACEHOLDERS[kind]

        return pattern.sub(substitute, text)

    @staticmethod
    def _iban(match: re.Match[str], counts: Counter[FindingKind]) -> str:
        candidate = match.group(0)
        try:
            IBAN(candidate)
        except SchwiftyException:
            if not _FINNISH_ACCOUNT.fullmatch(candidate):
                return candidate
        counts["iban"] += 1
        return PLACEHOLDERS["iban"]

    # -- names ---------------------------------------------------------------------------

    def _names(self, text: str, language: str, counts: Counter[FindingKind]) -> str:
        pieces: list[str] = []
        position = 0
        previous_word = ""
        previous_was_name = False
        matches = list(_WORD.finditer(text))
        for index, match in enumerate(matches):
            word = match.group(0)
            between = text[position : match.start()]
            adjacent = previous_word and between.strip() == ""
            # "Dr. Nieminen", "tri. Laine": an abbreviated title keeps its dot.
            after_title = bool(previous_word.casefold() in _TITLES and between.strip() in ("", "."))
            after_name = bool(adjacent and previous_was_name)
            sentence_start = _starts_sentence(between, first=index == 0)
            # "Matti Meikäläinen kävi": a capitalised word after a sentence-initial word
            # that may be a name makes the pair a full name.
            following = matches[index + 1] if index + 1 < len(matches) else None
            before_capitalised = bool(
                following
                and text[match.end() : following.start()].strip() == ""
                and following.group(0)[0].isupper()
            )
            if self._is_person(
                word, language, sentence_start, after_title, after_name, before_capitalised
            ):
                pieces.append(text[position : match.start()])
                pieces.append(PLACEHOLDERS["name"])
                counts["name"] += 1
                previous_was_name = True
            else:
                pieces.append(text[position : match.end()])
                previous_was_name = False
            position = match.end()
            previous_word = word
        pieces.append(text[position:])
        return "".join(pieces)

    def _is_person(
        self,
        word: str,
        language: str,
        sentence_start: bool,
        after_title: bool,
        after_name: bool,
        before_capitalised: bool,
    ) -> bool:
        capitalised = word[0].isupper() and not word.isupper()
        if word.casefold() in _TITLES:
            return False
        verdict = self._verdict(word, language)
        if not capitalised:
            # "hoitaja leenalle" in a hurried SMS is a name; "lääkäri toivoi" is a verb.
            return after_title and verdict.is_name and not verdict.is_word
        if after_title:
            return verdict.is_name or not verdict.is_word
        if after_name and not sentence_start:
            # A capitalised word straight after a name is its surname ("Matti Meikäläinen").
            return True
        if not verdict.is_name:
            return False
        return not verdict.is_word or not sentence_start or before_capitalised

    def _verdict(self, word: str, language: str) -> _NameVerdict:
        return _verdict(word, language, use_voikko=self.use_voikko)


@lru_cache(maxsize=65536)
def _verdict(word: str, language: str, *, use_voikko: bool) -> _NameVerdict:
    """What the lexicons say of ``word``; cached, as answers repeat the same words."""
    if use_voikko and language == "fi":
        readings = _VOIKKO.analyse(word)
        if readings:
            classes = {reading_class for reading_class, _ in readings}
            is_name = bool(classes & _PERSON_CLASSES) or _listed(word, language)
            is_word = bool(classes - _PROPER_CLASSES)
            return _NameVerdict(is_name=is_name, is_word=is_word)
    # Without a lexicon of ordinary words, a word is "ordinary" only when it is on the
    # short list of names that are also words; unknown words count as neither.
    is_word = any(c in _NAMES_THAT_ARE_WORDS for c in _candidates(word, language))
    return _NameVerdict(is_name=_listed(word, language), is_word=is_word)


def _starts_sentence(between: str, *, first: bool) -> bool:
    """Whether a word begins a sentence, from the text since the previous word.

    It does when only whitespace comes before it, or when the last visible character
    before it is a sentence mark (``.!?…:;``, a quote, an opening bracket) or a dash
    after a space, or a line break comes between. A word ends with a letter, so nothing
    before ``between`` changes the answer and long answers stay linear.
    """
    body = between.rstrip()
    gap = between[len(body) :]
    if not body:
        return first or "\n" in gap
    last = body[-1]
    return (
        "\n" in gap
        or last in _SENTENCE_MARKS
        or (last == "-" and len(body) >= 2 and body[-2].isspace())
    )


def _candidates(word: str, language: str) -> Iterator[str]:
    folded = word.casefold().replace("’", "'")
    yield folded
    if folded.endswith("'s"):
        yield folded[:-2]
    if language in ("sv", "en") and folded.endswith("s") and len(folded) > 3:
        yield folded[:-1]
    if language == "fi" or language not in ("sv", "en"):
        for ending in _FINNISH_ENDINGS:
            if folded.endswith(ending) and len(folded) - len(ending) >= 3:
                stem = folded[: -len(ending)]
                yield stem
                # Consonant gradation and stem vowels of common name types:
                # Pekalle -> Pekka, Virtaselle -> Virtanen, Annikalle -> Annika.
                yield stem + "a"
                yield stem + "ä"
                if stem.endswith("se"):
                    yield stem[:-2] + "nen"
                if len(stem) >= 3 and stem[-1] in "aä" and stem[-2] == "k":
                    yield stem[:-1] + "ka"


def _listed(word: str, language: str) -> bool:
    names = known_names()
    return any(candidate in names for candidate in _candidates(word, language))


_DEFAULT = Anonymiser()


def anonymise(text: str, language: str = "fi") -> AnonymisedText:
    """Anonymise one text with the default :class:`Anonymiser` (Voikko when installed)."""
    return _DEFAULT.anonymise(text, language)


def anonymise_all(texts: Iterable[tuple[str, str]]) -> list[AnonymisedText]:
    """Anonymise ``(text, language)`` pairs."""
    return [_DEFAULT.anonymise(text, language) for text, language in texts]
