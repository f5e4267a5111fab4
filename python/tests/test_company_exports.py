"""The done-when test of issue 10: a small company's own exports, built end to end, against MRR,
movements and NRR worked out by hand.

"Acme Analytics" is not the demo: its own plan names (`basic`, `pro`), USD only and no fx file at
all, a quarterly plan (interval month, interval_count 3) and a yearly one, item prices negotiated
below list price, and no support, surveys, CS platform or community tool (their `enable_<system>`
vars false; its product tables are exported but empty). Seven customers over January to June
2026: new, expansion, contraction, churn, a reactivation, and one who never paid.

The test writes the export folder with pyarrow in the raw contract's shape (types from the sources
YAML through `csops.raw_contract`), asserts `csops check-raw` accepts it, builds and publishes it
with `csops build` (dbt build with every test, then the GX suites), and compares the marts with
literal values computed by hand below (the arithmetic is in the comments), to the cent.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from csops.check_raw import check
from csops.raw_contract import load

pytestmark = pytest.mark.warehouse

PROJECT = Path(__file__).resolve().parents[2]
SWITCHED_OFF = ("support", "surveys", "cs_platform", "community")
LOADED = datetime(2026, 6, 30, 12)  # every file exported at once; the warehouse's clock is 2026-06-30
ARROW = {"varchar": pa.string(), "integer": pa.int64(), "double": pa.float64(), "boolean": pa.bool_(),
         "date": pa.date32(), "timestamp": pa.timestamp("us"), "timestamptz": pa.timestamp("us", tz="UTC")}


def epoch(day: str | None) -> int | None:
    """Billing's epoch seconds (UTC) of an ISO day."""
    return None if day is None else int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp())


def instant(day: str) -> datetime:
    """A CRM instant (timestamptz) at noon UTC."""
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


# ---- the company ------------------------------------------------------------------------------
# plan -> (tier, interval, interval_count, list price per seat per billing period in cents)
PLANS = {
    "basic_monthly": ("basic", "month", 1, 2000),  # 20.00 a seat a month
    "pro_quarterly": ("pro", "month", 3, 15000),  # 150.00 a seat a quarter = 50.00 a month
    "pro_yearly": ("pro", "year", 1, 48000),  # 480.00 a seat a year = 40.00 a month
}
# customer -> company name; each has one CRM account, one contact and one billing customer
CUSTOMERS = {"alpha": "Alpha Labs", "bravo": "Bravo Foods", "charlie": "Charlie Freight", "delta": "Delta Dental",
             "echo": "Echo Media", "foxtrot": "Foxtrot Legal", "golf": "Golf Robotics"}
