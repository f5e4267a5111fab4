"""Metrics of churn probabilities against 0/1 outcomes, each defined here once.

- `auc`: ROC AUC (Mann-Whitney: the chance a churner is ranked above a non-churner, ties count a half);
  None without both classes.
- `pr_auc`: average precision, sum over churners in descending probability of the precision at that
  churner's threshold / churners (ties share one threshold, as sklearn's average_precision_score);
  None without a churner.
- `top_decile_lift`: churn rate among the 10% of rows with the highest probability (ceil(n / 10) rows;
  rows tied at the cut count with their tied group's churn rate, so the order of tied rows never
  matters) divided by the churn rate of all rows; None without a churner.
- `brier`: mean squared error of the probability.
- `brier_skill`: 1 - brier / brier of a reference forecast that gives every row the reference rate.
  The pipeline's reference is the TRAINING base rate of the fold (what was knowable at the test date),
  not the test rows' own rate, which would flatter no forecast and is unknowable in advance. None when
  the reference forecast is perfect.
- `log_loss`: mean negative log likelihood, probabilities clipped to [1e-15, 1 - 1e-15].
- `calibration_bins`: the rows sorted by probability (stable) and cut into 10 bins of (nearly) equal
  size; each bin's mean probability, observed churn rate and rows.
"""

from __future__ import annotations

import json
import math

import numpy as np
from scipy.stats import rankdata

EPS = 1e-15
N_BINS = 10


def _arrays(y, p) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    if y.shape != p.shape:
        raise ValueError(f"outcomes and probabilities differ in length: {len(y)} vs {len(p)}")
    return y, p


def auc(y, p) -> float | None:
    """ROC AUC of probabilities p for outcomes y (ties at average ranks); None without both classes."""
    y, p = _arrays(y, p)
    n_pos = int((y == 1).sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(p, method="average")
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def pr_auc(y, p) -> float | None:
    """Average precision: mean over churners of the precision at their probability (ties grouped)."""
    y, p = _arrays(y, p)
    n_pos = int((y == 1).sum())
    if n_pos == 0:
        return None
    order = np.argsort(-p, kind="mergesort")
    ys, ps = y[order], p[order]
    # thresholds at the last row of each run of equal probabilities
    last = np.flatnonzero(np.r_[ps[1:] != ps[:-1], True])
    tp = np.cumsum(ys)[last]
    seen = last + 1
    precision = tp / seen
    recall_step = np.diff(np.r_[0.0, tp]) / n_pos
    return float((recall_step * precision).sum())


def top_decile_lift(y, p, share: float = 0.1) -> float | None:
    """Churn rate of the top `share` of rows by probability / churn rate of all rows; None without churners."""
    y, p = _arrays(y, p)
    n = len(y)
    if n == 0 or y.sum() == 0:
        return None
    k = max(1, math.ceil(n * share))
    cut = np.sort(p)[::-1][k - 1]
    above = p > cut
    tied = p == cut
    slots = k - int(above.sum())
    top_churners = y[above].sum() + slots * y[tied].mean()
    return float((top_churners / k) / y.mean())


def brier(y, p) -> float | None:
    y, p = _arrays(y, p)
    if len(y) == 0:
        return None
    return float(np.mean((p - y) ** 2))


def brier_skill(y, p, reference) -> float | None:
    """1 - brier(p) / brier(reference); reference is one rate or one rate per row (each fold's training rate)."""
    y, p = _arrays(y, p)
    if len(y) == 0:
        return None
    ref = np.broadcast_to(np.asarray(reference, dtype=float), y.shape)
    ref_brier = float(np.mean((ref - y) ** 2))
    if ref_brier == 0 or np.isnan(ref_brier):
        return None
    return 1 - float(np.mean((p - y) ** 2)) / ref_brier


def log_loss(y, p) -> float | None:
    y, p = _arrays(y, p)
    if len(y) == 0:
        return None
    q = np.clip(p, EPS, 1 - EPS)
    return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))


def calibration_bins(y, p, n_bins: int = N_BINS) -> list[dict]:
    """Rows sorted by probability (stable) in n_bins near-equal bins: bin, mean_predicted, observed_rate, rows."""
    y, p = _arrays(y, p)
    order = np.argsort(p, kind="mergesort")
    bins = []
    for i, idx in enumerate(np.array_split(order, n_bins), start=1):
        if len(idx) == 0:
            continue
        bins.append({"bin": i, "mean_predicted": round(float(p[idx].mean()), 6),
                     "observed_rate": round(float(y[idx].mean()), 6), "rows": int(len(idx))})
    return bins


def summarize(y, p, reference) -> dict:
    """Every metric of one set of rows, as the evaluation table's columns (calibration bins as JSON text)."""
    y, p = _arrays(y, p)
    n = len(y)
    return {
        "rows": n,
        "churners": int(y.sum()),
        "base_rate": float(y.mean()) if n else None,
        "auc": auc(y, p),
        "pr_auc": pr_auc(y, p),
        "top_decile_lift": top_decile_lift(y, p),
        "brier": brier(y, p),
        "brier_skill": brier_skill(y, p, reference),
        "log_loss": log_loss(y, p),
        "calibration_bins": json.dumps(calibration_bins(y, p)) if n else None,
    }
