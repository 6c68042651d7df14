"""Evaluate feedback tone and themes on the held-out half of the hand-labelled set.

Run from the repository root: ``python bench/feedback_text.py [--resamples N]``.

The labelled set (``portal/feedback/data/labelled_feedback.csv``) is split in two by a
hash of the id (``split_labelled``). The development half is the only part that was read
while writing the theme rules, and the only labelled part the tone model is trained on
(together with the weak-label corpus); every figure below is on the test half, overall
and per language, with a 95 % percentile bootstrap interval over the test texts (seeded).

Tone (macro-F1 over negative/neutral/positive):
  majority    the most frequent tone of the development half, for every text
  lexicon     the keyword baseline: counts of positive and negative words with negation
  weak only   the model trained on the weak-label corpus alone (score bands)
  model       the model trained on the weak corpus and the development half
  Also the paired bootstrap interval of model minus each baseline.

Themes (micro-F1 over (text, theme) pairs):
  majority    the most frequent theme of the development half, for every text
  keywords    the keyword baseline: raw substrings of the lowercased text, no lemmas
  rules       the lemma rules with simplemma only
  rules+voikko  the lemma rules with Voikko's Finnish lemmas and compound parts
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.feedback.anonymise import voikko_available
from portal.feedback.text import (
    TONES,
    LabelledText,
    ToneModel,
    lexicon_tone,
    load_labelled,
    load_weak,
    split_labelled,
)
from portal.feedback.themes import SEED_THEMES, match_themes

THEME_CODES = [theme.code for theme in SEED_THEMES]
# Keyword baseline: what a person would type into a spreadsheet filter, no morphology.
KEYWORDS = {
    "waiting": ("odot", "jono", "vänt", " kö", "wait", "queue"),
    "access": ("puhelin", "aikaa ei", "lähete", "telefon", "remiss", "phone", "appointment"),
    "treatment": ("ystävälli", "tyly", "kohtel", "vänlig", "otrevlig", "bemöt", "friendly",
                  "rude", "kind"),
    "skill": ("ammattitai", "osaa", "diagnoo", "kunnig", "diagnos", "competent", "diagnos"),
    "information": ("kerto", "ohje", "tieto", "berätta", "information", "instrukt", "told",
                    "instruction"),
    "digital": ("netti", "netissä", "sähköi", "sovellus", "nätet", "webb", "app", "online",
                "website"),
    "facilities": ("tila", "parkki", "vessa", "lokal", "parker", "toalett", "parking",
                   "toilet", "room"),
    "language": ("ruotsi", "suomeksi", "tulkki", "svenska", "finska", "tolk", "english",
                 "interpreter"),
    "cost": ("maksu", "lasku", "hinta", "avgift", "faktura", "pris", "fee", "invoice",
             "charge"),
}  # fmt: skip


def bootstrap(
    statistic: Callable[[np.ndarray], float], size: int, resamples: int, seed: int = 7
) -> tuple[float, float]:
    """95 % percentile interval of ``statistic(indices)`` over resampled test indices."""
    rng = np.random.default_rng(seed)
    values = [statistic(rng.integers(0, size, size)) for _ in range(resamples)]
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def macro_f1(gold: Sequence[str], predicted: Sequence[str], index: np.ndarray) -> float:
    """Macro-F1 over the three tones (a tone absent from gold and prediction scores 0,
    as scikit-learn's ``f1_score(labels=TONES, zero_division=0)``); NumPy for speed."""
    g = np.asarray([TONES.index(gold[i]) for i in index])
    p = np.asarray([TONES.index(predicted[i]) for i in index])
    scores = []
    for label in range(len(TONES)):
        tp = np.count_nonzero((g == label) & (p == label))
        fp = np.count_nonzero((g != label) & (p == label))
        fn = np.count_nonzero((g == label) & (p != label))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return float(np.mean(scores))


def micro_f1(gold: Sequence[set[str]], predicted: Sequence[set[str]], index: np.ndarray) -> float:
    tp = fp = fn = 0
    for i in index:
        tp += len(gold[i] & predicted[i])
        fp += len(predicted[i] - gold[i])
        fn += len(gold[i] - predicted[i])
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0


def keyword_themes(text: str) -> set[str]:
    lowered = f" {text.lower()}"
    return {code for code, words in KEYWORDS.items() if any(w in lowered for w in words)}


def report(
    title: str,
    systems: dict[str, list],
    gold: list,
    test: list[LabelledText],
    metric: Callable,
    resamples: int,
) -> None:
    print(f"\n{title}")
    groups = {"all": np.arange(len(test))}
    for language in ("fi", "sv", "en"):
        groups[language] = np.asarray([i for i, r in enumerate(test) if r.language == language])
    header = f"  {'system':<14}" + "".join(
        f"{name + f' (n={len(ix)})':>26}" for name, ix in groups.items()
    )
    print(header)
    for name, predicted in systems.items():
        cells = []
        for index in groups.values():
            point = metric(gold, predicted, index)
            low, high = bootstrap(
                lambda s, ix=index, pr=predicted: metric(gold, pr, ix[s]), len(index), resamples
            )
            cells.append(f"{point:.3f} [{low:.3f}, {high:.3f}]")
        print(f"  {name:<14}" + "".join(f"{c:>26}" for c in cells))


def paired(
    name: str,
    gold: list,
    model: list,
    baseline: list,
    metric: Callable,
    resamples: int,
    label: str = "model",
) -> None:
    size = len(gold)
    every = np.arange(size)
    low, high = bootstrap(
        lambda s: metric(gold, model, s) - metric(gold, baseline, s), size, resamples
    )
    point = metric(gold, model, every) - metric(gold, baseline, every)
    print(f"  {label} - {name:<10} {point:+.3f} [{low:+.3f}, {high:+.3f}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resamples", type=int, default=2000)
    args = parser.parse_args()

    labelled = load_labelled()
    weak = load_weak()
    development, test = split_labelled(labelled)
    print(
        f"labelled {len(labelled)} (development {len(development)}, test {len(test)}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(Counter(r.language for r in test).items()))
        + f"); weak corpus {len(weak)}; voikko {'yes' if voikko_available() else 'no'}"
    )
    texts = [r.text for r in test]
    languages = [r.language for r in test]

    started = time.perf_counter()
    model = ToneModel.train(weak, development)
    cold = time.perf_counter() - started  # includes loading the lemma dictionaries
    started = time.perf_counter()
    model = ToneModel.train(weak, development)
    trained = time.perf_counter() - started
    weak_only = ToneModel.train(weak)
    started = time.perf_counter()
    predicted = model.predict(texts, languages)
    predict_ms = (time.perf_counter() - started) / len(texts) * 1000
    majority = Counter(r.tone for r in development).most_common(1)[0][0]
    gold_tone = [r.tone for r in test]
    tone_systems = {
        "majority": [majority] * len(test),
        "lexicon": [lexicon_tone(t, lang) for t, lang in zip(texts, languages, strict=True)],
        "weak only": weak_only.predict(texts, languages),
        "model": predicted,
    }
    report(
        "Tone, macro-F1 [95 % bootstrap]", tone_systems, gold_tone, test, macro_f1, args.resamples
    )
    for name in ("majority", "lexicon", "weak only"):
        paired(name, gold_tone, predicted, tone_systems[name], macro_f1, args.resamples)
    print(
        f"  training on {len(weak) + len(development)} texts: {cold:.2f} s on first use "
        f"(with dictionary loading), {trained:.2f} s after; prediction {predict_ms:.2f} ms/text"
    )

    gold_themes = [set(r.themes) for r in test]
    top_theme = Counter(t for r in development for t in r.themes).most_common(1)[0][0]
    theme_systems = {
        "majority": [{top_theme}] * len(test),
        "keywords": [keyword_themes(t) for t in texts],
        "rules": [
            set(match_themes(t, lang, use_voikko=False))
            for t, lang in zip(texts, languages, strict=True)
        ],
    }
    if voikko_available():
        theme_systems["rules+voikko"] = [
            set(match_themes(t, lang, use_voikko=True))
            for t, lang in zip(texts, languages, strict=True)
        ]
    report(
        "Themes, micro-F1 [95 % bootstrap]",
        theme_systems,
        gold_themes,
        test,
        micro_f1,
        args.resamples,
    )
    for name in ("majority", "keywords"):
        paired(
            name,
            gold_themes,
            theme_systems["rules"],
            theme_systems[name],
            micro_f1,
            args.resamples,
            "rules",
        )
    print(f"\nload average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
