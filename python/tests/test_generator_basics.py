"""Determinism, row counts per scale, referential integrity and the CLI of `csops generate`."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from csops.generator import TABLES, GenerateError, generate
from csops.generator.config import FLAW_RATES, SCALES

pytestmark = pytest.mark.unit


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files(tiny, tmp_path):
    generate("tiny", 42, tmp_path / "raw", tmp_path / "truth")
    assert digests(tmp_path / "raw") == digests(tiny / "raw")
    assert digests(tmp_path / "truth") == digests(tiny / "truth")


def test_other_seed_gives_other_data(tiny, tmp_path):
    generate("tiny", 43, tmp_path / "raw", tmp_path / "truth")
    a, b = digests(tmp_path / "raw"), digests(tiny / "raw")

    def by_table(files: dict[str, str]) -> dict[str, set[str]]:  # the files of each <system>/<table>
        out: dict[str, set[str]] = {}
        for path, digest in files.items():
            out.setdefault("/".join(Path(path).parts[:2]), set()).add(digest)
        return out

    ta, tb = by_table(a), by_table(b)
    assert ta.keys() == tb.keys()
    assert sum(ta[k] != tb[k] for k in ta) >= len(ta) - 3  # plans, features and crm users are catalogues


def test_every_table_of_every_system_is_written(tiny):
    for system, tables in TABLES.items():
        for table in tables:
            parts = list((tiny / "raw" / system / table).glob("loaded_date=*/part-*.parquet"))
            assert parts, f"{system}.{table}"
    manifest = json.loads((tiny / "raw" / "_manifest.json").read_text())
    assert manifest["flaw_rates"] == FLAW_RATES
    assert not list((tiny / "raw").glob("**/truth*")), "ground truth must not sit with the raw data"


def test_the_manifest_counts_exactly_the_tables_the_system_modules_declare(tiny):
    manifest = json.loads((tiny / "raw" / "_manifest.json").read_text())
    assert {s: set(t) for s, t in manifest["row_counts"].items()} == {s: set(t) for s, t in TABLES.items()}


@pytest.mark.parametrize("scale_name, fixture", [("tiny", "tiny_db"), ("small", "small_db")])
def test_row_counts_follow_the_scale(scale_name, fixture, request):
    db = request.getfixturevalue(fixture)
    scale = SCALES[scale_name]
    n = scale.customers
    n_test = max(2, round(FLAW_RATES["test_account"] * n))
    assert db.one("select count(distinct id) from billing_customers") == n + n_test
    assert db.one("select count(*) from truth_customers") == n
    assert db.one("select count(*) from truth_health_monthly") == n * scale.months
    # CRM: customers, their subsidiaries, duplicates, prospects (15%) and test accounts
    accounts = db.one("select count(distinct id) from crm_accounts")
    # (plus the accounts of customers who sign up after the as-of date: prospects until they do)
    assert n * 1.15 + n_test <= accounts <= n * 1.7
    # every customer has at least one contact and a workspace
    assert db.one("select count(distinct account_id) from crm_contacts") >= n
    assert db.one("select count(distinct workspace_id) from product_workspaces") >= n
    # product usage scales with customers: hundreds of events per customer over the window
    events = db.one("select count(*) from product_events")
    assert 50 * n <= events <= 2_000 * n
    # a window of months of history: invoices average several per customer
    assert db.one("select count(*) from billing_invoices") >= 2 * n


def test_large_scale_is_defined_for_100k_accounts_over_three_years():
    assert SCALES["large"].customers >= 100_000
    assert SCALES["large"].months >= 36


REFERENCES = [
    # (child table, child column, parent table, parent column): guaranteed by the source system itself
    ("billing_subscriptions", "customer_id", "billing_customers", "id"),
    ("billing_subscription_items", "subscription_id", "billing_subscriptions", "id"),
    ("billing_subscription_items", "plan_id", "billing_plans", "id"),
    ("billing_invoices", "subscription_id", "billing_subscriptions", "id"),
    ("billing_subscription_pauses", "subscription_id", "billing_subscriptions", "id"),
    ("billing_invoices", "customer_id", "billing_customers", "id"),
    ("billing_payments", "invoice_id", "billing_invoices", "id"),
    ("crm_contacts", "account_id", "crm_accounts", "id"),
    ("crm_opportunities", "account_id", "crm_accounts", "id"),
    ("crm_accounts", "parent_id", "crm_accounts", "id"),
    ("crm_accounts", "owner_id", "crm_users", "id"),
    ("product_users", "workspace_id", "product_workspaces", "workspace_id"),
    ("product_events", "workspace_id", "product_workspaces", "workspace_id"),
    ("product_events", "user_id", "product_users", "id"),
    ("product_events", "event_name", "product_features", "feature_key"),
    ("support_tickets", "organization_id", "support_organizations", "id"),
    ("surveys_csat_responses", "ticket_id", "support_tickets", "id"),
    ("cs_platform_activities", "account_id", "crm_accounts", "id"),
    ("cs_platform_check_ins", "activity_id", "cs_platform_activities", "id"),
    ("community_posts", "member_id", "community_members", "id"),
    ("community_event_attendance", "member_id", "community_members", "id"),
]


@pytest.mark.parametrize("child, column, parent, key", REFERENCES, ids=[f"{r[0]}.{r[1]}" for r in REFERENCES])
def test_referential_integrity_the_systems_guarantee(small_db, child, column, parent, key):
    orphans = small_db.one(
        f"select count(*) from {child} c where c.{column} is not null "
        f"and not exists (select 1 from {parent} p where p.{key} = c.{column})"
    )
    assert orphans == 0


def test_billing_crm_ids_point_at_real_accounts(small_db):
    assert small_db.one("select count(*) from billing_customers b where crm_account_id is not null and not "
                        "exists (select 1 from crm_accounts a where a.id = b.crm_account_id)") == 0


def test_nothing_happens_on_or_after_the_as_of_date(small_db):
    as_of = "timestamp '2026-11-01'"
    assert small_db.one(f"select max(occurred_at) < {as_of} and max(_loaded_at) < {as_of} from product_events")
    assert small_db.one(f"select max(to_timestamp(created)) < {as_of}::timestamptz from billing_invoices")
    assert small_db.one(f"select max(to_timestamp(created)) < {as_of}::timestamptz from billing_payments")
    assert small_db.one(f"select max(cast(created_at as timestamptz)) < {as_of}::timestamptz from support_tickets")


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "csops.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})


def test_cli_help():
    r = run_cli("generate", "--help")
    assert r.returncode == 0
    assert "--scale" in r.stdout and "--seed" in r.stdout and "--out" in r.stdout


def test_cli_rejects_an_unknown_scale(tmp_path):
    r = run_cli("generate", "--scale", "huge", "--out", str(tmp_path / "raw"))
    assert r.returncode == 2
    assert "huge" in r.stderr and "tiny" in r.stderr
    assert r.stderr.startswith("csops generate: error: ")
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr  # no usage text, no progress bar
    assert not (tmp_path / "raw").exists()


def test_cli_rejects_an_unwritable_folder(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    r = run_cli("generate", "--out", str(blocker / "raw"), "--quiet")
    assert r.returncode == 2
    assert "cannot write" in r.stderr and str(blocker) in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_cli_rejects_an_as_of_outside_the_calendar(tmp_path):
    # any day from a month into the scale's calendar to the horizon (DEFAULT_AS_OF + HORIZON_MONTHS)
    r = run_cli("generate", "--as-of", "2027-05-02", "--out", str(tmp_path / "raw"), "--quiet")
    assert r.returncode == 2 and "choose a date from 2025-09-02 to 2027-05-01" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = run_cli("generate", "--as-of", "2025-09-01", "--out", str(tmp_path / "raw"), "--quiet")
    assert r.returncode == 2 and "outside the tiny data's calendar" in r.stderr, r.stderr
    assert not (tmp_path / "raw").exists()


def test_cli_writes_data_and_says_where(tmp_path):
    r = run_cli("generate", "--scale", "tiny", "--out", str(tmp_path / "raw"), "--quiet")
    assert r.returncode == 0, r.stderr
    assert str(tmp_path / "raw") in r.stdout
    assert (tmp_path / "truth" / "customers.parquet").is_file()


def test_a_failed_run_keeps_the_previous_data(tiny, tmp_path, monkeypatch):
    out = tmp_path / "raw"
    generate("tiny", 42, out, tmp_path / "truth")
    before = digests(out)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("csops.generator.systems.support.emit", boom)
    with pytest.raises(RuntimeError):
        generate("tiny", 99, out, tmp_path / "truth")
    assert digests(out) == before
    assert not list(out.glob(".csops-generate-*"))


def test_truth_folder_inside_raw_is_refused(tmp_path):
    with pytest.raises(GenerateError, match="outside"):
        generate("tiny", 1, tmp_path / "raw", tmp_path / "raw" / "truth")


def test_company_names_and_domains_are_unique_across_customers_and_prospects(small_db):
    dupes = small_db.one("""
        select count(*) from (
            select lower(website) as domain
            from (select distinct id, regexp_replace(lower(trim(website)), '^(https?://)?(www\\.)?|/$', '', 'g')
                  as website from crm_accounts) a
            join truth_identity_map m on m.source_table = 'accounts' and m.source_id = a.id
            where m.entity_kind in ('customer', 'prospect')
            group by 1 having count(*) > 1)
    """)
    assert dupes == 0
