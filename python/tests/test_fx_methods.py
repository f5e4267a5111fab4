"""reporting_fx_method end to end on the tiny data (three currencies): period_start converts each
service period at the rate of its start and books the currency effect as fx_impact, so the bridge
still balances (the singular test passes) and the GX suite mrr_matches_billing, which recomputes
MRR from billing with the build's own definitions, agrees.

The unit tests (_revenue__unit_tests.yml) pin the rule on hand-made rows; this proves the whole
chain - the run-start check, int_fx_rates_daily, the bridge, the report and the suite - runs on
real-shaped data.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.dbt

PROJECT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")


@pytest.fixture(scope="module")
def period_start_warehouse(tiny, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fx")
    warehouse = root / "w.duckdb"
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT), "CSOPS_RAW_DIR": str(tiny / "raw"),
           "CSOPS_WAREHOUSE": str(warehouse)}
    common = ["--vars", "{reporting_fx_method: period_start}", "--target-path", str(root / "target"),
              "--log-path", str(root / "logs")]
    # the revenue models, then the data tests of the bridge (the singular test and the marts' own)
    for command in (["build", "--select", "+rpt_revenue_retention", "int_revenue_definitions_applied",
                     "--resource-type", "model", "--resource-type", "seed"],
                    ["test", "--select", "assert_mrr_bridge_balances", "int_customers_mrr_monthly",
                     "fct_mrr_movements", "rpt_revenue_retention", "--exclude-resource-type", "unit_test"]):
        r = subprocess.run([str(DBT), *command, *common], cwd=PROJECT, env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "PASS assert_mrr_bridge_balances" in r.stdout, r.stdout[-3000:]
    r = subprocess.run([sys.executable, "-m", "csops.cli", "quality", "--warehouse", str(warehouse),
                        "--gx-root", str(root), "--suite", "mrr_matches_billing"],
                       cwd=PROJECT, env={**env, "PYTHONPATH": str(PROJECT / "python")}, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return warehouse


def test_period_start_books_the_currency_effect_apart(period_start_warehouse):
    with duckdb.connect(str(period_start_warehouse), read_only=True) as con:
        assert con.execute("select reporting_fx_method from intermediate.int_revenue_definitions_applied"
                           ).fetchall() == [("period_start",)]
        fx_rows, fx_total = con.execute("select count(*), sum(mrr_change_amount) from marts.fct_mrr_movements "
                                        "where movement_type = 'fx_impact'").fetchone()
        assert fx_rows > 0  # EUR and JPY customers move with their currencies
        assert con.execute("select sum(fx_impact_mrr_amount) from marts.rpt_revenue_retention").fetchone()[0] \
            == fx_total
        # opening + movements + fx impact = closing, every month, to the cent
        assert con.execute("""
            select count(*) from marts.rpt_revenue_retention
            where opening_mrr_amount + new_mrr_amount + expansion_mrr_amount + reactivation_mrr_amount
                  - contraction_mrr_amount - churned_mrr_amount + fx_impact_mrr_amount != closing_mrr_amount
        """).fetchone()[0] == 0
        # a USD customer never has an fx impact: the reporting currency converts at 1
        assert con.execute("""
            select count(*) from marts.fct_mrr_movements as m
            where m.movement_type = 'fx_impact' and m.customer_id in (
                select customer_id from intermediate.int_subscription_items_priced
                group by customer_id having bool_and(currency_code = 'USD'))
        """).fetchone()[0] == 0