# subscription -> (customer, status, start, canceled_at, ended_at)
SUBSCRIPTIONS = {
    "sub_alpha": ("alpha", "active", "2026-01-05", None, None),
    "sub_bravo": ("bravo", "active", "2026-01-10", None, None),
    "sub_charlie": ("charlie", "active", "2026-01-15", None, None),
    "sub_delta": ("delta", "canceled", "2026-02-01", "2026-03-15", "2026-04-01"),  # cancels at period end
    "sub_echo_1": ("echo", "canceled", "2026-01-20", "2026-03-01", "2026-03-20"),
    "sub_echo_2": ("echo", "active", "2026-05-03", None, None),  # comes back
    "sub_foxtrot": ("foxtrot", "active", "2026-03-01", None, None),
    "sub_golf": ("golf", "canceled", "2026-02-10", "2026-03-25", "2026-03-25"),  # never paid: written off
}
# item -> (subscription, plan, seats, negotiated price per seat per billing period in cents, start, end)
ITEMS = {
    "si_alpha_10": ("sub_alpha", "basic_monthly", 10, 1800, "2026-01-05", "2026-03-05"),  # 18.00, list 20.00
    "si_alpha_15": ("sub_alpha", "basic_monthly", 15, 1800, "2026-03-05", None),  # + 5 seats
    "si_bravo_4": ("sub_bravo", "pro_quarterly", 4, 13500, "2026-01-10", "2026-04-10"),  # 135.00, list 150.00
    "si_bravo_2": ("sub_bravo", "pro_quarterly", 2, 13500, "2026-04-10", None),  # down to 2 seats at renewal
    "si_charlie": ("sub_charlie", "pro_yearly", 5, 43200, "2026-01-15", None),  # 432.00, list 480.00
    "si_delta": ("sub_delta", "basic_monthly", 6, 2000, "2026-02-01", "2026-04-01"),  # list price
    "si_echo_1": ("sub_echo_1", "basic_monthly", 5, 1900, "2026-01-20", "2026-03-20"),
    "si_echo_2": ("sub_echo_2", "basic_monthly", 8, 1900, "2026-05-03", None),
    "si_foxtrot": ("sub_foxtrot", "pro_quarterly", 3, 15000, "2026-03-01", None),  # list price
    "si_golf": ("sub_golf", "basic_monthly", 4, 2000, "2026-02-10", "2026-03-25"),
}
# invoice -> (subscription, period start, period end, amount due in cents, status); one per service period
INVOICES = {
    "in_alpha_01": ("sub_alpha", "2026-01-05", "2026-02-05", 18000, "paid"),
    "in_alpha_02": ("sub_alpha", "2026-02-05", "2026-03-05", 18000, "paid"),
    "in_alpha_03": ("sub_alpha", "2026-03-05", "2026-04-05", 27000, "paid"),
    "in_alpha_04": ("sub_alpha", "2026-04-05", "2026-05-05", 27000, "paid"),
    "in_alpha_05": ("sub_alpha", "2026-05-05", "2026-06-05", 27000, "paid"),
    "in_alpha_06": ("sub_alpha", "2026-06-05", "2026-07-05", 27000, "paid"),
    "in_bravo_q1": ("sub_bravo", "2026-01-10", "2026-04-10", 54000, "paid"),
    "in_bravo_q2": ("sub_bravo", "2026-04-10", "2026-07-10", 27000, "paid"),
    "in_charlie_y1": ("sub_charlie", "2026-01-15", "2027-01-15", 216000, "paid"),
    "in_delta_02": ("sub_delta", "2026-02-01", "2026-03-01", 12000, "paid"),
    "in_delta_03": ("sub_delta", "2026-03-01", "2026-04-01", 12000, "paid"),
    "in_echo_01": ("sub_echo_1", "2026-01-20", "2026-02-20", 9500, "paid"),
    "in_echo_02": ("sub_echo_1", "2026-02-20", "2026-03-20", 9500, "paid"),
    "in_echo_05": ("sub_echo_2", "2026-05-03", "2026-06-03", 15200, "paid"),
    "in_echo_06": ("sub_echo_2", "2026-06-03", "2026-07-03", 15200, "paid"),
    "in_foxtrot_q1": ("sub_foxtrot", "2026-03-01", "2026-06-01", 45000, "paid"),
    "in_foxtrot_q2": ("sub_foxtrot", "2026-06-01", "2026-09-01", 45000, "paid"),
    "in_golf_02": ("sub_golf", "2026-02-10", "2026-03-10", 8000, "uncollectible"),
}

