"""Finding initiatives with similar titles, so that residents join forces (pure module)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher

__all__ = ["SIMILARITY_THRESHOLD", "normalise_title", "similar_titles", "title_similarity"]

SIMILARITY_THRESHOLD = 0.6
# Words that say nothing about the subject of an initiative, in Finnish, Swedish and English.
_STOPWORD_TEXT = (
    "ja tai sekä on ei että kun jos myös niin se ne hyvinvointialue hyvinvointialueen "
    "aloite aloitteen och eller att det som är för på av välfärdsområdet initiativ "
    "the and or an of to in for is be initiative"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise_title(title: str) -> tuple[str, ...]:
    """Lower-case words without punctuation and stopwords; ä and ö are kept as letters."""
    text = unicodedata.normalize("NFC", title).casefold()
    return tuple(word for word in _WORD.findall(text) if word not in _STOPWORDS and len(word) > 1)


def title_similarity(first: str, second: str) -> float:
    """0..1: the larger of the word overlap (Jaccard) and the character-sequence ratio.

    Word overlap catches reordered titles; the sequence ratio catches inflected forms
    ("uimahalli" / "uimahallin"), which Finnish has plenty of.
    """
    words_a, words_b = normalise_title(first), normalise_title(second)
    if not words_a or not words_b:
        return 0.0
    set_a, set_b = set(words_a), set(words_b)
    overlap = len(set_a & set_b) / len(set_a | set_b)
    ratio = SequenceMatcher(None, " ".join(sorted(words_a)), " ".join(sorted(words_b))).ratio()
    return max(overlap, ratio)


def similar_titles(
    title: str,
    candidates: Iterable[tuple[int, str]],
    *,
    threshold: float = SIMILARITY_THRESHOLD,
    limit: int = 5,
) -> list[tuple[int, float]]:
    """Ids of the candidates whose titles resemble ``title``, most similar first."""
    scored = [(ident, title_similarity(title, other)) for ident, other in candidates]
    found = [(ident, score) for ident, score in scored if score >= threshold]
    found.sort(key=lambda pair: (-pair[1], pair[0]))
    return found[:limit]
