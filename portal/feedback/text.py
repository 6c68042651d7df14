"""Tone of open feedback (positive, neutral, negative) from the text alone, offline.

Pure module (standard library, NumPy, SciPy, scikit-learn, ``simplemma``; Voikko when
installed).

Model
    Logistic regression (multinomial, balanced class weights, fixed solver, so training
    is deterministic) on two TF-IDF blocks: character n-grams 2-5 of the lowercased text,
    which see through inflection, compounds and typos ("ootin", "jonooo"), and word
    lemmas with their bigrams, where a word after a negation ("ei", "inte", "not") is
    marked ``NOT_`` so "ei hyvä" and "hyvä" are different features.

Training
    1. The weak-label corpus ``data/weak_feedback.csv``: every answer's recommendation
       score gives its band (0-6 negative, 7-8 neutral, 9-10 positive). The score is the
       label only, never a feature.
    2. The hand-labelled set ``data/labelled_feedback.csv`` is added with a larger weight,
       so the labels a person gave override the weak labels where they disagree (sarcasm,
       mixed answers). For evaluation, only the development half of the labelled set is
       used and the model is scored on the other half (see ``bench/feedback_text.py``).

Why no shipped model file
    A pickled scikit-learn model is code that runs when loaded, ties the file to one
    scikit-learn version and cannot be reviewed in a diff. Training from the two shipped
    CSV files takes about a second, so :func:`default_tone_model` trains on first use and
    keeps the model in memory for the process; the data files are the reviewable source.

Fallback
    :func:`lexicon_tone` counts positive and negative lemmas from small fi/sv/en word
    lists, with negation. The model falls back to it for a text none of whose features
    the model knows (an empty feature vector), and it is the keyword baseline of the
    benchmark.
"""

from __future__ import annotations

import csv
import hashlib
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

from portal.feedback.themes import lemmatise

__all__ = [
    "LABELLED_FILE",
    "TONES",
    "WEAK_FILE",
    "LabelledText",
    "Tone",
    "ToneModel",
    "WeakText",
    "default_tone_model",
    "lexicon_tone",
    "load_labelled",
    "load_weak",
    "score_band",
    "split_labelled",
]

Tone = Literal["negative", "neutral", "positive"]
TONES: Final[tuple[Tone, ...]] = ("negative", "neutral", "positive")
DATA: Final = Path(__file__).with_name("data")
LABELLED_FILE: Final = DATA / "labelled_feedback.csv"
WEAK_FILE: Final = DATA / "weak_feedback.csv"
LABELLED_WEIGHT: Final = 4.0


def score_band(score: int) -> Tone:
    """The weak tone label of a 0-10 recommendation score (the NPS bands)."""
    if not 0 <= score <= 10:
        raise ValueError("score must be 0-10")
    return "positive" if score >= 9 else "neutral" if score >= 7 else "negative"


@dataclass(frozen=True, slots=True)
class LabelledText:
    id: str
    language: str
    text: str
    tone: Tone
    themes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WeakText:
    id: str
    language: str
    text: str
    score: int
    themes: tuple[str, ...]

    @property
    def tone(self) -> Tone:
        return score_band(self.score)


def _themes(cell: str) -> tuple[str, ...]:
    return tuple(part for part in cell.split("|") if part)


@cache
def load_labelled(path: Path = LABELLED_FILE) -> tuple[LabelledText, ...]:
    """The hand-labelled evaluation set."""
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(
            LabelledText(r["id"], r["language"], r["text"], r["tone"], _themes(r["themes"]))
            for r in csv.DictReader(handle)
        )