# ---- what finance would book, by hand ------------------------------------------------------------
# MRR at each month's close = seats x negotiated price / months in the billing period:
#   alpha   10 x 18.00 / 1 = 180.00 (Jan, Feb); 15 x 18.00 = 270.00 from March (seats added 5 March)
#   bravo    4 x 135.00 / 3 = 180.00 (Jan-Mar); 2 x 135.00 / 3 = 90.00 from April (renewed on 10 April)
#   charlie  5 x 432.00 / 12 = 180.00 every month
#   delta    6 x 20.00 = 120.00 in Feb and Mar (paid until 1 April, counted at March's close); 0 from April
#   echo     5 x 19.00 = 95.00 in Jan, Feb; ended 20 March: 0 in Mar, Apr; back with 8 x 19.00 = 152.00
#   foxtrot  3 x 150.00 / 3 = 150.00 from March
#   golf     its only invoice was written off: never revenue, no MRR and no movement at all
MONTHS = [date(2026, m, 1) for m in range(1, 7)]
D = Decimal
EXPECTED_MRR = {  # customer -> MRR at the close of Jan .. Jun, from its first paid month
    "alpha": [D("180.00"), D("180.00"), D("270.00"), D("270.00"), D("270.00"), D("270.00")],
    "bravo": [D("180.00"), D("180.00"), D("180.00"), D("90.00"), D("90.00"), D("90.00")],
    "charlie": [D("180.00"), D("180.00"), D("180.00"), D("180.00"), D("180.00"), D("180.00")],
    "delta": [None, D("120.00"), D("120.00"), D("0.00"), D("0.00"), D("0.00")],
    "echo": [D("95.00"), D("95.00"), D("0.00"), D("0.00"), D("152.00"), D("152.00")],
    "foxtrot": [None, None, D("150.00"), D("150.00"), D("150.00"), D("150.00")],
}
# totals: Jan 180+180+180+95 = 635; Feb 635+120 = 755; Mar 270+180+180+120+150 = 900;
#         Apr 270+90+180+150 = 690; May 690+152 = 842; Jun 842
EXPECTED_TOTALS = [D("635.00"), D("755.00"), D("900.00"), D("690.00"), D("842.00"), D("842.00")]
# the bridge: (customer, month, movement) -> signed MRR change ('unchanged' rows carry 0)
EXPECTED_MOVEMENTS = {
    ("alpha", 1, "new"): D("180.00"), ("bravo", 1, "new"): D("180.00"), ("charlie", 1, "new"): D("180.00"),
    ("echo", 1, "new"): D("95.00"),  # January: 0 + 635 new = 635
    ("delta", 2, "new"): D("120.00"),  # February: 635 + 120 = 755
    ("foxtrot", 3, "new"): D("150.00"), ("alpha", 3, "expansion"): D("90.00"),  # 270 - 180
    ("echo", 3, "churn"): D("-95.00"),  # March: 755 + 150 + 90 - 95 = 900
    ("bravo", 4, "contraction"): D("-90.00"),  # 90 - 180
    ("delta", 4, "churn"): D("-120.00"),  # April: 900 - 90 - 120 = 690
    ("echo", 5, "reactivation"): D("152.00"),  # May: 690 + 152 = 842
}
# Cohort NRR of January's customers (alpha, bravo, charlie, echo: 635.00 at January's close):
#   April: 270 + 90 + 180 + 0 = 540      -> NRR 540 / 635 ; GRR (min(270,180) + 90 + 180 + 0) = 450 / 635
#   June:  270 + 90 + 180 + 152 = 692    -> NRR 692 / 635 ; GRR (180 + 90 + 180 + min(152,95)) = 545 / 635
EXPECTED_JANUARY_COHORT = {3: (D(540), D(450)), 5: (D(692), D(545))}
# Logo churn: March, echo of 5 opening customers (alpha, bravo, charlie, delta, echo) = 1/5;
#             April, delta of 5 (alpha, bravo, charlie, delta, foxtrot) = 1/5


def write(raw: Path, system: str, table: str, rows: list[dict]) -> None:
    """One raw table as Parquet, every column of the contract in its type (missing values null)."""
    contract = load(PROJECT)[system][table]
    unknown = {k for row in rows for k in row} - set(contract.column_names)
    assert not unknown, f"{system}.{table}: not in the raw contract: {unknown}"
    columns = {c.name: pa.array([row.get(c.name) for row in rows], ARROW[c.data_type]) for c in contract.columns}
    (raw / system).mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), raw / system / f"{table}.parquet")


