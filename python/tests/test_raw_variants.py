"""csops.raw_variants: the raw-folder variants make test builds (never touching the tiny data)."""

from __future__ import annotations

import json

import duckdb
import pytest

from csops.raw_variants import VariantError, copy_raw, empty_table, set_value, warned_tests

pytestmark = pytest.mark.unit


@pytest.fixture
def raw(tmp_path):
    src = tmp_path / "src"
    for system in ("billing", "support"):
        (src / system).mkdir(parents=True)
    duckdb.sql("copy (select * from (values (1, 'growth'), (2, 'starter')) as t(id, tier)) "
               f"to '{src / 'billing' / 'plans.parquet'}' (format parquet)")
    duckdb.sql(f"copy (select 1 as id) to '{src / 'support' / 'tickets.parquet'}' (format parquet)")
    return src


def rows(path):
    return duckdb.sql(f"select * from read_parquet('{path}') order by 1").fetchall()


def test_copy_leaves_out_switched_off_systems_and_changes_never_reach_the_source(raw, tmp_path):
    dst = tmp_path / "dst"
    copy_raw(raw, dst, without=["support"])
    assert not (dst / "support").exists()
    assert set_value(dst, "billing.plans", "tier", "growth", "basic") == 1
    assert rows(dst / "billing" / "plans.parquet") == [(1, "basic"), (2, "starter")]
    assert rows(raw / "billing" / "plans.parquet") == [(1, "growth"), (2, "starter")]
    empty_table(dst, "billing.plans")
    assert rows(dst / "billing" / "plans.parquet") == []
    assert [c[0] for c in duckdb.sql(f"describe select * from '{dst / 'billing' / 'plans.parquet'}'").fetchall()] \
        == ["id", "tier"]
    assert len(rows(raw / "billing" / "plans.parquet")) == 2


def test_a_missing_table_column_or_value_is_one_error(raw):
    with pytest.raises(VariantError, match="no raw table"):
        empty_table(raw, "billing.nothing")
    with pytest.raises(VariantError, match="no column"):
        set_value(raw, "billing.plans", "plan", "growth", "basic")
    with pytest.raises(VariantError, match="no row"):
        set_value(raw, "billing.plans", "tier", "gold", "basic")


def test_warned_tests_reads_dbt_run_results(tmp_path):
    results = tmp_path / "run_results.json"
    results.write_text(json.dumps({"results": [{"unique_id": "test.a.plan_tier", "status": "warn"},
                                               {"unique_id": "test.a.segment", "status": "pass"}]}))
    assert warned_tests(results, "plan_tier") == ["test.a.plan_tier"]
    assert warned_tests(results, "segment") == []
