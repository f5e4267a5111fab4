"""Grade the warehouse's identity resolution against the generator's ground truth.

A link is a source record mapped to a customer. Truth says which true customer (or none: prospects,
internal accounts, people with no customer behind them) each record belongs to; the warehouse says
which customer account it resolved to, and that account's own truth gives the true customer it
stands for.

- precision = correct links / links made to a true customer
- recall    = correct links / records that truly belong to a customer

Internal test records are excluded on both sides (the warehouse flags them; truth has no customer).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from .errors import CsopsError
from .warehouse import connect_read_only

# warehouse source_table -> truth (system, source_table)
TRUTH_TABLES = {
    "accounts": ("crm", "accounts"),
    "contacts": ("crm", "contacts"),
    "customers": ("billing", "customers"),
    "workspaces": ("product", "workspaces"),
    "organizations": ("support", "organizations"),
    "nps_responses": ("surveys", "nps_responses"),
    "members": ("community", "members"),
}


class IdentityEvalError(CsopsError):
    """No warehouse, no ground truth, or no identity resolution in the warehouse; said in one line."""


@dataclass(frozen=True)
class Score:
    source_table: str
    records: int
    true_links: int
    predicted_links: int
    correct_links: int

    @property
    def precision(self) -> float:
        return self.correct_links / self.predicted_links if self.predicted_links else 1.0

    @property
    def recall(self) -> float:
        return self.correct_links / self.true_links if self.true_links else 1.0


def evaluate(warehouse: str | Path, truth: str | Path) -> list[Score]:
    """Scores per source table, and a last row 'all' over every table graded."""
    warehouse, truth = Path(warehouse), Path(truth)
    if not warehouse.is_file():
        raise IdentityEvalError(f"no warehouse at {warehouse}; run make build first")
    identity = truth / "identity_map.parquet"
    if not identity.is_file():
        raise IdentityEvalError(f"no ground truth at {identity}; generate data with csops generate first")
    con = connect_read_only(warehouse)
    con.execute(f"create temp view truth as select * from read_parquet('{identity.as_posix()}')")
    mapping = " union all ".join(
        f"select '{w}' as source_table, '{s}' as truth_system, '{t}' as truth_table"
        for w, (s, t) in TRUTH_TABLES.items()
    )
    rows = con.execute(f"""
        with tables as ({mapping}),
        account_truth as (
            select source_id as account_id, customer_key from truth
            where system = 'crm' and source_table = 'accounts'
        ),
        graded as (
            select
                links.source_table,
                record_truth.customer_key as true_key,
                case when links.is_resolved then account_truth.customer_key end as predicted_key
            from {_schema_prefix(con)}int_customers_identity_resolved as links
            join tables using (source_table)
            join truth as record_truth
                on record_truth.system = tables.truth_system
                and record_truth.source_table = tables.truth_table
                and record_truth.source_id = links.source_id
            left join account_truth on account_truth.account_id = links.customer_account_id
            where not links.is_test_account and record_truth.entity_kind != 'internal'
        )
        select
            coalesce(source_table, 'all') as source_table,
            count(*) as records,
            count(true_key) as true_links,
            count(predicted_key) as predicted_links,
            count(*) filter (where predicted_key = true_key) as correct_links
        from graded
        group by rollup (source_table)
        order by source_table = 'all', source_table
    """).fetchall()
    return [Score(*r) for r in rows]


def _schema_prefix(con: duckdb.DuckDBPyConnection) -> str:
    schemas = {r[0] for r in con.execute(
        "select table_schema from information_schema.tables where table_name = 'int_customers_identity_resolved'"
    ).fetchall()}
    if not schemas:
        raise IdentityEvalError("int_customers_identity_resolved is not in the warehouse; run dbt build first")
    return f"{sorted(schemas)[0]}."


def format_scores(scores: list[Score]) -> str:
    lines = [f"{'source table':<16}{'records':>10}{'true links':>12}{'links made':>12}{'precision':>11}{'recall':>9}"]
    for s in scores:
        lines.append(f"{s.source_table:<16}{s.records:>10,}{s.true_links:>12,}{s.predicted_links:>12,}"
                     f"{s.precision:>11.2%}{s.recall:>9.2%}")
    return "\n".join(lines)
