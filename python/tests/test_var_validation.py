"""Every var is checked before a run does anything (macros/validate_vars.sql).

The `unit` tests read the rules (the YAML inside csops.var_rules) and prove that every var of
dbt_project.yml has one and that the README's var tables name the same choices. The `dbt` tests
run dbt on the tiny data in a temporary warehouse: bad vars stop the run with one line each
("var <name>: got <value>; allowed: <values>") before any model is built; so do a reporting
currency without exchange rates, an fx day before the first rate, a plan billed in a currency
without rates and a missing fx file (fine for a single-currency company only); valid vars pass;
and dbt compile (which runs no hooks) gives the same line from the model that uses the var.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from csops.raw_variants import copy_raw, set_value

PROJECT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")
RULES = PROJECT / "macros" / "validate_vars.sql"


def var_rules() -> dict[str, dict]:
    text = RULES.read_text()
    block = re.search(r"\{%-? set rules_yaml -?%\}(.*?)\{%-? endset -?%\}", text, re.S)
    assert block, f"no rules_yaml block in {RULES}"
    return yaml.safe_load(block.group(1))


@pytest.mark.unit
def test_every_var_of_the_project_has_a_rule_and_every_rule_a_var():
    declared = set(yaml.safe_load((PROJECT / "dbt_project.yml").read_text())["vars"])
    rules = var_rules()
    assert declared - set(rules) == set(), "vars without a rule in csops.var_rules"
    required = {name for name, rule in rules.items() if not rule.get("optional")}
    assert required - declared == set(), "rules for vars dbt_project.yml does not define (mark them optional?)"
    for name, rule in rules.items():
        assert rule["kind"] in {"choice", "boolean", "date", "text_list", "currency_list", "hours", "currency",
                                "schema_prefix", "raw_folder", "days", "days_from_zero", "points",
                                "group_size", "whole_number", "count", "probability", "column_name",
                                "months", "month_list"}, name
        assert (rule["kind"] == "choice") == ("allowed" in rule), name


@pytest.mark.unit
def test_readme_var_tables_name_the_choices_the_check_allows():
    """A row of a README table headed `var` names a known var; a choice var's row names every value."""
    rules = var_rules()
    project_vars = yaml.safe_load((PROJECT / "dbt_project.yml").read_text())["vars"]
    checked = 0
    in_var_table = False
    for line in (PROJECT / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if not cells:
            in_var_table = False
            continue
        if cells[0] == "var":
            in_var_table = True
            continue
        name = re.fullmatch(r"`(\w+)`", cells[0])
        if not in_var_table or not name:
            continue
        name = name.group(1)
        assert name in rules, f"README names var {name}, which has no rule in csops.var_rules"
        rule = rules[name]
        if rule["kind"] == "choice":
            named = set(re.findall(r"`([^`]+)`", line))
            assert set(rule["allowed"]) <= named, f"README row of {name} lacks {set(rule['allowed']) - named}"
            default = str(project_vars[name])
            if "{{" not in default:  # a default rendered from an env var is described in words
                assert f"`{default}`" in cells[1], f"README row of {name} does not give its default {default}"
        checked += 1
    assert checked >= 5, "found no README table headed `var` to check"


@pytest.fixture(scope="module")
def project_run(tiny, tmp_path_factory):
    """dbt on the tiny data in a temporary warehouse: run(command, vars, select) -> (exit code, output)."""
    root = tmp_path_factory.mktemp("vars")
    warehouse = root / "w.duckdb"
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT), "CSOPS_RAW_DIR": str(tiny / "raw"),
           "CSOPS_WAREHOUSE": str(warehouse), "CSOPS_RAW_SOURCE_MODE": "parquet", "CSOPS_TARGET": "duckdb"}

    def run(command: str, vars_yaml: str, select: str = "+int_warehouse_as_of", raw: Path | None = None
            ) -> tuple[int, str]:
        r = subprocess.run([str(DBT), command, "--select", select, "--vars", vars_yaml,
                            "--target-path", str(root / "target"), "--log-path", str(root / "logs")],
                           cwd=PROJECT, env={**env, **({"CSOPS_RAW_DIR": str(raw)} if raw else {})},
                           capture_output=True, text=True)
        return r.returncode, r.stdout + r.stderr

    run.warehouse = warehouse
    return run


def lines(output: str) -> set[str]:
    return {line.strip() for line in output.splitlines()}


@pytest.mark.dbt
def test_bad_vars_stop_the_run_before_anything_is_built_one_line_each(project_run):
    code, out = project_run("run", "{mrr_zero_without_cancellation_is_churn: maybe, "
                                   "mrr_churn_recognition: end_of_month, revenue_as_of_date: '2026-02-30', "
                                   "reporting_currency: usd, expose_personal_data: 'yes'}")
    assert code != 0, out[-3000:]
    expected = {
        "var mrr_zero_without_cancellation_is_churn: got 'maybe'; allowed: true, false (YAML booleans, unquoted)",
        "var mrr_churn_recognition: got 'end_of_month'; allowed: end_of_period, cancellation",
        "var revenue_as_of_date: got '2026-02-30'; allowed: null or a date YYYY-MM-DD",
        "var reporting_currency: got 'usd'; allowed: an upper-case 3-letter currency code, e.g. USD",
        "var expose_personal_data: got 'yes'; allowed: true, false (YAML booleans, unquoted)",
    }
    assert expected <= lines(out), out[-3000:]
    # the run-start check (the hook after csops.apply_engine_settings) stops it before anything is built
    assert "csops-on-run-start-1" in out and "START sql" not in out and "registered" not in out, out[-3000:]


