"""Shared fixtures and the test categories.

Fixtures: demo data generated once per test session into temporary folders (`tiny`, `small`, and
SQL over them as `tiny_db`, `small_db`), `built_warehouse`, the warehouse `make test` built, and
`month_end_cut`, a warehouse built from its raw data cut at a month end (month_end_cut.py).

Every test is marked with exactly one of the categories registered in pyproject.toml: `unit`,
`dbt` or `warehouse`; collection fails otherwise, so `pytest -m unit` and friends split the suite.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from month_end_cut import MonthEndCut, build_month_end_cut

from csops.generator import generate

CATEGORIES = ("unit", "dbt", "warehouse")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects anything: every collected test is checked
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wrong = []
    for item in items:
        marks = sorted({m.name for m in item.iter_markers()} & set(CATEGORIES))
        if len(marks) != 1:
            wrong.append(f"{item.nodeid} ({', '.join(marks) or 'none'})")
    if wrong:
        raise pytest.UsageError(f"every test needs exactly one of the markers {', '.join(CATEGORIES)}; "
                                f"these have none or several: {'; '.join(wrong)}")


@pytest.fixture(scope="session")
def built_warehouse() -> tuple[Path, Path]:
    """(warehouse file, ground-truth folder) of the dbt build `make test` ran before pytest.

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


@pytest.fixture(scope="session")
def month_end_cut(built_warehouse, tmp_path_factory) -> MonthEndCut:
    """The built warehouse and one built from its raw data cut at the end of a month end (one build
    for the session, shared by the pytest workers)."""
    warehouse, truth = built_warehouse
    raw = Path(os.environ.get("CSOPS_RAW_DIR", truth.parent / "raw")).resolve()
    base = tmp_path_factory.getbasetemp()
    # under xdist each worker has its own base folder inside the session's: the workers share that one
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return build_month_end_cut(warehouse, raw, shared / "month_end_cut")


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tiny")
    generate("tiny", 42, root / "raw", root / "truth")
    return root


@pytest.fixture(scope="session")
def small(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("small")
    generate("small", 7, root / "raw", root / "truth")
    return root


class Raw:
    """SQL over a generated data set: raw tables as <system>_<table>, truth tables as truth_<name>."""

    def __init__(self, root: Path) -> None:
        self.con = duckdb.connect()
        # each raw table is a folder of daily-sync partitions (<table>/loaded_date=.../part-<k>.parquet)
        for f in sorted(p for p in (root / "raw").glob("*/*") if p.is_dir()):
            self.con.execute(f"create view {f.parent.name}_{f.name} as select * from "
                             f"read_parquet('{f}/**/*.parquet', hive_partitioning = false)")
            # mutable tables are version logs: latest_<system>_<table> is each record's last loaded version
            key = self.con.execute(f"select * from {f.parent.name}_{f.name} limit 0").description[0][0]
            self.con.execute(f"create view latest_{f.parent.name}_{f.name} as select * from {f.parent.name}_{f.name} "
                             f"qualify row_number() over (partition by {key} order by _loaded_at desc) = 1")
        for f in sorted((root / "truth").glob("*.parquet")):
            self.con.execute(f"create view truth_{f.stem} as select * from read_parquet('{f}')")

    def one(self, sql: str):
        return self.con.execute(sql).fetchone()[0]

    def rows(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()


@pytest.fixture(scope="session")
def small_db(small) -> Raw:
    return Raw(small)


@pytest.fixture(scope="session")
def tiny_db(tiny) -> Raw:
    return Raw(tiny)
