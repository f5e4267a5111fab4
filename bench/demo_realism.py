"""How much the demo data behaves like a real SaaS company: the figures of issue #9, measured.

    .venv/bin/python bench/demo_realism.py data/demo/raw [--truth data/demo/truth]

Reads every raw table either as `<system>/<table>.parquet` or as a folder of parquet files
(`<system>/<table>/**/*.parquet`, e.g. partitioned by load day), keeps the latest `_loaded_at` per
primary key, and joins the ground truth (default: the `truth` folder beside the raw folder) where a
figure needs the true customer, segment or latent health.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

# Primary key of every raw table this script reads.
KEYS = {
    ("surveys", "nps_responses"): "response_id",
    ("surveys", "csat_responses"): "response_id",
    ("billing", "customers"): "id",
    ("billing", "plans"): "id",
    ("billing", "subscriptions"): "id",
    ("billing", "subscription_items"): "id",
    ("billing", "invoices"): "id",
    ("billing", "payments"): "id",
    ("product", "events"): "event_id",
    ("cs_platform", "check_ins"): "id",
    ("cs_platform", "activities"): "id",
    ("community", "members"): "id",
    ("community", "posts"): "id",
}
TENURE_BANDS = "case when t < 3 then '0-2' when t < 6 then '3-5' when t < 12 then '6-11' " \
               "when t < 24 then '12-23' else '24+' end"
SEGMENTS = ("smb", "mid_market", "enterprise")


def source(raw: Path, system: str, table: str) -> str:
    """A read_parquet() over the table's file or folder of files."""
    single = raw / system / f"{table}.parquet"
    pattern = single if single.is_file() else raw / system / table / "**" / "*.parquet"
    return f"read_parquet('{pattern}', union_by_name=true)"


def register(con: duckdb.DuckDBPyConnection, raw: Path, truth: Path) -> None:
    """One view per raw table (latest version per key) and per truth table."""
    for (system, table), key in KEYS.items():
        con.execute(f"""create view {system}_{table} as select * exclude (_v) from (
            select *, row_number() over (partition by {key} order by _loaded_at desc) as _v
            from {source(raw, system, table)}) where _v = 1""")
    for f in ("customers", "health_monthly", "churn_events"):
        con.execute(f"create view truth_{f} as select * from read_parquet('{truth / f}.parquet')")
    con.execute("""create view truth_months as
        select h.*, c.segment, (is_paying or is_paused) as is_live,
               date_diff('month', c.paid_start_date, h.month_start) as tenure_months
        from truth_health_monthly h join truth_customers c using (customer_key)""")

