"""MRR, movements, NRR and GRR computed in plain Python from a hand-written billing fixture, compared
with what the dbt models make of the same fixture.

The fixture replaces the billing subscriptions of the tiny data set with five customers whose
stories are written out below; everything else (CRM, fx rates, plans) is the tiny data.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.dbt

PROJECT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")
AS_OF = date(2026, 10, 31)


@dataclass(frozen=True)
class Item:
    customer: str  # billing customer id
    subscription: str
    plan: str
    seats: int
    start: datetime
    end: datetime | None = None
    discount_pct: float = 0
    discount_end: datetime | None = None
    trial_end: datetime | None = None


def d(s: str) -> datetime:
    return datetime.fromisoformat(s)


ITEMS = [
    # A: monthly growth USD, 10 seats, expands to 12 in January
    Item("cus_a", "sub_a", "plan_growth_monthly_usd", 10, d("2025-09-03"), d("2026-01-03")),
    Item("cus_a", "sub_a", "plan_growth_monthly_usd", 12, d("2026-01-03")),
    # B: annual growth EUR, 20 seats (a twelfth of the yearly price a month, converted at constant rates)
    Item("cus_b", "sub_b", "plan_growth_yearly_eur", 20, d("2025-10-10")),
    # C: monthly starter USD with 20% off until March, churns at the end of its paid period in May
    Item("cus_c", "sub_c", "plan_starter_monthly_usd", 5, d("2025-09-20"), d("2026-05-20"), 20, d("2026-03-20")),
    # D: trial, converts, churns, comes back as a new subscription
    Item("cus_d", "sub_d1", "plan_growth_monthly_usd", 3, d("2025-11-01"), d("2026-02-15"), trial_end=d("2025-11-15")),
    Item("cus_d", "sub_d2", "plan_growth_monthly_usd", 4, d("2026-06-15")),
    # E: starts and cancels within April
    Item("cus_e", "sub_e", "plan_starter_monthly_usd", 2, d("2026-04-05"), d("2026-04-25")),
    # F: pauses billing from 5 March to 5 May (no MRR while paused; still a live customer)
    Item("cus_f", "sub_f", "plan_growth_monthly_usd", 6, d("2025-10-01")),
]
PAUSES = [("sub_f", d("2026-03-05"), d("2026-05-05"))]


def month_starts(first: date, last: date) -> list[date]:
    out, m = [], date(first.year, first.month, 1)
    while m <= last:
        out.append(m)
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return out


def expected_state(prices: dict[str, tuple[float, int, str]], rates: dict[str, float]) -> dict[str, dict[date, bool]]:
    """Customer -> month -> whether a subscription is live (in paid service, paused or not) at the close."""
    months = month_starts(date(2025, 9, 1), AS_OF)
    out: dict[str, dict[date, bool]] = {}
    for m in months:
        close = close_of(m)
        for it in ITEMS:
            paid_from = max(it.start, it.trial_end) if it.trial_end else it.start
            live = paid_from < close and (it.end is None or it.end >= close)
            out.setdefault(it.customer, {}).setdefault(m, False)
            out[it.customer][m] |= live
    return out


def close_of(m: date) -> datetime:
    nxt = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return datetime.combine(min(nxt, AS_OF + timedelta(days=1)), datetime.min.time())


def expected_mrr(prices: dict[str, tuple[float, int, str]], rates: dict[str, float]) -> dict[str, dict[date, float]]:
    """Customer -> month -> MRR at the month's close, by the definitions in the model docs."""
    months = month_starts(date(2025, 9, 1), AS_OF)
    out: dict[str, dict[date, float]] = {}
    for m in months:
        nxt = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
        close = datetime.combine(min(nxt, AS_OF + timedelta(days=1)), datetime.min.time())
        for it in ITEMS:
            unit, interval_months, currency = prices[it.plan]
            paid_from = max(it.start, it.trial_end) if it.trial_end else it.start
            live = paid_from < close and (it.end is None or it.end >= close)
            paused = any(sub == it.subscription and start < close <= end for sub, start, end in PAUSES)
            live = live and not paused
            disc = it.discount_pct if it.discount_pct and (it.discount_end is None or it.discount_end >= close) else 0
            mrr = it.seats * unit / interval_months / rates[currency] * (1 - disc / 100) if live else 0.0
            out.setdefault(it.customer, {}).setdefault(m, 0.0)
            out[it.customer][m] += mrr
    return out


def paid_in_month(customer: str, m: date, prices) -> bool:
    nxt = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    start, end = datetime.combine(m, datetime.min.time()), datetime.combine(nxt, datetime.min.time())
    return any(it.customer == customer and it.start < end and (it.end is None or it.end > start) for it in ITEMS)


