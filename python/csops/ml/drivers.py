"""Per-customer churn drivers by occlusion (see csops.ml): for each feature, this customer's probability
minus the probability with that one feature set to its training reference (median / most frequent
category). Positive: the customer's value raises the risk against a typical value."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .models import FittedModel

N_DRIVERS = 3
MIN_EFFECT = 1e-6  # smaller effects are no driver (the value is the reference, or the model ignores it)
CELLS_PER_BATCH = 4_000_000  # rows x features predicted at once


def driver_columns() -> list[str]:
    cols = []
    for k in range(1, N_DRIVERS + 1):
        cols += [f"driver_{k}", f"driver_{k}_direction", f"driver_{k}_effect"]
    return cols


def occlusion_effects(model: FittedModel, X: pd.DataFrame, reference: dict, base: np.ndarray) -> np.ndarray:
    """rows x features matrix: base probability - probability with the feature at its reference."""
    features = list(X.columns)
    n, f = len(X), len(features)
    effects = np.zeros((n, f))
    if n == 0 or f == 0:
        return effects
    chunk = max(1, CELLS_PER_BATCH // (f * max(f, 1)))
    for start in range(0, n, chunk):
        part = X.iloc[start:start + chunk]
        m = len(part)
        big = {}
        for j, c in enumerate(features):
            values = np.tile(part[c].to_numpy(), f)
            values[j * m:(j + 1) * m] = reference[c]
            big[c] = values
        occluded = model.predict(pd.DataFrame(big, columns=features)).reshape(f, m).T
        effects[start:start + m] = base[start:start + m, None] - occluded
    return effects


def top_drivers(effects: np.ndarray, features: list[str]) -> pd.DataFrame:
    """The N_DRIVERS largest |effects| of every row (ties: table column order), with direction and effect."""
    n = effects.shape[0]
    out = {c: np.full(n, None, dtype=object) for c in driver_columns()}
    if n and effects.shape[1]:
        order = np.argsort(-np.abs(effects), axis=1, kind="stable")[:, :N_DRIVERS]
        names = np.asarray(features, dtype=object)
        for k in range(order.shape[1]):
            idx = order[:, k]
            e = effects[np.arange(n), idx]
            keep = np.abs(e) >= MIN_EFFECT
            out[f"driver_{k + 1}"][keep] = names[idx[keep]]
            out[f"driver_{k + 1}_direction"][keep] = np.where(e[keep] > 0, "raises risk", "lowers risk")
            effect = np.full(n, np.nan)
            effect[keep] = np.round(e[keep], 6)
            out[f"driver_{k + 1}_effect"] = effect
    for k in range(1, N_DRIVERS + 1):
        if out[f"driver_{k}_effect"].dtype == object:
            out[f"driver_{k}_effect"] = np.full(n, np.nan)
    return pd.DataFrame(out)
