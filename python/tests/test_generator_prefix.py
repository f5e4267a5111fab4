"""Prefix stability: the same scale and seed with a later --as-of rewrites every earlier raw file byte for
byte and only adds the partitions of later sync days (the simulated world does not depend on the as-of;
the as-of only cuts what is loaded before it)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from csops.generator import generate

pytestmark = pytest.mark.unit


def raw_files(raw: Path) -> dict[str, bytes]:
    return {str(p.relative_to(raw)): p.read_bytes() for p in sorted(raw.rglob("*.parquet"))}


def load_day(relative: str) -> str:
    return relative.split("loaded_date=")[1][:10]


@pytest.fixture(scope="module")
def earlier_roots(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for as_of in ("2026-10-01", "2026-10-15"):
        root = tmp_path_factory.mktemp(f"tiny_{as_of}")
        generate("tiny", 42, root / "raw", root / "truth", as_of=as_of)
        out[as_of] = root
    return out


@pytest.fixture(scope="module")
def earlier(earlier_roots) -> dict[str, dict[str, bytes]]:
    return {as_of: raw_files(root / "raw") for as_of, root in earlier_roots.items()}


@pytest.mark.parametrize("as_of, later_as_of", [("2026-10-01", "2026-10-15"), ("2026-10-01", "2026-11-01"),
                                                ("2026-10-15", "2026-11-01")])
def test_a_later_as_of_keeps_every_earlier_file_and_only_adds_later_days(tiny, earlier, as_of, later_as_of):
    before = earlier[as_of]
    after = earlier[later_as_of] if later_as_of in earlier else raw_files(tiny / "raw")
    assert all("loaded_date=" in f for f in before), "every table has rows before the as-of"
    missing = sorted(set(before) - set(after))
    changed = sorted(f for f in before if f in after and before[f] != after[f])
    assert not missing and not changed, (missing[:5], changed[:5])
    added = sorted(set(after) - set(before))
    assert added and all(as_of <= load_day(f) < later_as_of for f in added), added[:5]


def test_nothing_is_loaded_on_or_after_the_as_of(earlier, tmp_path):
    # the partition of the as-of day itself cannot exist
    assert max(load_day(f) for f in earlier["2026-10-15"]) == "2026-10-14"


def test_mutable_tables_arrive_as_version_logs(tiny):
    """A record's state changes arrive as new rows: subscriptions advance their periods, invoices are
    paid or given up after the last failed retry, opportunities move through their stages."""
    def read(table: str):
        return pq.read_table(tiny / "raw" / table, partitioning=None).to_pandas()

    subs = read("billing/subscriptions")
    per_sub = subs.groupby("id")["current_period_start"].nunique()
    assert per_sub.max() >= 6 and (per_sub > 1).mean() > 0.3
    opps = read("crm/opportunities")
    first_stage = opps.sort_values("_loaded_at").groupby("id")["stage_name"].first()
    assert not first_stage.isin(["Closed Won", "Closed Lost"]).all()
    assert opps.groupby("id")["stage_name"].nunique().max() >= 2
    invoices = read("billing/invoices")
    statuses = invoices.sort_values("_loaded_at").groupby("id")["status"].agg(list)
    assert any(s[0] == "open" and s[-1] == "paid" for s in statuses)
    manifest = json.loads((tiny / "raw" / "_manifest.json").read_text())
    assert manifest["horizon"] == "2027-05-01" and manifest["as_of"] == "2026-11-01"


@pytest.mark.parametrize("as_of", ["2026-10-01", "2026-10-15"])
def test_the_truth_is_cut_at_the_as_of_and_a_later_as_of_only_adds_to_it(tiny, earlier_roots, as_of):
    """What the truth says about a month end or a churn before an as-of does not depend on the as-of."""
    cut = pd.Timestamp(as_of)
    for name, when, key in [("churn_outlook_monthly", "month_end", ["customer_key", "month_end"]),
                            ("churn_events", "churn_date", ["customer_key", "churn_date"])]:
        before = pq.read_table(earlier_roots[as_of] / "truth" / f"{name}.parquet").to_pandas()
        after = pq.read_table(tiny / "truth" / f"{name}.parquet").to_pandas()
        assert len(before) and (pd.to_datetime(before[when]) < cut).all(), name
        after = after[pd.to_datetime(after[when]) < cut]
        pd.testing.assert_frame_equal(before.sort_values(key).reset_index(drop=True),
                                      after.sort_values(key).reset_index(drop=True), obj=name)