def expected_movements(mrr: dict[str, dict[date, float]], prices, live: dict[str, dict[date, bool]]
                       ) -> dict[tuple[str, date, str], float]:
    out = {}
    for cust, by_month in mrr.items():
        prev, paid_before, live_before = 0.0, False, False
        for m in sorted(by_month):
            cur = round(by_month[m], 2)
            if prev == 0 and cur > 0:
                # a live customer at zero (paused) coming back expands; a churned one reactivates
                kind = "expansion" if live_before else "reactivation" if paid_before else "new"
                out[(cust, m, kind)] = cur
            elif prev > 0 and cur == 0:
                out[(cust, m, "contraction" if live[cust][m] else "churn")] = prev
            elif prev > 0 and cur > prev:
                out[(cust, m, "expansion")] = round(cur - prev, 2)
            elif prev > 0 and cur < prev:
                out[(cust, m, "contraction")] = round(prev - cur, 2)
            elif prev > 0:
                out[(cust, m, "unchanged")] = 0.0
            elif not live[cust][m] and paid_in_month(cust, m, prices):  # started and cancelled within the month
                it = next(i for i in ITEMS if i.customer == cust)
                unit, interval_months, _ = prices[it.plan]
                amount = round(it.seats * unit / interval_months, 2)
                out[(cust, m, "reactivation" if paid_before else "new")] = amount
                out[(cust, m, "churn")] = amount
                paid_before = True
            paid_before = paid_before or cur > 0
            live_before = live[cust][m]
            prev = cur
    return out


def customer_id(crm_account_id: str) -> str:
    return hashlib.md5(crm_account_id.encode()).hexdigest()


