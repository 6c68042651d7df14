from __future__ import annotations

from pathlib import Path

import pytest

from portal.deliberation.analysis import ExportAnalysis, analyse
from portal.deliberation.polis_io import PolisExport, read_export

VTAIWAN = Path(__file__).parent / "data" / "vtaiwan.uberx"


@pytest.fixture(scope="session")
def vtaiwan_dir() -> Path:
    return VTAIWAN


@pytest.fixture(scope="session")
def vtaiwan() -> PolisExport:
    return read_export(VTAIWAN)


@pytest.fixture(scope="session")
def vtaiwan_analysis(vtaiwan: PolisExport) -> ExportAnalysis:
    return analyse(vtaiwan, seed=0)
