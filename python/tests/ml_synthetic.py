"""Synthetic customer tables for the csops.ml tests (not a test module).

`customer_table`: n customers observed at n_dates month ends. Each customer has a lasting risk; its
`usage` that month is the risk plus noise, and it churns within the window with probability
sigmoid(-1.5 + 1.5 * usage + 0.5 * monthly). `noise` is pure noise (a feature no model should gain from,
also the baseline to beat); `segment` a categorical with missing values; `health_score` falls with
usage (lower is riskier). About 3% of rows are pending cancellations (`is_cancel_pending`), all
churning. Labels of the dates whose window (horizon_days) has not closed by the last date are null.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def customer_table(n_customers: int = 200, n_dates: int = 12, seed: int = 0, horizon_days: int = 90,
                   churn: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-31", periods=n_dates, freq="ME")
    risk = rng.normal(size=n_customers)
    plan = rng.choice(["monthly", "term"], size=n_customers)
    frames = []
    for d in dates:
        usage = risk + rng.normal(scale=0.5, size=n_customers)
        logit = -1.5 + 1.5 * usage + 0.5 * (plan == "monthly")
        churned = (rng.random(n_customers) < 1 / (1 + np.exp(-logit))).astype(int) if churn \
            else np.zeros(n_customers, int)
        pending = rng.random(n_customers) < 0.03
        churned = np.where(pending, 1, churned)
        label_known = d + pd.Timedelta(days=horizon_days) <= dates[-1]
        frames.append(pd.DataFrame({
            "customer_id": [f"c{i:04d}" for i in range(n_customers)],
            "observation_date": d.date(),
            "usage": usage,
            "noise": rng.normal(size=n_customers),
            "seats": rng.integers(1, 50, n_customers),
            "segment": rng.choice(np.array(["smb", "mid", "ent", None], dtype=object), size=n_customers),
            "plan_group": plan,
            "health_score": 50 - 20 * usage + rng.normal(scale=10, size=n_customers),
            "mrr_amount": rng.integers(100, 1000, n_customers).astype(float),
            "is_cancel_pending": pending,
            "churned_in_window": pd.array(np.where(pending, 1, churned) if label_known else [None] * n_customers,
                                          dtype="Int64"),
        }))
    return pd.concat(frames, ignore_index=True)
