"""The hidden ground truth: true customers, their monthly latent health, every churn, and which
customer each source record belongs to. No dbt model reads it; tests and evaluations grade the
warehouse against it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import churn_outlook, play_truth
from . import config as C
from . import text as T
from .export import Export
from .helpers import dates, strs

# The ground truth's files (never read by any dbt model), described once: for the truth folder's own
# README and for README.md (csops readme-facts).
TRUTH_FILES = {
    "customers": "one row per true customer: its ids in CRM, billing and product, segment, currency, signup, "
                 "trial and conversion, reactivations, true churn date",
    "health_monthly": "latent health (0..1), true monthly churn hazard and whether billing was paused, "
                      "per customer-month",
    "churn_events": "every churn (voluntary at the end of the paid period, involuntary after failed card payment "
                    "retries or when an invoiced customer's unpaid invoice is written off); a customer can churn, "
                    "come back and churn again",
    "identity_map": "which true customer each source record belongs to",
    "churn_outlook_monthly": "per customer and month end with a live paid subscription: billing interval, term "
                             "end, whether a cancellation is pending, seats, and the true probability of churning "
                             "within the next 90 days given the generator's rules and the state at that month end",
    "csm_bias": "how each CSM reads their accounts in check-ins: CRM user id, segment covered, bias and noise "
                "(sd) of the free sentiment (1..5 scale) and of the structured red/yellow/green axes (latent "
                "health scale, thresholds 0.35 and 0.6)",
    **play_truth.FILES,
}

# Every column of every truth file: (type, meaning), in the order written. The truth folder's README
# is written from this, and a test checks it against the files written (no column without a
# description, no description without a column, the types as written).
TRUTH_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "customers": {
        "customer_key": ("string", "the true customer (C + 7 digits, in signup order); the key of every truth file"),
        "crm_account_id": ("string", "its account id in the CRM (crm accounts.id)"),
        "billing_customer_id": ("string", "its customer id in billing (billing customers.id)"),
        "workspace_id": ("string", "its workspace id in the product (product workspaces.workspace_id)"),
        "segment": ("string", "smb, mid_market or enterprise"),
        "currency": ("string", "billing currency (USD, EUR, JPY)"),
        "signup_date": ("date", "day of the signup (trial or direct purchase)"),
        "had_trial": ("boolean", "started with a 14-day trial"),
        "converted": ("boolean", "started paying before the as-of"),
        "paid_start_date": ("date", "first day paid for (null when not converted)"),
        "reactivations": ("int64", "how many times the customer came back after churning (new subscriptions)"),
        "true_churn_date": ("date", "day of the last churn, when no subscription started after it (null: still a "
                                    "customer, or never paid)"),
        "is_churned": ("boolean", "churned and not come back by the as-of (true_churn_date is set)"),
    },
    "health_monthly": {
        "customer_key": ("string", "the true customer"),
        "month_start": ("date", "first day of the calendar month (every month before the as-of, from the first "
                                "month of the calendar, whatever the customer's state)"),
        "latent_health": ("float32", "latent health 0..1 (1 healthy) that drives usage, tickets, NPS, payment "
                                     "failures and churn"),
        "monthly_churn_hazard": ("float32", "the month's true churn hazard: base hazard of the segment * "
                                            "exp(3.5 * (0.5 - health)), raised in a customer's first months of "
                                            "paying (early-life boost), capped at 0.6"),
        "is_paying": ("boolean", "a live subscription at the month's end, not paused"),
        "is_paused": ("boolean", "billing paused this month"),
        "seats": ("int32", "seats on the live subscription at the month's end (0 when not paying)"),
    },
    "churn_events": {
        "customer_key": ("string", "the true customer"),
        "churn_date": ("date", "day the subscription ended"),
        "churn_kind": ("string", "voluntary (a cancellation effective at the end of the paid period) or "
                                 "involuntary (failed card retries, or an unpaid invoice written off)"),
    },
    "identity_map": {
        "system": ("string", "source system (billing, community, crm, product, support, surveys)"),
        "source_table": ("string", "raw table of that system"),
        "source_id": ("string", "the record's id in that table, as text"),
        "customer_key": ("string", "the true customer it belongs to (null when none)"),
        "entity_kind": ("string", "what the record is: customer, prospect, internal (a test account), "
                                  "child_account, duplicate_account, unknown (no customer)"),
    },
    "churn_outlook_monthly": churn_outlook.COLUMNS,
    "csm_bias": {
        "csm_user_id": ("string", "the CSM's CRM user id"),
        "segment": ("string", "segment whose accounts the CSM covers"),
        "sentiment_bias": ("float64", "bias of the CSM's free sentiment (1..5 scale; positive: optimist)"),
        "sentiment_noise_sd": ("float64", "noise (sd) of the CSM's free sentiment"),
        "axes_bias": ("float64", "bias of the structured red/yellow/green axes (latent health scale)"),
        "axes_noise_sd": ("float64", "noise (sd) of the CSM's read at a check-in, shared by its four axes (each "
                                     "axis adds sd 0.08)"),
    },
    **play_truth.COLUMNS,
}

# Longer notes a file's README section ends with.
TRUTH_NOTES = {"churn_outlook_monthly": "How churn_probability_90d is computed\n\n" + churn_outlook.__doc__,
               "play_effects": "How the true effects are computed\n\n" + play_truth.__doc__}


def type_name(t: pa.DataType) -> str:
    """The name TRUTH_COLUMNS gives an Arrow type."""
    return {"date32[day]": "date", "bool": "boolean", "float": "float32", "double": "float64"}.get(str(t), str(t))


def truth_readme(scale: str, seed: int, as_of: str, header: str) -> str:
    """The truth folder's README: every file and every column (TRUTH_FILES, TRUTH_COLUMNS, TRUTH_NOTES)."""
    out = [f"{header}\n\nGenerated with scale={scale}, seed={seed}, as_of={as_of}.\n\n"
           "The hidden ground truth of the demo data: what really happened, which the raw tables only show through "
           "their systems, cut at the export's as-of: nothing in it happened on or after it (a contract's "
           "term_end may lie after it, as the contract stood at the month end). "
           "The files about customers are keyed by customer_key (customers.parquet); dates are calendar days (UTC).\n"]
    for name, description in TRUTH_FILES.items():
        out.append(f"\n## {name}.parquet\n\n{description[0].upper()}{description[1:]}.\n\n"
                   "| column | type | meaning |\n|---|---|---|\n")
        out.extend(f"| {col} | {typ} | {meaning} |\n" for col, (typ, meaning) in TRUTH_COLUMNS[name].items())
        if name in TRUTH_NOTES:
            title, body = TRUTH_NOTES[name].split("\n\n", 1)
            out.append(f"\n### {title}\n\n{body.strip()}\n")
    return "".join(out)


