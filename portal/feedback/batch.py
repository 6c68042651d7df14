"""CSV-level computations behind the ``feedback nps`` and ``feedback analyse`` commands.

Pure module: rows come in as mappings of column name to cell text (what
:class:`csv.DictReader` yields) and results go out as JSON-ready dicts. Input problems
raise :class:`FeedbackInputError` with a stable ``code``, the file line (``row``; the
header is line 1) and the ``column``, so the command can print one translated line and
exit with status 2.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any, Final

from portal.feedback.nps import NpsResult, nps_by_group, nps_from_scores
from portal.feedback.text import default_tone_model
from portal.feedback.themes import LANGUAGES, SEED_THEMES, Theme, match_themes

__all__ = [
    "MAX_TEXT_LENGTH",
    "FeedbackInputCode",
    "FeedbackInputError",
    "analyse_texts",
    "nps_table",
]

MAX_TEXT_LENGTH: Final = 10_000
_FIRST_DATA_LINE: Final = 2
_SHARE_DIGITS: Final = 4
_INTERVAL_DIGITS: Final = 1


class FeedbackInputCode(StrEnum):
    NO_ROWS = "no_rows"
    COLUMN_MISSING = "column_missing"
    SCORE_MISSING = "score_missing"
    SCORE_NOT_INTEGER = "score_not_integer"
    SCORE_OUT_OF_RANGE = "score_out_of_range"
    ID_MISSING = "id_missing"
    ID_REPEATED = "id_repeated"
    LANGUAGE_UNSUPPORTED = "language_unsupported"
    TEXT_TOO_LONG = "text_too_long"


_MESSAGES: Final = {
    FeedbackInputCode.NO_ROWS: "the file has no data rows",
    FeedbackInputCode.COLUMN_MISSING: "column {column} is missing",
    FeedbackInputCode.SCORE_MISSING: "line {row}: the score is empty",
    FeedbackInputCode.SCORE_NOT_INTEGER: "line {row}: the score is not a whole number",
    FeedbackInputCode.SCORE_OUT_OF_RANGE: "line {row}: the score is not between 0 and 10",
    FeedbackInputCode.ID_MISSING: "line {row}: the id is empty",
    FeedbackInputCode.ID_REPEATED: "line {row}: the id appears on an earlier line",
    FeedbackInputCode.LANGUAGE_UNSUPPORTED: "line {row}: the language must be fi, sv or en",
    FeedbackInputCode.TEXT_TOO_LONG: "line {row}: the text is longer than 10,000 characters",
}


class FeedbackInputError(ValueError):
    """A CSV row or column cannot be used; ``code`` is stable, the message is English.

    The command layer translates by ``code`` (the English message is for logs and tests).
    """

    def __init__(
        self, code: FeedbackInputCode, *, row: int | None = None, column: str | None = None
    ) -> None:
        self.code = code
        self.row = row
        self.column = column
        super().__init__(_MESSAGES[code].format(row=row, column=column))


def _cell(row: Mapping[str, Any], column: str) -> str:
    value = row.get(column)
    return "" if value is None else str(value).strip()


def _require_columns(rows: Sequence[Mapping[str, Any]], columns: Iterable[str]) -> None:
    if not rows:
        raise FeedbackInputError(FeedbackInputCode.NO_ROWS)
    present = set(rows[0])
    for column in columns:
        if column not in present:
            raise FeedbackInputError(FeedbackInputCode.COLUMN_MISSING, row=1, column=column)


def _score(text: str, line: int) -> int:
    if not text:
        raise FeedbackInputError(FeedbackInputCode.SCORE_MISSING, row=line, column="score")
    try:
        score = int(text)
    except ValueError:
        raise FeedbackInputError(
            FeedbackInputCode.SCORE_NOT_INTEGER, row=line, column="score"
        ) from None
    if not 0 <= score <= 10:
        raise FeedbackInputError(FeedbackInputCode.SCORE_OUT_OF_RANGE, row=line, column="score")
    return score


def _figures(result: NpsResult, *, suppress: bool) -> dict[str, Any]:
    hidden = suppress and result.suppressed
    low, high = result.ci95
    return {
        "n": result.n,
        "reliability": result.reliability,
        "promoters": None if hidden else result.promoters,
        "passives": None if hidden else result.passives,
        "detractors": None if hidden else result.detractors,
        "promoter_share": None if hidden else _rounded(result.promoter_share),
        "passive_share": None if hidden else _rounded(result.passive_share),
        "detractor_share": None if hidden else _rounded(result.detractor_share),
        "nps": None if hidden else result.nps,
        "ci95": None if hidden else [round(low, _INTERVAL_DIGITS), round(high, _INTERVAL_DIGITS)],
    }


def _rounded(share: float | None) -> float | None:
    return None if share is None else round(share, _SHARE_DIGITS)


def nps_table(
    rows: Iterable[Mapping[str, Any]], by: Sequence[str] = (), *, suppress: bool = True
) -> list[dict[str, Any]]:
    """NPS per group of the ``score`` column, grouped by the ``by`` columns.

    One dict per group, ordered by the group values: the grouping columns, then ``n``,
    ``reliability`` (suppressed < 5, indicative < 30), the counts and shares (0-1, four
    decimals), ``nps`` (whole number, halves away from zero) and ``ci95`` (adjusted
    Wald, one decimal). With ``suppress`` the figures of a group under 5 answers are
    ``None``, as in every report. Without ``by`` there is one group of all rows.
    """
    materialised = list(rows)
    _require_columns(materialised, ["score", *by])
    scores = []
    keys: list[tuple[str, ...]] = []
    for offset, row in enumerate(materialised):
        line = offset + _FIRST_DATA_LINE
        scores.append(_score(_cell(row, "score"), line))
        keys.append(tuple(_cell(row, column) for column in by))
    results = nps_by_group(scores, keys) if by else {(): nps_from_scores(scores)}
    table = []
    for key, result in results.items():
        group = dict(zip(by, key, strict=True))  # type: ignore[arg-type]
        table.append({**group, **_figures(result, suppress=suppress)})
    return table


def analyse_texts(
    rows: Iterable[Mapping[str, Any]], *, taxonomy: Sequence[Theme] = SEED_THEMES
) -> list[dict[str, Any]]:
    """Tone and themes of each ``id,language,text`` row, in input order.

    Returns ``{"id", "tone", "themes"}`` per row; ``tone`` is positive, neutral or
    negative, ``themes`` a list of theme codes. An empty text is neutral with no themes.
    """
    materialised = list(rows)
    _require_columns(materialised, ["id", "language", "text"])
    seen: set[str] = set()
    ids, languages, texts = [], [], []
    for offset, row in enumerate(materialised):
        line = offset + _FIRST_DATA_LINE
        identifier = _cell(row, "id")
        if not identifier:
            raise FeedbackInputError(FeedbackInputCode.ID_MISSING, row=line, column="id")
        if identifier in seen:
            raise FeedbackInputError(FeedbackInputCode.ID_REPEATED, row=line, column="id")
        seen.add(identifier)
        language = _cell(row, "language").lower()
        if language not in LANGUAGES:
            raise FeedbackInputError(
                FeedbackInputCode.LANGUAGE_UNSUPPORTED, row=line, column="language"
            )
        text = _cell(row, "text")
        if len(text) > MAX_TEXT_LENGTH:
            raise FeedbackInputError(FeedbackInputCode.TEXT_TOO_LONG, row=line, column="text")
        ids.append(identifier)
        languages.append(language)
        texts.append(text)
    filled = [i for i, text in enumerate(texts) if text]
    tones = ["neutral"] * len(texts)
    if filled:
        predicted = default_tone_model().predict(
            [texts[i] for i in filled], [languages[i] for i in filled]
        )
        for i, tone in zip(filled, predicted, strict=True):
            tones[i] = tone
    return [
        {
            "id": identifier,
            "tone": tone,
            "themes": match_themes(text, language, taxonomy=taxonomy) if text else [],
        }
        for identifier, language, text, tone in zip(ids, languages, texts, tones, strict=True)
    ]
