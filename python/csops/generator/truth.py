"""The hidden ground truth: true customers, their monthly latent health, every churn, and which
customer each source record belongs to. No dbt model reads it; tests and evaluations grade the
warehouse against it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import config as C
from . import text as T
from .churn_outlook import churn_outlook
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
}


def truth_tables(ctx: Export) -> dict[str, pa.Table]:
    """The ground truth as known at the export's as-of date, one table per entry of TRUTH_FILES (the
    systems have all been emitted): the customers signed up before it, the months and churns before
    it, the source records written."""
    w, e = ctx.w, ctx.entities
    as_of = ctx.as_of
    n = int((w.signup_day < as_of).sum())  # customers are in signup order
    key = T.join("C", np.char.zfill(np.arange(n).astype(str), 7))
    started = (w.subs["start"] >= 0) & (w.subs["start"] < as_of) & (w.subs["customer"] < n)
    reacts = np.bincount(w.subs["customer"][started], minlength=n) - 1
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
            "identity_map": identity, "churn_outlook_monthly": churn_outlook(w, n, as_of, key), "csm_bias": csm_bias}


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
