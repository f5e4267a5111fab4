"""The hidden ground truth: true customers, their monthly latent health, every churn, and which
customer each source record belongs to. No dbt model reads it; tests and evaluations grade the
warehouse against it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

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
    "csm_bias": "how each CSM reads their accounts in check-ins: CRM user id, segment covered, bias and noise "
                "(sd) of the free sentiment (1..5 scale) and of the structured red/yellow/green axes (latent "
                "health scale, thresholds 0.35 and 0.6)",
}


def truth_tables(ctx: Export) -> dict[str, pa.Table]:
    """The ground truth, one table per entry of TRUTH_FILES (the systems have all been emitted)."""
    w, e = ctx.w, ctx.entities
    n = w.n
    key = T.join("C", np.char.zfill(np.arange(n).astype(str), 7))
    reacts = np.bincount(w.subs["customer"], minlength=n) - 1
    customers = pa.table({
        "customer_key": strs(key),
        "crm_account_id": strs(e.crm_id),
        "billing_customer_id": strs(e.billing_id),
        "workspace_id": strs(e.workspace_id),
        "segment": strs(np.array(C.SEGMENTS)[w.segment].astype(object)),
        "currency": strs(e.currency_code),
        "signup_date": dates(w.signup_day),
        "had_trial": pa.array(w.has_trial),
        "converted": pa.array(w.converts),
        "paid_start_date": dates(np.where(w.converts, w.paid_start_day, -1)),
        "reactivations": pa.array(np.maximum(reacts, 0)),
        "true_churn_date": dates(e.true_churn_day),
        "is_churned": pa.array(e.true_churn_day >= 0),
    })
    ci, mi = np.meshgrid(np.arange(n), np.arange(w.months), indexing="ij")
    health = pa.table({
        "customer_key": strs(key[ci.ravel()]),
        "month_start": dates(w.month_start[mi.ravel()]),
        "latent_health": pa.array(w.health.ravel()),
        "monthly_churn_hazard": pa.array(w.hazard.ravel()),
        "is_paying": pa.array((w.active_by_month & ~w.paused_by_month).ravel()),
        "is_paused": pa.array(w.paused_by_month.ravel()),
        "seats": pa.array(w.seats_by_month.ravel()),
    })
    churn = pa.table({
        "customer_key": strs(key[w.churns["customer"]]),
        "churn_date": dates(w.churns["day"]),
        "churn_kind": strs(w.churns["kind"].astype(object)),
    })
    identity = pa.concat_tables(ctx.truth_identity)
    n_csm = len(e.csm_segments)
    csm_bias = pa.table({"csm_user_id": strs(e.user_ids[:n_csm].astype(object)),
                         "segment": strs(np.asarray(e.csm_segments, dtype=object)),
                         **{k: pa.array(v) for k, v in e.csm_bias.items()}})
    return {"customers": customers, "health_monthly": health, "churn_events": churn,
            "identity_map": identity, "csm_bias": csm_bias}
