"""One warehouse built from the raw data cut at the end of a month end D, shared by the point-in-time
tests of the health score, the journey and the CS signals, and the churn features.

The cut (test_point_in_time.cut_raw: every row loaded before the midnight after D) is built once per
test session with its as-of day set to D (var revenue_as_of_date, as on the evening of D, whether or
not billing delivered anything that very day). Under pytest-xdist the workers share it: the first to
ask builds it under a file lock, the others wait and read it (the build is the slow part of each of
those tests, about half a minute on tiny).
"""

from __future__ import annotations

import fcntl
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
from test_point_in_time import cut_raw, dbt

# every model the point-in-time tests compare, and what they read
SELECTED = ["+int_customer_health_scored", "+int_journey_stages_chosen", "+int_cs_signals_daily", "+ml_churn_features"]


@dataclass(frozen=True)
class MonthEndCut:
    warehouse: Path  # the full warehouse `make test` built
    cut_warehouse: Path  # built from its raw data cut at the end of `day`
    day: date


def pick_month_end(con: duckdb.DuckDBPyConnection) -> date:
    """The latest month end at least 60 days before the full warehouse's as-of day: two months of
    later loads to leave out, a year of month ends before it, and inside the health score's daily
    window (180 days), so the full warehouse scored D too."""
    as_of = con.execute("select as_of_date from intermediate.int_warehouse_as_of").fetchone()[0]
    before = as_of - timedelta(days=60)
    return before.replace(day=1) - timedelta(days=1) if (before + timedelta(days=1)).day != 1 else before


def build_month_end_cut(warehouse: Path, raw: Path, root: Path) -> MonthEndCut:
    """The cut warehouse under `root`, built unless an earlier call (in any process) built it there."""
    root.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        day = pick_month_end(con)
    cut_warehouse = root / "cut" / "cut.duckdb"
    done = root / "built"
    with open(root / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.is_file():
            for leftover in (root / "raw", cut_warehouse.parent):  # of a build that failed
                shutil.rmtree(leftover, ignore_errors=True)
            end_of_day = datetime.combine(day + timedelta(days=1), datetime.min.time()) - timedelta(microseconds=1)
            cut_raw(raw, root / "raw", end_of_day)
            cut_warehouse.parent.mkdir()
            dbt(["build", "--quiet", "--select", *SELECTED, "--vars", f"{{revenue_as_of_date: '{day}'}}",
                 "--exclude", "resource_type:test", "resource_type:unit_test"], root / "raw", cut_warehouse)
            done.write_text(day.isoformat())
    return MonthEndCut(warehouse, cut_warehouse, day)