def truth_tables(ctx: Export) -> dict[str, pa.Table]:
    """The ground truth as known at the export's as-of date, one table per entry of TRUTH_FILES (the
    systems have all been emitted): the customers signed up before it, the months and churns before
    it, the source records written."""
    w, e = ctx.w, ctx.entities
    as_of = ctx.as_of
    n = int((w.signup_day < as_of).sum())  # customers are in signup order
    key = T.join("C", np.char.zfill(np.arange(n).astype(str), 7))
    started = (w.subs["start"] >= 0) & (w.subs["start"] < as_of) & (w.subs["customer"] < n)
    # a currency change ends a subscription and starts another the same day: not a churn and a comeback
    comebacks = started & ~w.subs["currency_change"]
    reacts = np.bincount(w.subs["customer"][comebacks], minlength=n) - 1
    churned_before = w.churns["day"] < as_of
    churn_day = _true_churn_day(w.churns["customer"][churned_before], w.churns["day"][churned_before],
                                w.subs["customer"][started], w.subs["start"][started], n)
    converted = w.converts[:n] & (w.paid_start_day[:n] < as_of)
    customers = pa.table({
        "customer_key": strs(key),
        "crm_account_id": strs(e.crm_id[:n]),
        "billing_customer_id": strs(e.billing_id[:n]),
        "workspace_id": strs(e.workspace_id[:n]),
        "segment": strs(np.array(C.SEGMENTS)[w.segment[:n]].astype(object)),
        "currency": strs(e.currency_code[:n]),
        "signup_date": dates(w.signup_day[:n]),
        "had_trial": pa.array(w.has_trial[:n]),
        "converted": pa.array(converted),
        "paid_start_date": dates(np.where(converted, w.paid_start_day[:n], -1)),
        "reactivations": pa.array(np.maximum(reacts, 0)),
        "true_churn_date": dates(churn_day),
        "is_churned": pa.array(churn_day >= 0),
    })
    months = int((w.month_start[:-1] < as_of).sum())
    ci, mi = np.meshgrid(np.arange(n), np.arange(months), indexing="ij")
    health = pa.table({
        "customer_key": strs(key[ci.ravel()]),
        "month_start": dates(w.month_start[mi.ravel()]),
        "latent_health": pa.array(w.health[:n, :months].ravel()),
        "monthly_churn_hazard": pa.array(w.hazard[:n, :months].ravel()),
        "is_paying": pa.array((w.active_by_month & ~w.paused_by_month)[:n, :months].ravel()),
        "is_paused": pa.array(w.paused_by_month[:n, :months].ravel()),
        "seats": pa.array(w.seats_by_month[:n, :months].ravel()),
    })
    churn = pa.table({
        "customer_key": strs(key[w.churns["customer"][churned_before]]),
        "churn_date": dates(w.churns["day"][churned_before]),
        "churn_kind": strs(w.churns["kind"][churned_before].astype(object)),
    })
    # the identity of the source records the export holds
    identity = pa.concat_tables(ctx.truth_identity)
    present = pa.concat_arrays([pa.array(np.char.add(f"{system}\x1f{table}\x1f", ids.to_numpy(zero_copy_only=False)
                                                     .astype(str)).astype(object), pa.string())
                                for (system, table), ids in ctx.present.items()])
    label = pc.binary_join_element_wise(identity["system"], identity["source_table"], identity["source_id"], "\x1f")
    identity = identity.filter(pc.is_in(label, value_set=present))
    n_csm = len(e.csm_segments)
    csm_bias = pa.table({"csm_user_id": strs(e.user_ids[:n_csm].astype(object)),
                         "segment": strs(np.asarray(e.csm_segments, dtype=object)),
                         **{k: pa.array(v) for k, v in e.csm_bias.items()}})
    return {"customers": customers, "health_monthly": health, "churn_events": churn,
            "identity_map": identity, "churn_outlook_monthly": churn_outlook.churn_outlook(w, n, as_of, key),
            "csm_bias": csm_bias, **play_truth.play_truth(ctx, key)}


def _true_churn_day(churn_customer: np.ndarray, churn_day: np.ndarray, start_customer: np.ndarray,
                    start_day: np.ndarray, n: int) -> np.ndarray:
    """The day of each customer's last churn when no subscription started after it; -1 otherwise."""
    last_churn = np.full(n, -1, np.int64)
    order = np.argsort(churn_day, kind="stable")
    last_churn[churn_customer[order]] = churn_day[order]
    last_start = np.full(n, -1, np.int64)
    order = np.argsort(start_day, kind="stable")
    last_start[start_customer[order]] = start_day[order]
    return np.where((last_churn >= 0) & (last_churn >= last_start), last_churn, -1)
