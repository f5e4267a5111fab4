"""MRR, movements, NRR and GRR computed in plain Python from a hand-written billing fixture, compared
with what the dbt models make of the same fixture.

The fixture replaces the billing subscriptions of the tiny data set with seven customers whose
stories are written out below, and their invoices (a paid one for every service period, except
where a story says otherwise); everything else (CRM, fx rates, plans) is the tiny data.

Money is recomputed with Python's Decimal and rounded once, half up, per customer-month: the
marts must match to the cent.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
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
    # G: converts from a trial, but its only invoice is never paid (written off); billing ends it.
    # Not revenue (mrr_recognition_basis = paid_invoices): no new MRR, no churn.
    Item("cus_g", "sub_g", "plan_starter_monthly_usd", 4, d("2026-02-01"), d("2026-03-10"), trial_end=d("2026-02-10")),
]
PAUSES = [("sub_f", d("2026-03-05"), d("2026-05-05"))]
# subscriptions whose every invoice was written off (uncollectible)
UNPAID = {"sub_g"}
CUSTOMERS = ["cus_a", "cus_b", "cus_c", "cus_d", "cus_e", "cus_f", "cus_g"]
CENT = Decimal("0.01")


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
            live = paid_from < close and (it.end is None or it.end >= close) and it.subscription not in UNPAID
            out.setdefault(it.customer, {}).setdefault(m, False)
            out[it.customer][m] |= live
    return out


def close_of(m: date) -> datetime:
    nxt = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return datetime.combine(min(nxt, AS_OF + timedelta(days=1)), datetime.min.time())


def list_mrr(it: Item, prices, rates) -> Decimal:
    """Seats x price / months per interval, converted; exact to ten places (as the models keep it)."""
    unit_minor, interval_months, currency = prices[it.plan]
    rate = Decimal(str(rates[currency])).quantize(Decimal("0.000001"))
    return (Decimal(it.seats * unit_minor) / 100 / (interval_months * rate)).quantize(Decimal("1e-10"))


def rounded(x: Decimal) -> Decimal:
    """The one rounding: to the cent, half away from zero."""
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def expected_mrr(prices, rates) -> dict[str, dict[date, Decimal]]:
    """Customer -> month -> MRR at the month's close, by the definitions in the model docs, rounded once."""
    months = month_starts(date(2025, 9, 1), AS_OF)
    out: dict[str, dict[date, Decimal]] = {}
    for m in months:
        nxt = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
        close = datetime.combine(min(nxt, AS_OF + timedelta(days=1)), datetime.min.time())
        for it in ITEMS:
            paid_from = max(it.start, it.trial_end) if it.trial_end else it.start
            live = paid_from < close and (it.end is None or it.end >= close) and it.subscription not in UNPAID
            paused = any(sub == it.subscription and start < close <= end for sub, start, end in PAUSES)
            live = live and not paused
            disc = it.discount_pct if it.discount_pct and (it.discount_end is None or it.discount_end >= close) else 0
            mrr = list_mrr(it, prices, rates) * (100 - Decimal(str(disc))) / 100 if live else Decimal(0)
            out.setdefault(it.customer, {}).setdefault(m, Decimal(0))
            out[it.customer][m] += mrr
    return {c: {m: rounded(v) for m, v in by_month.items()} for c, by_month in out.items()}


def paid_in_month(customer: str, m: date, prices) -> bool:
    nxt = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    start, end = datetime.combine(m, datetime.min.time()), datetime.combine(nxt, datetime.min.time())
    return any(it.customer == customer and it.subscription not in UNPAID and it.start < end
               and (it.end is None or it.end > start) for it in ITEMS)


