"""Shared fixtures: demo data generated once per test session into temporary folders."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from csops.generator import generate


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
        for f in sorted((root / "raw").glob("*/*.parquet")):
            self.con.execute(f"create view {f.parent.name}_{f.stem} as select * from read_parquet('{f}')")
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