def q(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def report(con: duckdb.DuckDBPyConnection) -> None:
    print("## Surveys")
    (prom, det, n) = q(con, """select avg((score >= 9)::int), avg((score <= 6)::int), count(*)
        from surveys_nps_responses where score between 0 and 10""")[0]
    print(f"NPS {100 * (prom - det):+.0f} (promoters {pct(prom)}, detractors {pct(det)}, {n} responses)")
    (sat, n) = q(con, "select avg((rating >= 4)::int), count(*) from surveys_csat_responses")[0]
    print(f"CSAT satisfied (4-5 of 5) {pct(sat)} ({n} responses)")

    print("\n## Logo churn per month (churns in the month / customers live at its start; tenure in months since paid start; truth)")
    con.execute("""create temp table churn_m as
        with m as (select *, lag(is_live) over (partition by customer_key order by month_start) as was_live
                   from truth_months),
        e as (select customer_key, date_trunc('month', churn_date)::date as month_start, count(*) as n
              from truth_churn_events group by all)
        select m.segment, m.tenure_months as t, m.month_start, coalesce(e.n, 0) > 0 as churned
        from m left join e using (customer_key, month_start) where m.was_live""")
    print("segment     " + "  ".join(f"{b:>6}" for b in ("all", "0-2", "3-5", "6-11", "12-23", "24+")))
    for seg in ("all", *SEGMENTS):
        where = "" if seg == "all" else f"where segment = '{seg}'"
        rows = dict(q(con, f"select {TENURE_BANDS}, avg(churned::int) from churn_m {where} group by 1"))
        total = q(con, f"select avg(churned::int) from churn_m {where}")[0][0]
        cells = [pct(total)] + [pct(rows.get(b)) for b in ("0-2", "3-5", "6-11", "12-23", "24+")]
        print(f"{seg:<11} " + "  ".join(f"{c:>6}" for c in cells))

    print("\n## Revenue retention, trailing 12 months to the as-of date (raw billing MRR in USD at start fx)")
    con.execute("""create temp table mrr_at as
        with d as (select max(month_start) + interval 1 month - interval 1 day as d1 from truth_health_monthly),
        days as (select d1::date as day, 'now' as k from d
                 union all select (d1 - interval 12 month)::date, 'then' from d),
        items as (
            select s.customer_id, i.quantity * i.unit_amount
                     / (case when p.interval = 'year' then 12 else 1 end * coalesce(p.interval_count, 1))
                     / (case upper(p.currency) when 'USD' then 100 when 'EUR' then 92 else 148 end) as mrr_full,
                   coalesce(i.discount_percent, 0) as disc, to_timestamp(i.discount_end) as disc_end,
                   to_timestamp(i.started_at) as st, to_timestamp(i.ended_at) as en
            from billing_subscription_items i join billing_subscriptions s on s.id = i.subscription_id
            join billing_plans p on p.id = i.plan_id)
        select c.customer_key, c.segment, days.k, sum(mrr_full * (1 - case when disc_end > days.day
                                                                        then disc else 0 end / 100)) as mrr
        from items join days on items.st <= days.day and (items.en is null or items.en > days.day)
        join truth_customers c on c.billing_customer_id = items.customer_id
        group by all""")
    for seg in ("all", *SEGMENTS):
        where = "" if seg == "all" else f"and t.segment = '{seg}'"
        nrr, grr, n = q(con, f"""select sum(coalesce(n.mrr, 0)) / sum(t.mrr),
                   sum(least(coalesce(n.mrr, 0), t.mrr)) / sum(t.mrr), count(*)
            from mrr_at t left join mrr_at n on n.customer_key = t.customer_key and n.k = 'now'
            where t.k = 'then' and t.mrr > 0 {where}""")[0]
        print(f"{seg:<11} NRR {pct(nrr):>7}  GRR {pct(grr):>7}  ({n} customers 12 months ago)")

    print("\n## Churn kinds (truth)")
    for seg in ("all", "enterprise"):
        where = "" if seg == "all" else f"where c.segment = '{seg}'"
        share, n = q(con, f"""select avg((churn_kind = 'involuntary')::int), count(*) from truth_churn_events e
            join truth_customers c using (customer_key) {where}""")[0]
        print(f"involuntary share of churn, {seg}: {pct(share)} ({n} churns)")

    print("\n## Product events")
    # a row is a session's use of a feature with its event_count (1 where an export has no such column)
    ev, rows, au = q(con, """select sum(coalesce(event_count, 1)), count(*),
        count(distinct (user_id, date_trunc('month', occurred_at))) from product_events""")[0]
    print(f"events per active user per month: {ev / max(au, 1):.1f} ({ev} events in {rows} rows, "
          f"{rows / max(au, 1):.1f} rows, {au} active user-months)")

    print("\n## CSM check-ins (enterprise)")
    con.execute("""create temp table ent_ci as
        select m.customer_key, m.month_start, count(ci.id) as n
        from truth_months m join truth_customers c using (customer_key)
        left join cs_platform_check_ins ci on ci.account_id = c.crm_account_id
             and date_trunc('month', cast(ci.checked_in_at as timestamptz) at time zone 'UTC') = m.month_start
        where m.is_live and m.segment = 'enterprise' group by all""")
    mean, z, one, two, sd = q(con, """select avg(n), avg((n = 0)::int), avg((n = 1)::int), avg((n >= 2)::int),
            (select stddev(r) from (select avg(n) as r from ent_ci group by customer_key having count(*) >= 6))
        from ent_ci""")[0]
    print(f"per account-month: mean {mean:.2f}; 0: {pct(z)}, 1: {pct(one)}, 2+: {pct(two)}; "
          f"sd of accounts' monthly rate {sd:.2f}")
    qbr = q(con, """select max(s), count(*) from (select count(*) over (partition by month(o)) * 1.0
            / count(*) over () as s, 1 from (select cast(occurred_at as timestamptz) as o
            from cs_platform_activities where activity_type = 'qbr'))""")[0]
    print(f"QBRs: largest share in one calendar month {pct(qbr[0])} (even spread: 8.3%)")
    con.execute("""create temp table ci_h as
        select h.latent_health, ci.sentiment,
               [adoption_status, value_realised_status, relationship_status, technical_fit_status] as ax
        from cs_platform_check_ins ci join truth_customers c on ci.account_id = c.crm_account_id
        join truth_health_monthly h on h.customer_key = c.customer_key
             and h.month_start = date_trunc('month', cast(ci.checked_in_at as timestamptz) at time zone 'UTC')""")
    df = con.execute("""select latent_health, sentiment,
            list_sum(list_transform(ax, a -> case a when 'red' then 0 when 'yellow' then 1 else 2 end))
              as axes_sum,
            case ax[1] when 'red' then 0 when 'yellow' then 1 else 2 end as adoption
        from ci_h""").df()
    rho = df.rank().corr()["latent_health"]
    print(f"rank correlation with latent health: sentiment {rho['sentiment']:.2f}, adoption axis "
          f"{rho['adoption']:.2f}, sum of the 4 axes {rho['axes_sum']:.2f} ({len(df)} check-ins)")

    print("\n## Community")
    after, n = q(con, """with mem as (
            select m.id, c.true_churn_date from community_members m
            join read_parquet(getvariable('idmap')) im on im.system = 'community'
                 and im.source_table = 'members' and im.source_id = m.id::varchar
            join truth_customers c on c.customer_key = im.customer_key)
        select avg((p.posted_at >= mem.true_churn_date)::int), count(*)
        from community_posts p join mem on mem.id = p.member_id where mem.true_churn_date is not null""")[0]
    print(f"posts of customers who churned for good dated after that churn: {pct(after)} (of {n})")

    print("\n## Ids")
    share = q(con, """with s as (select lower(substr(regexp_replace(crm_account_id, '^0015e0000', ''), 1, 5)) as a,
            lower(substr(regexp_replace(billing_customer_id, '^cus_', ''), 1, 5)) as b,
            lower(substr(regexp_replace(workspace_id, '^ws_', ''), 1, 5)) as w from truth_customers)
        select avg((a = b or a = w or b = w)::int) from s""")[0][0]
    print(f"customers whose CRM, billing and product ids share a 5-character stem: {pct(share)}")

    print("\n## Billing")
    mid, n = q(con, """select avg((start_date % 86400 = 0)::int), count(*) from billing_subscriptions
        where start_date is not null""")[0]
    print(f"subscription start_date at 00:00:00 UTC: {pct(mid)} (of {n})")
    long_trials = q(con, """select count(*) from billing_subscriptions where status = 'canceled'
        and start_date is null and current_period_end - current_period_start > 40 * 86400""")[0][0]
    print(f"unconverted trials showing a period longer than 40 days: {long_trials}")
    free = q(con, """select count(*) from billing_subscription_items i join billing_subscriptions s
        on s.id = i.subscription_id join billing_customers c on c.id = s.customer_id
        where lower(c.email) like '%lumenhq.com' and (coalesce(i.discount_percent, 0) >= 100
        or i.unit_amount = 0)""")[0][0]
    print(f"internal test items that are free: {free}")
    early = q(con, """select avg((p.created < i.due_date and i.due_date > i.created)::int), count(*)
        from billing_payments p join billing_invoices i on i.id = p.invoice_id
        where p.status = 'failed' and i.due_date > i.created""")[0]
    print(f"failed charges on net-terms invoices made before the due date: {pct(early[0])} (of {early[1]})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("raw", type=Path)
    ap.add_argument("--truth", type=Path, help="truth folder (default: ../truth beside the raw folder)")
    args = ap.parse_args()
    truth = args.truth or args.raw.parent / "truth"
    con = duckdb.connect()
    con.execute("set preserve_insertion_order = false")
    con.execute(f"set variable idmap = '{truth / 'identity_map.parquet'}'")
    register(con, args.raw, truth)
    report(con)


if __name__ == "__main__":
    main()
