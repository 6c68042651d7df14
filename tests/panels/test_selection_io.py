"""Tests for the CSV files and the reproducible draw command behind ``flask panels draw``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portal.panels.selection import (
    Candidate,
    Category,
    Distribution,
    SelectionInputError,
    leximin_distribution,
    panel_meets_quotas,
    sample_panel,
)
from portal.panels.selection_io import (
    CsvFormatError,
    distribution_from_dict,
    distribution_to_dict,
    parse_categories,
    parse_people,
    read_categories,
    read_people,
    run_draw,
)

CATEGORIES = """feature,value,min,max,population_share
gender,female,2,3,0.51
gender,male,2,3,0.49
age,16-39,1,3,
age,40+,2,4,
"""


def write_people(path: Path, rows: list[tuple[str, str, str]], delimiter: str = ",") -> Path:
    lines = [delimiter.join(["id", "name", "gender", "age"])]
    lines += [delimiter.join([pid, f"Person {pid}", g, a]) for pid, g, a in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


POOL = [
    (f"r{i:02d}", "female" if i % 5 in (0, 1, 2) else "male", "16-39" if i % 3 == 0 else "40+")
    for i in range(20)
]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    cats = tmp_path / "CATEGORIES.csv"
    cats.write_text(CATEGORIES, encoding="utf-8")
    return write_people(tmp_path / "PEOPLE.csv", POOL), cats


def test_categories_are_parsed_and_extra_columns_ignored():
    cats = parse_categories(CATEGORIES)
    assert cats[0] == Category("gender", "female", 2, 3)
    assert len(cats) == 4


def test_spreadsheet_export_with_bom_and_semicolons(tmp_path: Path):
    path = tmp_path / "c.csv"
    path.write_bytes("\ufeffFeature;Value;Min;Max\nkieli;ruotsi;0;1\n\n".encode())
    assert read_categories(path) == (Category("kieli", "ruotsi", 0, 1),)
    people = write_people(tmp_path / "p.csv", [("1", "female", "40+")], delimiter=";")
    assert read_people(people, ["gender"]) == (Candidate("1", {"gender": "female"}),)


def test_category_errors_name_the_lines():
    text = "feature,value,min,max\ngender,female,two,3\ngender,male,4,2\ngender,male,1,2\n"
    with pytest.raises(CsvFormatError) as error:
        parse_categories(text, source="CATEGORIES.csv")
    assert error.value.problems == (
        "line 2: min 'two' is not a whole number",
        "line 3: max 2 is below min 4",
        "line 4: gender male already defined on line 3",
    )
    assert str(error.value).startswith("CATEGORIES.csv: line 2:")


def test_missing_category_columns_are_reported():
    with pytest.raises(CsvFormatError) as error:
        parse_categories("feature,value,minimum\ngender,f,1\n")
    assert error.value.problems == ("missing column(s) min, max; found: feature, value, minimum",)


def test_empty_file_is_reported():
    with pytest.raises(CsvFormatError, match="empty"):
        parse_categories("")


def test_people_errors_name_the_lines():
    text = "id,gender\n1,female\n1,male\n,male\n2,\n"
    with pytest.raises(CsvFormatError) as error:
        parse_people(text, ["gender"])
    assert error.value.problems == (
        "line 3: id 1 already used on line 2",
        "line 4: empty id",
        "line 5: id 2 has no value for gender",
    )


def test_people_without_feature_or_id_column():
    with pytest.raises(CsvFormatError) as error:
        parse_people("person,sex\n1,f\n", ["gender"])
    assert error.value.problems == (
        "no id column; found: person, sex",
        "no column for feature(s) gender used in the categories; found: person, sex",
    )


def test_row_with_too_many_fields():
    with pytest.raises(CsvFormatError, match="line 2: 3 fields but the header has 2"):
        parse_people("id,gender\n1,female,extra\n", ["gender"])


def test_run_draw_result_shape_and_quotas(files):
    people, cats = files
    result = run_draw(people, cats, size=5, seed=20260315)
    assert set(result) == {
        "feasible",
        "panel",
        "probabilities",
        "min_probability",
        "note",
        "seconds",
    }
    assert result["note"] == ""
    json.dumps(result)  # the CLI prints it as JSON
    assert result["feasible"] is True
    assert len(result["panel"]) == 5
    candidates = read_people(people, ["gender", "age"])
    assert not panel_meets_quotas(result["panel"], candidates, parse_categories(CATEGORIES))
    assert sum(result["probabilities"].values()) == pytest.approx(5, abs=1e-6)
    assert result["min_probability"] == min(result["probabilities"].values())


def test_run_draw_is_reproducible(files):
    people, cats = files
    first = run_draw(people, cats, 5, "20260315")
    again = run_draw(people, cats, 5, 20260315)
    assert first["panel"] == again["panel"]
    assert first["probabilities"] == again["probabilities"]
    panels = {tuple(run_draw(people, cats, 5, seed)["panel"]) for seed in range(6)}
    assert len(panels) > 1


def test_run_draw_legacy(files):
    people, cats = files
    result = run_draw(people, cats, 5, 7, method="legacy")
    assert result["feasible"] is True
    assert result["panel"] == run_draw(people, cats, 5, 7, method="legacy")["panel"]
    assert sum(result["probabilities"].values()) == pytest.approx(5, abs=1e-6)
    leximin = run_draw(people, cats, 5, 7)
    assert leximin["min_probability"] >= result["min_probability"] - 0.02


def test_run_draw_infeasible_explains(files, tmp_path: Path):
    people, _ = files
    cats = tmp_path / "tight.csv"
    cats.write_text(CATEGORIES.replace("gender,female,2,3", "gender,female,4,4"), "utf-8")
    result = run_draw(people, cats, size=5, seed=1)
    assert result["feasible"] is False
    assert "feature gender: minimums sum to 6 > panel size 5" in result["explanation"]
    assert result["panel"] == []


def test_run_draw_reports_unknown_values(files, tmp_path: Path):
    _, cats = files
    people = write_people(tmp_path / "odd.csv", [*POOL, ("r99", "female", "0-15")])
    with pytest.raises(SelectionInputError, match="candidate r99: age value '0-15'"):
        run_draw(people, cats, 5, 1)


def test_run_draw_rejects_unknown_method(files):
    people, cats = files
    with pytest.raises(ValueError, match="unknown method"):
        run_draw(people, cats, 5, 1, method="random")  # type: ignore[arg-type]


def test_stored_lottery_reproduces_the_draw(files):
    people, cats = files
    categories = read_categories(cats)
    dist = leximin_distribution(read_people(people, ["age", "gender"]), categories, 5)
    assert isinstance(dist, Distribution)
    stored = json.loads(json.dumps(distribution_to_dict(dist)))
    again = distribution_from_dict(stored)
    assert again == dist
    assert sample_panel(again, "2026-03-15") == sample_panel(dist, "2026-03-15")