@pytest.fixture(scope="module")
def built(tiny, tmp_path_factory):
    root = tmp_path_factory.mktemp("revenue")
    raw = root / "raw"
    shutil.copytree(tiny / "raw", raw)
    con = duckdb.connect()
    accounts = [r[0] for r in con.execute(
        f"select distinct id from read_parquet('{tiny}/raw/crm/accounts.parquet') "
        "where type = 'Customer' and parent_id is null and not is_deleted order by id limit 6").fetchall()]
    crm_of = dict(zip(["cus_a", "cus_b", "cus_c", "cus_d", "cus_e", "cus_f"], accounts, strict=True))
    plans = {r[0]: (r[1], r[2], r[3]) for r in con.execute(
        f"select id, unit_amount / 100.0, case interval when 'year' then 12 else 1 end, upper(currency) "
        f"from read_parquet('{tiny}/raw/billing/plans.parquet')").fetchall()}
    rates_rows = con.execute(
        f"select quote_currency, rate from read_parquet('{tiny}/raw/billing/fx_rates.parquet') "
        f"where rate_date = (select max(rate_date) from read_parquet('{tiny}/raw/billing/fx_rates.parquet'))"
    ).fetchall()
    rates = dict(rates_rows)

    loaded = pa.array([datetime(2026, 10, 31, 12)] * len(crm_of), pa.timestamp("ms"))
    pq.write_table(pa.table({
        "id": list(crm_of), "crm_account_id": list(crm_of.values()), "name": list(crm_of),
        "email": [f"billing@{c}.example" for c in crm_of], "currency": ["usd"] * 6, "address_country": ["US"] * 6,
        "created": [1_750_000_000] * 6, "deleted": [False] * 6, "_loaded_at": loaded,
    }), raw / "billing" / "customers.parquet")

    def epoch(x: datetime | None) -> int | None:
        return None if x is None else int(x.replace(tzinfo=None).timestamp() - datetime(1970, 1, 1).timestamp())

    subs = {}
    for it in ITEMS:
        s = subs.setdefault(it.subscription, {"customer": it.customer, "start": it.start, "end": it.end,
                                              "trial_end": it.trial_end})
        s["end"] = it.end if s["end"] is not None and it.end is not None and it.end > s["end"] else (
            None if it.end is None else s["end"])
    n = len(subs)
    pq.write_table(pa.table({
        "id": list(subs), "customer_id": [s["customer"] for s in subs.values()],
        "status": ["canceled" if s["end"] else "active" for s in subs.values()],
        "currency": ["usd"] * n,
        "created": [epoch(s["start"]) for s in subs.values()],
        "start_date": [epoch(s["trial_end"] or s["start"]) for s in subs.values()],
        "trial_start": [epoch(s["start"]) if s["trial_end"] else None for s in subs.values()],
        "trial_end": [epoch(s["trial_end"]) for s in subs.values()],
        "current_period_start": [epoch(s["start"]) for s in subs.values()],
        "current_period_end": [epoch(s["start"]) for s in subs.values()],
        "cancel_at_period_end": [False] * n,
        "canceled_at": [epoch(s["end"]) for s in subs.values()],
        "ended_at": [epoch(s["end"]) for s in subs.values()],
        "_loaded_at": pa.array([datetime(2026, 10, 31, 12)] * n, pa.timestamp("ms")),
    }), raw / "billing" / "subscriptions.parquet")
    k = len(ITEMS)
    pq.write_table(pa.table({
        "id": [f"si_{i}" for i in range(k)], "subscription_id": [i.subscription for i in ITEMS],
        "plan_id": [i.plan for i in ITEMS], "quantity": [i.seats for i in ITEMS],
        "unit_amount": [round(plans[i.plan][0] * 100) for i in ITEMS],
        "discount_percent": pa.array([i.discount_pct or None for i in ITEMS], pa.float64()),
        "discount_end": pa.array([epoch(i.discount_end) for i in ITEMS], pa.int64()),
        "started_at": [epoch(i.start) for i in ITEMS],
        "ended_at": pa.array([epoch(i.end) for i in ITEMS], pa.int64()),
        "_loaded_at": pa.array([datetime(2026, 10, 31, 12)] * k, pa.timestamp("ms")),
    }), raw / "billing" / "subscription_items.parquet")

    pq.write_table(pa.table({
        "id": [f"pause_{i}" for i in range(len(PAUSES))], "subscription_id": [p[0] for p in PAUSES],
        "paused_at": [epoch(p[1]) for p in PAUSES], "resumes_at": [epoch(p[2]) for p in PAUSES],
        "_loaded_at": pa.array([datetime(2026, 10, 31, 12)] * len(PAUSES), pa.timestamp("ms")),
    }), raw / "billing" / "subscription_pauses.parquet")

    warehouse = root / "w.duckdb"
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT), "CSOPS_RAW_DIR": str(raw), "CSOPS_WAREHOUSE": str(warehouse)}
    r = subprocess.run([str(DBT), "build", "--resource-type", "model", "--resource-type", "seed",
                        "--select", "+rpt_revenue_retention", "+rpt_revenue_retention_cohorts",
                        "--vars", f"{{revenue_as_of_date: '{AS_OF}'}}", "--target-path", str(root / "target"),
                        "--log-path", str(root / "logs")], cwd=PROJECT, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    by_crm = {customer_id(v): k for k, v in crm_of.items()}
    return duckdb.connect(str(warehouse), read_only=True), plans, rates, by_crm


def test_customer_mrr_matches(built):
    con, plans, rates, by_crm = built
    expected = expected_mrr(plans, rates)
    got = {(by_crm[c], m): float(v) for c, m, v in con.execute(
        "select customer_id, month_start_date, mrr_amount from intermediate.int_customers_mrr_monthly").fetchall()}
    for cust, months in expected.items():
        for m, v in months.items():
            first = min(mm for mm, vv in months.items() if vv > 0 or paid_in_month(cust, mm, plans))
            if m < first:
                continue
            assert got[(cust, m)] == pytest.approx(v, abs=0.01), (cust, m)


def test_movements_match(built):
    con, plans, rates, by_crm = built
    expected = expected_movements(expected_mrr(plans, rates), plans, expected_state(plans, rates))
    got = {(by_crm[c], m, t): float(v) for c, m, t, v in con.execute(
        "select customer_id, month_start_date, movement_type, movement_mrr_amount from marts.fct_mrr_movements"
    ).fetchall()}
    assert set(got) == set(expected)
    for key, v in expected.items():
        assert got[key] == pytest.approx(v, abs=0.01), key
    # the stories happened: an expansion, a discount expiring, a churn, a reactivation, a same-month blip,
    # a pause (contraction to zero while live, expansion on resumption)
    kinds = {(c, t) for c, _, t in expected}
    assert {("cus_a", "expansion"), ("cus_c", "expansion"), ("cus_c", "churn"), ("cus_d", "reactivation"),
            ("cus_e", "new"), ("cus_e", "churn"), ("cus_f", "contraction"), ("cus_f", "expansion")} <= kinds


def test_nrr_and_grr_match(built):
    con, plans, rates, _ = built
    mrr = expected_mrr(plans, rates)
    for month in [date(2026, 9, 1), date(2026, 10, 1)]:
        year_ago = date(month.year - 1, month.month, 1)
        base = {c: v.get(year_ago, 0.0) for c, v in mrr.items() if v.get(year_ago, 0.0) > 0}
        now = {c: mrr[c].get(month, 0.0) for c in base}
        nrr = sum(now.values()) / sum(base.values())
        grr = sum(min(now[c], base[c]) for c in base) / sum(base.values())
        got_nrr, got_grr = con.execute(
            "select nrr_trailing_12m_ratio, grr_trailing_12m_ratio from marts.rpt_revenue_retention "
            "where month_start_date = ?", [month]).fetchone()
        assert got_nrr == pytest.approx(nrr, abs=1e-4)
        assert got_grr == pytest.approx(grr, abs=1e-4)
        assert grr <= 1.0
