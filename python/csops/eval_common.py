"""What the evaluators share (`csops evaluate-health`, `evaluate-plays`, `evaluate-churn`): reading the
ground truth's as-of date and Parquet files, finding a warehouse table and its columns, mapping the
warehouse's customers to true customers, the AUC, targets and number formatting.

Every reader raises the caller's own error class (a `CsopsError`), so each command says what is
missing in one line in its own name.

The customer mapping: a warehouse customer (dim_customers) is the true customer of its
crm_account_id as a crm accounts record in the truth's identity map, or, when that link is missing,
of its billing_customer_id as a billing customers record. The truth is only read by the evaluators,
never by a dbt model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from .errors import CsopsError

CUSTOMER_COLUMNS = ("customer_id", "crm_account_id", "billing_customer_id")
IDENTITY_COLUMNS = ("system", "source_table", "source_id", "customer_key")


@dataclass(frozen=True)
class Target:
    name: str
    value: float | None
    limit: float
    kind: str  # 'min' or 'max'
    ok: bool
    message: str


def auc(risk: np.ndarray, positive: np.ndarray) -> float | None:
    """Mann-Whitney AUC of `risk` for `positive` (a higher risk should mean positive), ties at average
    ranks; None when there are no positives or no negatives."""
    risk = np.asarray(risk, dtype=float)
    positive = np.asarray(positive, dtype=bool)
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = pd.Series(risk).rank(method="average").to_numpy()
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b, None when either is unknown or b is 0 (a model's AUC over the reference's, a rate's lift)."""
    return a / b if a is not None and b else None


def excess(a: float | None, b: float | None) -> float | None:
    """a - b, None when either is unknown (a model's AUC above the reference's: leakage when large)."""
    return a - b if a is not None and b is not None else None


def at_least(name: str, value: float | None, limit: float, why: str) -> Target:
    """A 'min' target: met when value >= limit; `why` says why the value is undefined, when it is."""
    if value is None:
        return Target(name, None, limit, "min", False, f"{name}: cannot be graded{why or ' (undefined)'}")
    ok = value >= limit
    message = f"{name}: {value:.4f} (min {limit:g})"
    if not ok:
        message += f", {limit - value:.4f} short"
    return Target(name, value, limit, "min", ok, message)


def at_most_above(name: str, value_auc: float | None, reference_auc: float | None, limit: float,
                  labels: tuple[str, str], leak: str, why: str) -> Target:
    """A 'max' target on value_auc - reference_auc (leakage: beating the truth by more than `limit`);
    `labels` name both AUCs in the message, `leak` says what going over means."""
    if value_auc is None or reference_auc is None:
        return Target(name, None, limit, "max", False, f"{name}: cannot be graded{why or ' (undefined)'}")
    excess = value_auc - reference_auc
    ok = excess <= limit
    message = (f"{name}: {labels[0]} AUC {value_auc:.4f} - {labels[1]} AUC {reference_auc:.4f} = "
               f"{excess:+.4f} (max +{limit:.2f})")
    if not ok:
        message += f", {excess - limit:.4f} over: {leak}"
    return Target(name, excess, limit, "max", ok, message)


def undefined_note(rows: int, churners: int, no_rows: str = "no rows") -> str:
    """Why an AUC on these rows is undefined ('' when it is defined)."""
    if rows == 0:
        return f"undefined: {no_rows}"
    if churners == 0:
        return "undefined: no churners"
    if churners == rows:
        return "undefined: every row churned"
    return ""


def truth_as_of(truth: Path, error: type[CsopsError]) -> date:
    """The as_of date of the truth folder's _manifest.json; `error` when missing or invalid."""
    manifest = truth / "_manifest.json"
    if not manifest.is_file():
        raise error(f"no ground truth at {manifest}; generate data with csops generate first")
    try:
        return date.fromisoformat(json.loads(manifest.read_text())["as_of"])
    except (ValueError, KeyError, TypeError) as e:
        raise error(f"{manifest} has no valid as_of date ({type(e).__name__}: {e})") from e


