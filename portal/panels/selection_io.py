"""CSV input for the panel draw, in the Sortition Foundation's file layout (pure module).

``PEOPLE.csv`` has an ``id`` column and one column per feature (other columns, such as
contact details, are ignored). ``CATEGORIES.csv`` has the columns ``feature,value,min,max``;
extra columns are ignored. Files exported from spreadsheets are accepted with a UTF-8 byte
order mark and with ``;`` or tab as the separator, as Finnish-locale Excel writes them.

:func:`run_draw` is the reproducible command behind ``flask panels draw``: the same files,
size, seed and method always give the same result.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from portal.core.text_input import (
    csv_text_stream,
    decode_upload,
    fields_with_control_characters,
    read_rows,
)
from portal.panels.selection import (
    Candidate,
    Category,
    Distribution,
    Feasibility,
    Method,
    PanelProfile,
    ProgressCallback,
    legacy_distribution,
    legacy_panel,
    leximin_distribution,
    sample_panel,
)

CATEGORY_COLUMNS = ("feature", "value", "min", "max")
LEGACY_ESTIMATE_RUNS = 1_000
# Rounding keeps the JSON readable and hides solver round-off far below any real difference.
_DIGITS = 9


UNREADABLE_ROW = "the row cannot be read (a cell over 131,072 characters or an unclosed quote)"
CONTROL_CHARACTERS = "invisible control characters (the file may not be a CSV text file)"


class CsvFormatError(ValueError):
    """A CSV file cannot be used; ``problems`` lists every issue found, with line numbers."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__(f"{source}: " + "; ".join(self.problems))


def _read_text(path: str | Path) -> str:
    # utf-8-sig strips the byte order mark that spreadsheet exports put first.
    text = decode_upload(Path(path).read_bytes())
    if text is None:
        raise CsvFormatError(Path(path).name, ["the file is not a CSV text file"])
    return text