def expected_movements(mrr: dict[str, dict[date, Decimal]], prices, rates, live: dict[str, dict[date, bool]]
                       ) -> dict[tuple[str, date, str], Decimal]:
    out = {}
    for cust, by_month in mrr.items():
        prev, paid_before, live_before = Decimal(0), False, False
        for m in sorted(by_month):
            cur = by_month[m]
            if prev == 0 and cur > 0:
                # a live customer at zero (paused) coming back expands; a churned one reactivates
                kind = "expansion" if live_before else "reactivation" if paid_before else "new"
                out[(cust, m, kind)] = cur
            elif prev > 0 and cur == 0:
                out[(cust, m, "contraction" if live[cust][m] else "churn")] = prev
            elif prev > 0 and cur > prev:
                out[(cust, m, "expansion")] = cur - prev
            elif prev > 0 and cur < prev:
                out[(cust, m, "contraction")] = prev - cur
            elif prev > 0:
                out[(cust, m, "unchanged")] = Decimal(0)
            elif not live[cust][m] and paid_in_month(cust, m, prices):  # started and cancelled within the month
                it = next(i for i in ITEMS if i.customer == cust)
                amount = rounded(list_mrr(it, prices, rates))
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
    # the generator writes each table as a folder of load-day files (a version log): the tables the
    # fixture replaces become single files, the rest is read as written
    for table in ("customers", "subscriptions", "subscription_items", "subscription_pauses", "invoices"):
        shutil.rmtree(raw / "billing" / table)

    def table(system: str, name: str) -> str:
        return f"read_parquet('{tiny}/raw/{system}/{name}/**/*.parquet', hive_partitioning = false)"
    con = duckdb.connect()
    accounts = [r[0] for r in con.execute(
        f"select id from {table('crm', 'accounts')} group by id "
        f"having arg_max(type, _loaded_at) = 'Customer' and arg_max(parent_id, _loaded_at) is null "
        f"and not arg_max(is_deleted, _loaded_at) order by id limit {len(CUSTOMERS)}"
    ).fetchall()]
    crm_of = dict(zip(CUSTOMERS, accounts, strict=True))
    plans = {r[0]: (r[1], r[2], r[3]) for r in con.execute(
        f"select id, unit_amount, case interval when 'year' then 12 else 1 end * coalesce(interval_count, 1), "
        f"upper(currency) "
        f"from {table('billing', 'plans')}").fetchall()}
    rates_rows = con.execute(
        f"select quote_currency, rate from {table('billing', 'fx_rates')} "
        f"where rate_date = (select max(rate_date) from {table('billing', 'fx_rates')})"
    ).fetchall()
    rates = dict(rates_rows)

    loaded = pa.array([datetime(2026, 10, 31, 12)] * len(crm_of), pa.timestamp("ms"))
    pq.write_table(pa.table({
        "id": list(crm_of), "crm_account_id": list(crm_of.values()), "name": list(crm_of),
        "email": [f"billing@{c}.example" for c in crm_of], "currency": ["usd"] * len(crm_of),
        "address_country": ["US"] * len(crm_of),
        "created": [1_750_000_000] * len(crm_of), "deleted": [False] * len(crm_of), "_loaded_at": loaded,
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
        "unit_amount": [plans[i.plan][0] for i in ITEMS],
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

    # invoices: one per service period (a month, or a year on annual plans) from the end of the
    # trial to the end of the subscription, none while paused; paid, or written off for UNPAID
    inv = []
    for sub_id, s in subs.items():
        it = next(i for i in ITEMS if i.subscription == sub_id)
        step = plans[it.plan][1]
        start = s["trial_end"] or s["start"]
        stop = min(s["end"] or datetime.max, datetime.combine(AS_OF, datetime.min.time()))
        while start < stop:
            resume = next((e for sub, b, e in PAUSES if sub == sub_id and b <= start < e), None)
            if resume is not None:
                start = resume
                continue
            months_on = start.month - 1 + step
            end = start.replace(year=start.year + months_on // 12, month=months_on % 12 + 1)
            inv.append((sub_id, s["customer"], start, end, "uncollectible" if sub_id in UNPAID else "paid"))
            start = end
    invoices_schema = pq.read_schema(next((tiny / "raw" / "billing" / "invoices").glob("*/part-0.parquet")))
    pq.write_table(pa.table({
        "id": [f"in_{i}" for i in range(len(inv))], "customer_id": [v[1] for v in inv],
        "subscription_id": [v[0] for v in inv], "status": [v[4] for v in inv],
        "created": [epoch(v[2]) for v in inv], "due_date": [epoch(v[2]) for v in inv],
        "period_start": [epoch(v[2]) for v in inv], "period_end": [epoch(v[3]) for v in inv],
        "amount_due": [100] * len(inv), "amount_paid": [100 if v[4] == "paid" else 0 for v in inv],
        "currency": ["usd"] * len(inv),
        "_loaded_at": [datetime(2026, 10, 31, 12)] * len(inv),
    }).select(invoices_schema.names).cast(invoices_schema), raw / "billing" / "invoices.parquet")

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
    got = {(by_crm[c], m): v for c, m, v in con.execute(
        "select customer_id, month_start_date, mrr_amount from intermediate.int_customers_mrr_monthly").fetchall()}
    for cust, months in expected.items():
        paid_months = [mm for mm, vv in months.items() if vv > 0 or paid_in_month(cust, mm, plans)]
        if not paid_months:  # never paid (G): no revenue history at all
            assert not any(c == cust for c, _ in got), cust
            continue
        for m, v in months.items():
            if m < min(paid_months):
                continue
            # to the cent: money is exact until the customer-month and rounded once there
            assert got[(cust, m)] == v, (cust, m)


def test_movements_match(built):
    con, plans, rates, by_crm = built
    expected = expected_movements(expected_mrr(plans, rates), plans, rates, expected_state(plans, rates))
    got = {(by_crm[c], m, t): v for c, m, t, v in con.execute(
        "select customer_id, month_start_date, movement_type, movement_mrr_amount from marts.fct_mrr_movements"
    ).fetchall()}
    assert set(got) == set(expected)
    for key, v in expected.items():
        assert got[key] == v, key
    # the stories happened: an expansion, a discount expiring, a churn, a reactivation, a same-month blip,
    # a pause (contraction to zero while live, expansion on resumption)
    kinds = {(c, t) for c, _, t in expected}
    assert {("cus_a", "expansion"), ("cus_c", "expansion"), ("cus_c", "churn"), ("cus_d", "reactivation"),
            ("cus_e", "new"), ("cus_e", "churn"), ("cus_f", "contraction"), ("cus_f", "expansion")} <= kinds
    # the customer who never paid has no movement at all
    assert not any(c == "cus_g" for c, _ in kinds)


def test_nrr_and_grr_match(built):
    con, plans, rates, _ = built
    mrr = expected_mrr(plans, rates)
    for month in [date(2026, 9, 1), date(2026, 10, 1)]:
        year_ago = date(month.year - 1, month.month, 1)
        base = {c: float(v.get(year_ago, 0)) for c, v in mrr.items() if v.get(year_ago, 0) > 0}
        now = {c: float(mrr[c].get(month, 0)) for c in base}
        nrr = sum(now.values()) / sum(base.values())
        grr = sum(min(now[c], base[c]) for c in base) / sum(base.values())
        got_nrr, got_grr = con.execute(
            "select nrr_trailing_12m_ratio, grr_trailing_12m_ratio from marts.rpt_revenue_retention "
            "where month_start_date = ?", [month]).fetchone()
        assert got_nrr == pytest.approx(nrr, abs=1e-4)
        assert got_grr == pytest.approx(grr, abs=1e-4)
        assert grr <= 1.0
