"""The published files re-run with the Sortition Foundation's reference tool.

The tool is a test dependency only (``sortition-algorithms[cli]`` in the ``test`` extra), not
one of the portal; where it is not installed the test is skipped.
"""

from __future__ import annotations

import csv
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from portal.panels.reference import SETTINGS_FILENAME, reference_command, reference_settings
from portal.panels.selection_io import run_draw
from portal.panels.synthetic import COUNTY_SHARES, categories_csv, county_pool, county_quotas
from portal.panels.synthetic import people_csv as pool_csv


def _sortition_executable() -> str | None:
    beside_python = Path(sys.executable).with_name("sortition")
    return str(beside_python) if beside_python.exists() else shutil.which("sortition")


def test_settings_name_the_id_column_and_turn_off_the_address_check():
    settings = tomllib.loads(reference_settings())
    assert settings["id_column"] == "id"
    assert settings["check_same_address"] is False
    assert settings["check_same_address_columns"] == []
    assert settings["selection_algorithm"] == "maximin"


def test_command_is_one_line_naming_the_published_files():
    command = reference_command(12)
    assert "\n" not in command
    words = shlex.split(command)
    assert words[:2] == ["sortition", "csv"]
    options = dict(zip(words[2::2], words[3::2], strict=True))
    assert options == {
        "-S": SETTINGS_FILENAME,
        "-p": "people.csv",
        "-f": "categories.csv",
        "-s": "selected.csv",
        "-r": "remaining.csv",
        "-n": "12",
    }
    with pytest.raises(ValueError):
        reference_command(0)


@pytest.mark.skipif(_sortition_executable() is None, reason="sortition-algorithms not installed")
@pytest.mark.parametrize("seed", [3])
def test_reference_tool_meets_the_quotas_and_the_published_minimum(tmp_path, seed):
    seats = 8
    pool = county_pool(80, seed)
    quotas = county_quotas(seats, seed)
    (tmp_path / "people.csv").write_text(pool_csv(pool, list(COUNTY_SHARES)), encoding="utf-8")
    (tmp_path / "categories.csv").write_text(categories_csv(quotas), encoding="utf-8")
    (tmp_path / SETTINGS_FILENAME).write_text(reference_settings(), encoding="utf-8")
    published = run_draw(tmp_path / "people.csv", tmp_path / "categories.csv", seats, seed)
    assert published["feasible"]

    words = shlex.split(reference_command(seats))
    words[0] = _sortition_executable()
    done = subprocess.run(
        [*words, "--no-progress"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with open(tmp_path / "selected.csv", encoding="utf-8", newline="") as handle:
        selected = list(csv.DictReader(handle))
    assert len(selected) == seats
    assert {row["id"] for row in selected} <= {c.id for c in pool}
    for quota in quotas:
        seated = sum(row[quota.feature] == quota.value for row in selected)
        assert quota.min <= seated <= quota.max, quota
    # The tool reports the smallest probability it reached ("can do 10.00%"), to within its
    # 0.05 % optimality gap and two decimals of a percent.
    reached = re.findall(r"can do (\d+\.\d+)%", done.stdout + done.stderr)
    assert reached, done.stdout
    assert float(reached[-1]) / 100 == pytest.approx(published["min_probability"], abs=6e-4)