def _rows(text: str, source: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise CsvFormatError(source, ["the file is empty or has no header row"])
    header_line = lines[0]
    delimiter = ","
    for candidate in (";", "\t"):
        if candidate in header_line and "," not in header_line:
            delimiter = candidate
    reader = csv.reader(csv_text_stream(text), delimiter=delimiter)
    line, first = next(read_rows(reader))
    if first is None:
        raise CsvFormatError(source, [f"line {line}: {UNREADABLE_ROW}"])
    header = [h.strip() for h in first]
    problems = []
    if fields_with_control_characters((h, h) for h in header):
        raise CsvFormatError(source, [f"line 1: {CONTROL_CHARACTERS}"])
    if len(set(header)) != len(header):
        repeated = sorted({h for h in header if header.count(h) > 1})
        problems.append(f"line 1: column names repeated: {', '.join(repeated)}")
    rows: list[tuple[int, dict[str, str]]] = []
    for line, row in read_rows(reader):
        if row is None:
            problems.append(f"line {line}: {UNREADABLE_ROW}")
            continue
        if fields_with_control_characters((str(i), cell) for i, cell in enumerate(row)):
            problems.append(f"line {line}: {CONTROL_CHARACTERS}")
            continue
        if not any(cell.strip() for cell in row):
            continue  # blank lines are common at the end of exported files
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
            problems.append(f"line {line}: {len(row)} fields but the header has {len(header)}")
            continue
        cells = [cell.strip() for cell in row] + [""] * (len(header) - len(row))
        rows.append((line, dict(zip(header, cells, strict=False))))
    if problems:
        raise CsvFormatError(source, problems)
    return header, rows


def parse_categories(text: str, source: str = "CATEGORIES.csv") -> tuple[Category, ...]:
    """Parse category quotas from CSV text (columns feature, value, min, max)."""
    header, rows = _rows(text, source)
    by_lower = {h.lower(): h for h in header}
    missing = [c for c in CATEGORY_COLUMNS if c not in by_lower]
    if missing:
        raise CsvFormatError(
            source,
            [f"missing column(s) {', '.join(missing)}; found: {', '.join(header) or 'none'}"],
        )
    problems: list[str] = []
    categories: list[Category] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        feature, value = row[by_lower["feature"]], row[by_lower["value"]]
        bad = False
        if not feature or not value:
            problems.append(f"line {line}: feature and value must not be empty")
            bad = True
        bounds: dict[str, int] = {}
        for column in ("min", "max"):
            raw = row[by_lower[column]]
            try:
                bounds[column] = int(raw)
            except ValueError:
                problems.append(f"line {line}: {column} {raw!r} is not a whole number")
                bad = True
        if bad:
            continue
        if bounds["min"] < 0:
            problems.append(f"line {line}: min {bounds['min']} is negative")
        if bounds["max"] < bounds["min"]:
            problems.append(f"line {line}: max {bounds['max']} is below min {bounds['min']}")
        if (feature, value) in seen:
            problems.append(
                f"line {line}: {feature} {value} already defined on line {seen[(feature, value)]}"
            )
        seen[(feature, value)] = line
        categories.append(Category(feature, value, bounds["min"], bounds["max"]))
    if not categories and not problems:
        problems.append("no categories defined")
    if problems:
        raise CsvFormatError(source, problems)
    return tuple(categories)


def parse_people(
    text: str, features: Sequence[str], source: str = "PEOPLE.csv"
) -> tuple[Candidate, ...]:
    """Parse candidates from CSV text, keeping the ``id`` and the given feature columns.

    Values are matched exactly (after trimming spaces) against the categories; checking that
    every value has a category is left to the selection, which reports all such candidates.
    """
    header, rows = _rows(text, source)
    id_column = next((h for h in header if h.lower() == "id"), None)
    problems: list[str] = []
    if id_column is None:
        problems.append(f"no id column; found: {', '.join(header) or 'none'}")
    missing = [f for f in features if f not in header]
    if missing:
        problems.append(
            f"no column for feature(s) {', '.join(missing)} used in the categories; "
            f"found: {', '.join(header) or 'none'}"
        )
    if problems:
        raise CsvFormatError(source, problems)
    assert id_column is not None
    people: list[Candidate] = []
    first_line: dict[str, int] = {}
    for line, row in rows:
        pid = row[id_column]
        if not pid:
            problems.append(f"line {line}: empty id")
            continue
        if pid in first_line:
            problems.append(f"line {line}: id {pid} already used on line {first_line[pid]}")
            continue
        first_line[pid] = line
        empty = [f for f in features if not row[f]]
        if empty:
            problems.append(f"line {line}: id {pid} has no value for {', '.join(empty)}")
            continue
        people.append(Candidate(pid, {f: row[f] for f in features}))
    if not people and not problems:
        problems.append("no people listed")
    if problems:
        raise CsvFormatError(source, problems)
    return tuple(people)


def read_categories(path: str | Path) -> tuple[Category, ...]:
    """Read a CATEGORIES.csv file."""
    return parse_categories(_read_text(path), source=str(path))


def read_people(path: str | Path, features: Sequence[str]) -> tuple[Candidate, ...]:
    """Read a PEOPLE.csv file, keeping the given feature columns."""
    return parse_people(_read_text(path), features, source=str(path))


def distribution_to_dict(distribution: Distribution) -> dict[str, Any]:
    """JSON-ready form of a lottery, stored with a draw so that it can be audited later.

    Probabilities are kept at full precision: re-sampling from the stored lottery with the
    announced seed must give exactly the panel that was drawn.
    """
    return {
        "method": distribution.method,
        "panel_size": distribution.panel_size,
        "features": list(distribution.features),
        "categories": [
            {"feature": c.feature, "value": c.value, "min": c.min, "max": c.max}
            for c in distribution.categories
        ],
        "groups": [
            {"values": list(values), "members": list(members)}
            for values, members in zip(distribution.group_values, distribution.groups, strict=True)
        ],
        "panels": [
            {"seats": list(p.seats), "probability": p.probability} for p in distribution.panels
        ],
        "marginals": dict(distribution.marginals),
        "seconds": distribution.seconds,
        "note": distribution.note,
    }


def distribution_from_dict(data: Mapping[str, Any]) -> Distribution:
    """Rebuild a lottery stored with :func:`distribution_to_dict`."""
    return Distribution(
        method=str(data["method"]),
        panel_size=int(data["panel_size"]),
        features=tuple(data["features"]),
        categories=tuple(
            Category(c["feature"], c["value"], int(c["min"]), int(c["max"]))
            for c in data["categories"]
        ),
        groups=tuple(tuple(g["members"]) for g in data["groups"]),
        group_values=tuple(tuple(g["values"]) for g in data["groups"]),
        panels=tuple(
            PanelProfile(tuple(int(s) for s in p["seats"]), float(p["probability"]))
            for p in data["panels"]
        ),
        marginals=MappingProxyType({str(k): float(v) for k, v in data["marginals"].items()}),
        seconds=float(data.get("seconds", 0.0)),
        note=str(data.get("note", "")),
    )


def _infeasible(report: Feasibility, started: float) -> dict[str, Any]:
    return {
        "feasible": False,
        "explanation": list(report.explanation),
        "changes": [c.describe() for c in report.changes],
        "panel": [],
        "probabilities": {},
        "min_probability": None,
        "seconds": round(time.perf_counter() - started, 3),
    }


def draw_from_candidates(
    people: Sequence[Candidate],
    categories: Sequence[Category],
    size: int,
    seed: int | str,
    method: Method = "leximin",
    *,
    progress: ProgressCallback | None = None,
) -> tuple[Distribution, tuple[str, ...]] | Feasibility:
    """Compute the lottery and draw the panel: the one procedure behind every draw.

    The portal's draws and :func:`run_draw` (the command anyone can re-run on the published
    files) both call this, so the same candidates, quotas, size, seed and method always give
    the same panel. For ``legacy`` the panel comes from one seeded greedy run and the
    distribution (the selection probabilities) is estimated from further seeded runs.
    """
    if method not in ("leximin", "legacy"):
        raise ValueError(f"unknown method {method!r}; use 'leximin' or 'legacy'")
    if method == "leximin":
        dist = leximin_distribution(people, categories, size, progress=progress)
        if isinstance(dist, Feasibility):
            return dist
        return dist, sample_panel(dist, seed)
    drawn = legacy_panel(people, categories, size, seed)
    if isinstance(drawn, Feasibility):
        return drawn
    estimate = legacy_distribution(
        people,
        categories,
        size,
        runs=LEGACY_ESTIMATE_RUNS,
        seed=f"{seed}/estimate",
        progress=progress,
    )
    if isinstance(estimate, Feasibility):
        return estimate
    return estimate, drawn


def run_draw(
    people_csv_path: str | Path,
    categories_csv_path: str | Path,
    size: int,
    seed: int | str,
    method: Method = "leximin",
) -> dict[str, Any]:
    """Draw a panel from CSV files and return a JSON-ready summary.

    The result is ``{"feasible", "panel", "probabilities", "min_probability", "note",
    "seconds"}`` (``note`` is empty unless the lottery is the solver's best partial result);
    for infeasible quotas ``feasible`` is false and ``explanation`` (plus ``changes``, the
    smallest quota changes that would help) says why. With ``method="legacy"`` the
    probabilities are estimated from seeded simulation runs. Malformed files raise
    :class:`CsvFormatError`, malformed data :class:`~portal.panels.selection.SelectionInputError`;
    a solver that cannot produce any valid lottery raises
    :class:`~portal.panels.selection.SelectionSolverError`.
    """
    if method not in ("leximin", "legacy"):
        raise ValueError(f"unknown method {method!r}; use 'leximin' or 'legacy'")
    started = time.perf_counter()
    categories = read_categories(categories_csv_path)
    features = sorted({c.feature for c in categories})
    people = read_people(people_csv_path, features)
    result = draw_from_candidates(people, categories, size, seed, method)
    if isinstance(result, Feasibility):
        return _infeasible(result, started)
    dist, panel = result
    probabilities = {cid: round(p, _DIGITS) for cid, p in dist.marginals.items()}
    return {
        "feasible": True,
        "panel": list(panel),
        "probabilities": probabilities,
        "min_probability": round(dist.min_probability, _DIGITS),
        "note": dist.note,
        "seconds": round(time.perf_counter() - started, 3),
    }