def require_truth_files(truth: Path, names: tuple[str, ...] | list[str], error: type[CsopsError]) -> None:
    for name in names:
        if not (truth / name).is_file():
            raise error(f"no ground truth at {truth / name}; generate data with csops generate first")


def register_truth_views(con: duckdb.DuckDBPyConnection, truth: Path, files_by_view: dict[str, str],
                         columns_by_file: dict[str, tuple[str, ...]], error: type[CsopsError]) -> None:
    """A temp view per truth Parquet file (view name -> file name), checked for the columns needed."""
    for name, path in files_by_view.items():
        file = truth / path
        try:
            con.execute(f"create temp view {name} as select * from read_parquet('{quote(file.as_posix())}')")
            columns = {r[0] for r in con.execute(f"describe {name}").fetchall()}
        except duckdb.Error as e:
            raise error(f"cannot read {file}: {str(e).splitlines()[0]}") from e
        missing = [c for c in columns_by_file[path] if c not in columns]
        if missing:
            raise error(f"{file} has no column {', '.join(missing)}")


def create_customer_keys(con: duckdb.DuckDBPyConnection, customers: str, identity_view: str = "truth_identity",
                         name: str = "customer_keys") -> None:
    """Temp view `name` (customer_id, customer_key): every warehouse customer of `customers`
    (dim_customers) and its true customer (null when the truth knows neither of its ids)."""
    con.execute(f"""
        create temp view {name} as
        with crm as (
            select source_id, any_value(customer_key) as customer_key from {identity_view}
            where system = 'crm' and source_table = 'accounts' and customer_key is not null
            group by source_id
        ),
        billing as (
            select source_id, any_value(customer_key) as customer_key from {identity_view}
            where system = 'billing' and source_table = 'customers' and customer_key is not null
            group by source_id
        )
        select d.customer_id, coalesce(crm.customer_key, billing.customer_key) as customer_key
        from {customers} as d
        left join crm on crm.source_id = cast(d.crm_account_id as varchar)
        left join billing on billing.source_id = cast(d.billing_customer_id as varchar)
    """)


def find_table(con: duckdb.DuckDBPyConnection, name: str, columns: tuple[str, ...], error: type[CsopsError],
               not_found: str, schemas: tuple[str, ...] = ("marts",)) -> str:
    """'"<schema>"."<name>"', the first of `schemas` that has it, else any; `error(not_found)` when no
    schema has it, `error` naming the columns missing from the columns needed."""
    rows = con.execute(
        "select table_schema, column_name from information_schema.columns where table_name = ?", [name]
    ).fetchall()
    if not rows:
        raise error(not_found)
    found = sorted({r[0] for r in rows})
    schema = next((s for s in schemas if s in found), found[0])
    present = {r[1] for r in rows if r[0] == schema}
    missing = [c for c in columns if c not in present]
    if missing:
        raise error(f"{schema}.{name} has no column {', '.join(missing)}; rebuild the warehouse")
    return f'"{schema}"."{name}"'


def table_columns(con: duckdb.DuckDBPyConnection, name: str, schemas: tuple[str, ...] = ("marts",)
                  ) -> tuple[str, list[str]] | None:
    """('"<schema>"."<name>"', its columns) for an optional table, None when the warehouse has none."""
    rows = con.execute(
        "select table_schema, column_name from information_schema.columns where table_name = ? "
        "order by ordinal_position", [name]
    ).fetchall()
    if not rows:
        return None
    found = sorted({r[0] for r in rows})
    schema = next((s for s in schemas if s in found), found[0])
    return f'"{schema}"."{name}"', [r[1] for r in rows if r[0] == schema]


def quote(text: str) -> str:
    return text.replace("'", "''")


def fmt(value: float | None, spec: str = ".3f") -> str:
    return "n/a" if value is None else format(value, spec)


def target_lines(targets: list) -> list[str]:
    """'ok   <message>' or 'FAIL <message>' per target (anything with `ok` and `message`)."""
    return [f"{'ok  ' if t.ok else 'FAIL'} {t.message}" for t in targets]