@cache
def load_weak(path: Path = WEAK_FILE) -> tuple[WeakText, ...]:
    """The weak-label corpus (texts with the score their answer came with)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(
            WeakText(r["id"], r["language"], r["text"], int(r["score"]), _themes(r["themes"]))
            for r in csv.DictReader(handle)
        )


def split_labelled(
    rows: Sequence[LabelledText],
) -> tuple[list[LabelledText], list[LabelledText]]:
    """Split into (development, test) halves by the parity of a SHA-256 of the id.

    Stable and independent of row order. Only the development half may be looked at when
    writing theme rules or tuning the model; the test half is for the reported figures.
    """
    development, test = [], []
    for row in rows:
        digest = int(hashlib.sha256(row.id.encode()).hexdigest(), 16)
        (development if digest % 2 == 0 else test).append(row)
    return development, test


# -- features -------------------------------------------------------------------------

_NEGATIONS: Final = frozenset(
    {"ei", "en", "et", "eikä", "inte", "ej", "ingen", "inget", "aldrig", "not", "no",
     "never", "nobody", "nothing", "kukaan", "mitään", "ingenting"}
)  # fmt: skip
_CLAUSE_END = re.compile(r"[.,!?;:]")


def _lemma_document(text: str, language: str) -> str:
    tokens = []
    negated = 0
    for chunk in _CLAUSE_END.split(text):
        negated = 0
        for lemma in lemmatise(chunk, language):
            if lemma in _NEGATIONS:
                tokens.append(lemma)
                negated = 3
                continue
            tokens.append(f"NOT_{lemma}" if negated else lemma)
            negated = max(negated - 1, 0)
    return " ".join(tokens)


def _char_document(text: str) -> str:
    return " ".join(text.lower().split())


@dataclass
class ToneModel:
    """A trained tone classifier; build with :meth:`train`."""

    chars: TfidfVectorizer
    words: TfidfVectorizer
    classifier: LogisticRegression

    @classmethod
    def train(
        cls,
        weak: Iterable[WeakText],
        labelled: Iterable[LabelledText] = (),
        *,
        labelled_weight: float = LABELLED_WEIGHT,
    ) -> ToneModel:
        """Fit on weak labels (score bands) and optional hand labels with a larger weight."""
        # scikit-learn takes seconds to import: every command and web worker would pay for
        # it at start, so it is loaded when a model is first trained.
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        texts, languages, tones, weights = [], [], [], []
        for row in weak:
            texts.append(row.text)
            languages.append(row.language)
            tones.append(row.tone)
            weights.append(1.0)
        for row in labelled:
            texts.append(row.text)
            languages.append(row.language)
            tones.append(row.tone)
            weights.append(labelled_weight)
        chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=40000
        )
        words = TfidfVectorizer(
            token_pattern=r"\S+",  # noqa: S106 - a regex, not a password
            ngram_range=(1, 2),
            min_df=1,
            sublinear_tf=True,
            lowercase=False,
        )
        matrix = sp.hstack(
            [
                chars.fit_transform([_char_document(t) for t in texts]),
                words.fit_transform(
                    [_lemma_document(t, lang) for t, lang in zip(texts, languages, strict=True)]
                ),
            ]
        ).tocsr()
        classifier = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
        # One BLAS thread: on a busy two-core server OpenBLAS threads fight over the cores
        # and the fit takes seconds instead of a fraction of one.
        with threadpool_limits(limits=1):
            classifier.fit(matrix, tones, sample_weight=np.asarray(weights))
        return cls(chars=chars, words=words, classifier=classifier)

    def _features(self, texts: Sequence[str], languages: Sequence[str]) -> sp.csr_matrix:
        return sp.hstack(
            [
                self.chars.transform([_char_document(t) for t in texts]),
                self.words.transform(
                    [_lemma_document(t, lang) for t, lang in zip(texts, languages, strict=True)]
                ),
            ]
        ).tocsr()

    def predict_proba(self, texts: Sequence[str], languages: Sequence[str]) -> np.ndarray:
        """Class probabilities, columns in :data:`TONES` order."""
        if not texts:
            return np.zeros((0, len(TONES)))
        probabilities = self.classifier.predict_proba(self._features(texts, languages))
        order = [list(self.classifier.classes_).index(tone) for tone in TONES]
        return probabilities[:, order]

    def predict(self, texts: Sequence[str], languages: Sequence[str]) -> list[Tone]:
        """The tone of each text; texts the model knows nothing of get the lexicon's tone."""
        if not texts:
            return []
        features = self._features(texts, languages)
        predicted = self.classifier.predict(features)
        empty = np.diff(features.indptr) == 0
        return [
            lexicon_tone(text, language) if blank else str(tone)
            for text, language, tone, blank in zip(texts, languages, predicted, empty, strict=True)
        ]


_MODEL_LOCK = threading.Lock()


@cache
def _trained_default() -> ToneModel:
    return ToneModel.train(load_weak(), load_labelled())


def default_tone_model() -> ToneModel:
    """The model trained on all shipped data, trained once per process on first use."""
    with _MODEL_LOCK:
        return _trained_default()


# -- lexicon --------------------------------------------------------------------------

_POSITIVE: Final = frozenset(
    """hyvä hyvin kiitos kiittää ystävällinen ihana mukava loistava erinomainen mahtava
    nopea nopeasti selkeä tyytyväinen suositella kiva super paras asiallinen ammattitaitoinen
    helppo helposti toimia lämmin hieno hienosti taitava huolellinen avulias kätevä
    bra tack tacka vänlig trevlig underbar utmärkt fantastisk snabb snabbt tydlig nöjd
    rekommendera toppen jättebra smidig lätt varm skicklig kunnig suverän glad härlig
    good great thank thanks friendly kind excellent quick quickly clear happy recommend
    easy helpful caring competent nice perfect""".split()  # noqa: SIM905 - a word list reads better
)
_NEGATIVE: Final = frozenset(
    """huono huonosti tyly kamala surkea pettynyt pettyä kallis likainen virhe väärä
    odottaa jonottaa myöhässä epäselvä ylimielinen kestämätön järkyttävä kohtuuton
    valittaa tyytymätön töykeä ahdas kylmä rikki kaatua
    dålig dåligt otrevlig hemsk usel besviken dyr smutsig fel vänta försenad otydlig
    arrogant orimlig missnöjd trasig stressad nedlåtande tråkig
    bad rude terrible awful disappointed expensive dirty filthy wrong wait late unclear
    dismissive crash broken impossible""".split()  # noqa: SIM905
)


def lexicon_tone(text: str, language: str) -> Tone:
    """Tone from counts of positive and negative words; a negation flips the next words."""
    balance = 0
    for token in _lemma_document(text, language).split():
        negated = token.startswith("NOT_")
        word = token.removeprefix("NOT_")
        value = (word in _POSITIVE) - (word in _NEGATIVE)
        balance += -value if negated else value
    if balance > 0:
        return "positive"
    if balance < 0:
        return "negative"
    return "neutral"
