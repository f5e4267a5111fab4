"""Access to the warehouse `make test` builds (dbt build on the tiny data) for tests that grade it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def built_warehouse() -> tuple[Path, Path]:
    """(warehouse file, ground-truth folder) of the dbt build that ran before pytest.

    Skips when there is none (pytest run on its own), unless CSOPS_REQUIRE_WAREHOUSE is set, as
    `make test` does: there a missing warehouse is a failure, never a skip.
    """
    warehouse = Path(os.environ.get("CSOPS_WAREHOUSE", "warehouse/test.duckdb"))
    raw = Path(os.environ.get("CSOPS_RAW_DIR", "data/tiny/raw"))
    truth = raw.parent / "truth"
    if not warehouse.is_file() or not truth.is_dir():
        message = f"no built warehouse at {warehouse} (or truth at {truth}); run make test"
        if os.environ.get("CSOPS_REQUIRE_WAREHOUSE"):
            pytest.fail(message)
        pytest.skip(message)
    return warehouse, truth