def write_exports(raw: Path) -> None:
    loaded = {"_loaded_at": LOADED}
    write(raw, "crm", "users", [{
        "id": "u_csm", "name": "Casey Moore", "email": "casey@acme-analytics.example", "user_role": "CSM",
        "segment_coverage": "smb", "manager_id": None, "is_active": True, "created_date": instant("2025-01-02"),
        **loaded}])
    write(raw, "crm", "accounts", [{
        "id": f"acc_{c}", "name": name, "website": f"https://www.{c}.example", "type": "Customer",
        "industry": "software", "segment__c": "SMB", "number_of_employees": 40, "billing_country": "US",
        "currency_iso_code": "USD", "owner_id": "u_csm", "parent_id": None, "created_date": instant("2025-12-01"),
        "last_modified_date": instant("2026-06-01"), "is_deleted": False, **loaded} for c, name in CUSTOMERS.items()])
    write(raw, "crm", "contacts", [{
        "id": f"con_{c}", "account_id": f"acc_{c}", "first_name": "Sam", "last_name": c.title(),
        "email": f"sam@{c}.example", "title": "Head of Operations", "is_primary_contact": True,
        "created_date": instant("2025-12-01"), "is_deleted": False, **loaded} for c in CUSTOMERS])
    write(raw, "crm", "opportunities", [])
    write(raw, "billing", "customers", [{
        "id": f"cus_{c}", "crm_account_id": f"acc_{c}", "name": name, "email": f"billing@{c}.example",
        "currency": "usd", "address_country": "US", "created": epoch("2026-01-02"), "deleted": False, **loaded}
        for c, name in CUSTOMERS.items()])
    write(raw, "billing", "plans", [{
        "id": plan, "product_name": f"Acme {tier.title()}", "tier": tier, "interval": interval,
        "interval_count": count, "currency": "usd", "unit_amount": price, "active": True,
        "created": epoch("2025-06-01"), **loaded} for plan, (tier, interval, count, price) in PLANS.items()])
    write(raw, "billing", "subscriptions", [{
        "id": sub, "customer_id": f"cus_{customer}", "status": status, "currency": "usd", "created": epoch(start),
        "start_date": epoch(start), "trial_start": None, "trial_end": None,
        "current_period_start": epoch(max(v[1] for v in INVOICES.values() if v[0] == sub)),
        "current_period_end": epoch(max(v[2] for v in INVOICES.values() if v[0] == sub)),
        "cancel_at_period_end": canceled is not None and status == "active", "canceled_at": epoch(canceled),
        "ended_at": epoch(ended), **loaded}
        for sub, (customer, status, start, canceled, ended) in SUBSCRIPTIONS.items()])
    write(raw, "billing", "subscription_items", [{
        "id": item, "subscription_id": sub, "plan_id": plan, "quantity": seats, "unit_amount": price,
        "discount_percent": None, "discount_end": None, "started_at": epoch(start), "ended_at": epoch(end), **loaded}
        for item, (sub, plan, seats, price, start, end) in ITEMS.items()])
    write(raw, "billing", "subscription_pauses", [])
    write(raw, "billing", "invoices", [{
        "id": inv, "customer_id": f"cus_{SUBSCRIPTIONS[sub][0]}", "subscription_id": sub, "status": status,
        "created": epoch(start), "due_date": epoch(start), "period_start": epoch(start), "period_end": epoch(end),
        "amount_due": amount, "amount_paid": amount if status == "paid" else 0, "currency": "usd", **loaded}
        for inv, (sub, start, end, amount, status) in INVOICES.items()])
    write(raw, "billing", "payments", [{
        "id": f"ch_{inv}", "invoice_id": inv, "customer_id": f"cus_{SUBSCRIPTIONS[sub][0]}", "created": epoch(start),
        "amount": amount, "currency": "usd", "status": "succeeded" if status == "paid" else "failed",
        "failure_code": None if status == "paid" else "card_declined", "attempt_count": 1, **loaded}
        for inv, (sub, start, _end, amount, status) in INVOICES.items()])
    # no billing/fx_rates: everything is billed in the reporting currency
    for table in ("workspaces", "users", "features", "events"):
        write(raw, "product", table, [])


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> tuple[Path, duckdb.DuckDBPyConnection]:
    root = tmp_path_factory.mktemp("acme")
    raw = root / "raw"
    write_exports(raw)
    warehouse = root / "warehouse" / "acme.duckdb"
    warehouse.parent.mkdir()
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT), "DBT_TARGET_PATH": str(root / "target"),
           "DBT_LOG_PATH": str(root / "logs"), "PYTHONPATH": str(PROJECT / "python")}
    env.pop("CSOPS_RAW_DIR", None)
    switches = ", ".join(f"enable_{s}: false" for s in SWITCHED_OFF)
    r = subprocess.run([sys.executable, "-m", "csops.cli", "build", "--quiet", "--full-refresh",
                        "--warehouse", str(warehouse), "--raw-dir", str(raw), "--gx-root", str(root),
                        "--vars", f"{{{switches}}}"], cwd=PROJECT, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    con = duckdb.connect(str(warehouse), read_only=True)
    yield raw, con
    con.close()


def names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """customer_id -> the story's name, through the CRM account each customer resolves to."""
    return dict(con.execute("""
        select customer_id, replace(source_id, 'cus_', '') from intermediate.int_customers_identity_resolved
        where source_system = 'billing' and source_table = 'customers'
    """).fetchall())


def test_the_exports_match_the_raw_contract(company):
    raw, _ = company
    assert not (raw / "billing" / "fx_rates.parquet").exists()
    assert check(raw, skip=SWITCHED_OFF) == []


def test_mrr_per_customer_and_month(company):
    _, con = company
    who = names(con)
    got = {(who[c], m): v for c, m, v in con.execute(
        "select customer_id, month_start_date, mrr_amount from intermediate.int_customers_mrr_monthly").fetchall()}
    expected = {(c, m): v for c, values in EXPECTED_MRR.items() for m, v in zip(MONTHS, values, strict=True)
                if v is not None}
    assert got == expected  # golf never paid: no row at all


def test_monthly_totals_and_the_bridge(company):
    _, con = company
    rows = con.execute("""
        select month_start_date, opening_mrr_amount, new_mrr_amount, expansion_mrr_amount, reactivation_mrr_amount,
               contraction_mrr_amount, churned_mrr_amount, fx_impact_mrr_amount, closing_mrr_amount, logo_churn_ratio,
               nrr_trailing_12m_ratio
        from marts.rpt_revenue_retention order by month_start_date""").fetchall()
    assert [r[0] for r in rows] == MONTHS
    assert [r[8] for r in rows] == EXPECTED_TOTALS
    assert [r[1:8] for r in rows] == [
        (D("0.00"), D("635.00"), D(0), D(0), D(0), D(0), D(0)),
        (D("635.00"), D("120.00"), D(0), D(0), D(0), D(0), D(0)),
        (D("755.00"), D("150.00"), D("90.00"), D(0), D(0), D("95.00"), D(0)),
        (D("900.00"), D(0), D(0), D(0), D("90.00"), D("120.00"), D(0)),
        (D("690.00"), D(0), D(0), D("152.00"), D(0), D(0), D(0)),
        (D("842.00"), D(0), D(0), D(0), D(0), D(0), D(0)),
    ]
    assert [r[9] for r in rows][2:4] == [pytest.approx(0.2, abs=1e-12)] * 2  # 1 of 5 opening customers
    assert all(r[10] is None for r in rows)  # no customer had MRR twelve months ago


def test_movements(company):
    _, con = company
    who = names(con)
    got = {(who[c], m.month, t): v for c, m, t, v in con.execute(
        "select customer_id, month_start_date, movement_type, mrr_change_amount from marts.fct_mrr_movements"
    ).fetchall() if t != "unchanged"}
    assert got == EXPECTED_MOVEMENTS
    churn_types = dict(((who[c], m.month), t) for c, m, t in con.execute(
        "select customer_id, month_start_date, churn_type from marts.fct_mrr_movements where movement_type = 'churn'"
    ).fetchall())
    assert churn_types == {("echo", 3): "voluntary", ("delta", 4): "voluntary"}


def test_january_cohort_nrr_and_grr(company):
    _, con = company
    for k, (mrr_now, capped) in EXPECTED_JANUARY_COHORT.items():
        starting, mrr, nrr, grr = con.execute("""
            select starting_mrr_amount, mrr_amount, nrr_ratio, grr_ratio from marts.rpt_revenue_retention_cohorts
            where cohort_month = '2026-01-01' and months_since_first_paid = ?""", [k]).fetchone()
        assert (starting, mrr) == (D("635.00"), mrr_now)
        assert D(str(nrr)).quantize(D("1e-9")) == (mrr_now / D(635)).quantize(D("1e-9"))
        assert D(str(grr)).quantize(D("1e-9")) == (capped / D(635)).quantize(D("1e-9"))


def test_renewals_and_the_customer_360(company):
    _, con = company
    who = names(con)
    # charlie's yearly term ends 15 January 2027: 5 x 432.00 = 2,160.00 ARR up for renewal
    renewals = [(who[c], d, a, o) for c, d, a, o in con.execute(
        "select customer_id, renewal_date, arr_up_for_renewal_amount, renewal_outcome from marts.fct_renewals"
    ).fetchall()]
    assert renewals == [("charlie", date(2027, 1, 15), D("2160.00"), None)]
    status = {who[c]: (s, m) for c, s, m in con.execute(
        "select customer_id, lifecycle_status, mrr_amount from marts.dim_customers where customer_id in "
        "(select customer_id from intermediate.int_customers_revenue_summarised)").fetchall()}
    assert status == {
        "alpha": ("paying", D("270.00")), "bravo": ("paying", D("90.00")), "charlie": ("paying", D("180.00")),
        "delta": ("churned", D("0.00")), "echo": ("paying", D("152.00")), "foxtrot": ("paying", D("150.00")),
        "golf": ("churned", D("0.00")),
    }
    # no support or survey tool: their 360 columns are null ("no such system"), not 0
    assert con.execute("select count(*) from marts.dim_customers where open_tickets is not null").fetchone()[0] == 0