@pytest.mark.dbt
def test_a_reporting_currency_without_exchange_rates_stops_the_run(project_run):
    code, out = project_run("run", "{reporting_currency: GBP}")
    assert code != 0, out[-3000:]
    assert "var reporting_currency: got 'GBP'; allowed: a currency with rates in billing.fx_rates: EUR, JPY, USD" \
        in lines(out), out[-3000:]
    assert "START sql" not in out, out[-3000:]


@pytest.mark.dbt
def test_an_fx_day_before_the_first_rate_stops_the_run(project_run):
    code, out = project_run("run", "{reporting_fx_rate_date: '2024-01-01'}")
    assert code != 0, out[-3000:]
    # the rate days are the demo data's (its calendar start to the day before the as-of)
    assert any(x.startswith("var reporting_fx_rate_date: got '2024-01-01'; allowed: null or a day with USD rates "
                            "in billing.fx_rates (") and x.endswith(")") for x in lines(out)), out[-3000:]
    assert "START sql" not in out, out[-3000:]


@pytest.mark.dbt
def test_a_plan_billed_in_a_currency_without_rates_stops_the_run(project_run, tiny, tmp_path):
    raw = tmp_path / "raw"
    copy_raw(tiny / "raw", raw)
    set_value(raw, "billing.plans", "currency", "eur", "gbp")
    code, out = project_run("run", "{}", raw=raw)
    assert code != 0, out[-3000:]
    line = next((x for x in lines(out) if x.startswith("billing.fx_rates: no GBP rate on ")), None)
    assert line and re.search(r"GBP is billed by \d+ paid subscription item\(s\) of plan\(s\) .*plan_\w+_eur", line), \
        out[-3000:]
    code, out = project_run("run", "{reporting_fx_method: period_start}", raw=raw)
    assert code != 0, out[-3000:]
    assert any(x.startswith("billing.fx_rates: no GBP rate on or before ") and "first GBP rate none" in x
               for x in lines(out)), out[-3000:]


@pytest.mark.dbt
def test_without_an_fx_file_only_a_single_currency_company_runs(project_run, tiny, tmp_path):
    raw = tmp_path / "raw"
    copy_raw(tiny / "raw", raw)
    fx = raw / "billing" / "fx_rates"  # a folder of daily syncs, or one file
    shutil.rmtree(fx) if fx.is_dir() else (raw / "billing" / "fx_rates.parquet").unlink()
    code, out = project_run("run", "{}", raw=raw)
    assert code != 0, out[-3000:]
    assert ("billing.fx_rates: no rates (the table is absent or empty), but paid items are billed in EUR, JPY "
            "besides the reporting currency USD; add their rates (only a company billing in its reporting "
            "currency alone needs no fx file)") in lines(out), out[-3000:]
    for currency in ("eur", "jpy"):
        set_value(raw, "billing.plans", "currency", currency, "usd")
    code, out = project_run("run", "{}", raw=raw)
    assert code == 0, out[-3000:]
    code, out = project_run("run", "{reporting_currency: EUR}", raw=raw)
    assert code != 0, out[-3000:]
    assert ("var reporting_currency: got 'EUR'; allowed: a currency with rates in billing.fx_rates: none "
            "(no rates) (or USD, the one currency billed)") in lines(out), out[-3000:]


@pytest.mark.dbt
def test_valid_vars_pass(project_run):
    code, out = project_run("run", "{revenue_as_of_date: 2026-10-15, reporting_currency: EUR, "
                                   "reporting_fx_rate_date: '2026-10-30', mrr_churn_recognition: cancellation, "
                                   "mrr_zero_without_cancellation_is_churn: true, expose_personal_data: false, "
                                   "internal_domains: [lumenhq.com, lumen.dev], late_event_threshold_hours: 0}")
    assert code == 0, out[-3000:]
    with duckdb.connect(str(project_run.warehouse), read_only=True) as con:
        assert con.execute("select as_of_date from intermediate.int_warehouse_as_of").fetchall() == [
            (date(2026, 10, 15),)]


@pytest.mark.dbt
def test_compile_runs_no_hooks_but_the_model_using_a_var_checks_it(project_run):
    # a quoted 'false' is a string, which Jinja would take as true: rejected like any other string
    code, out = project_run("compile", "{mrr_zero_without_cancellation_is_churn: 'false'}", select="fct_mrr_movements")
    assert code != 0, out[-3000:]
    assert "var mrr_zero_without_cancellation_is_churn: got 'false'; allowed: true, false (YAML booleans, unquoted)" \
        in lines(out), out[-3000:]
    assert "Compilation Error in model fct_mrr_movements" in out, out[-3000:]


@pytest.mark.dbt
def test_bad_forecast_vars_stop_the_run_one_line_each(project_run):
    code, out = project_run("run", "{ml_forecast_months: 0, ml_forecast_rate_window_months: 1.5, "
                                   "ml_forecast_backtest_horizons_months: [3, 0], "
                                   "ml_forecast_sbg_min_cohort_customers: 2}")
    assert code != 0, out[-3000:]
    found = {line for line in lines(out) if line.startswith("var ml_forecast_")}
    assert {line.split(":")[0] for line in found} == {
        "var ml_forecast_months", "var ml_forecast_rate_window_months",
        "var ml_forecast_backtest_horizons_months", "var ml_forecast_sbg_min_cohort_customers",
    }, out[-3000:]
    assert "var ml_forecast_months: got 0; allowed: a whole number of months from 1 to 120" in found, found
    assert any("a non-empty list of whole numbers of months" in line for line in found), found
