"""The CS play truth: the true effect of each play assignment (raw cs_platform play_assignments) and of
each play per segment, so an analysis of play effectiveness can be graded.

A play changes a treated customer's latent health from the month after it ran: + uplift on the logit
scale (C.PLAY_EFFECT_LOGIT per play and segment), fading by C.PLAY_EFFECT_DECAY a month; the churn
hazard follows health (simulation/plays.py). Every assignment, treated or held out, has two potential
paths: its latent health with the uplift and without it (the realised path is one of them; the other
adds or removes this assignment's uplift). From each path, the churn probability within 90 (180) days
is 1 - prod(1 - hazard) over the 3 (6) months after the play, the hazard at that path's health with
the early-life boost for the tenure - the monthly churn model of the simulation (a term contract
decides at its term end on the mean hazard of the term, close to the same compounding). The true
effect is the difference with - without (negative: fewer churns). A held-out customer's effect is
what treating it would have done; the holdout was drawn at random, so the effect averaged over the
treated and over every assignment agree but for sampling.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import config as C
from .export import Export
from .helpers import SECONDS_PER_DAY, dates, strs
from .simulation.plays import churn_probability, fade, logit
from .systems.cs_platform import _play_assignments

FILES = {
    "play_assignments": "every CS play assignment before the as-of (raw cs_platform play_assignments; treated "
                        "or held out) with the customer's latent health then and the play's true effect on "
                        "its health and its 90- and 180-day churn probability",
    "play_effects": "per play and segment: the configured health uplift and the true effect averaged over "
                    "the assignments before the as-of (what running the play on an eligible customer does)",
}

COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "play_assignments": {
        "assignment_id": ("string", "the assignment (cs_platform play_assignments.id)"),
        "customer_key": ("string", "the true customer"),
        "play_name": ("string", "save, renewal or adoption"),
        "segment": ("string", "the customer's segment"),
        "assigned_date": ("date", "day the play selected the customer (UTC)"),
        "assignment_group": ("string", "treated (contacted) or holdout (deliberately not contacted)"),
        "latent_health": ("float32", "the customer's latent health (0..1) in the month of the assignment"),
        "health_uplift_logit": ("float64", "the uplift treatment gives latent health the next month (logit "
                                           "scale; fades by PLAY_EFFECT_DECAY a month); for a held-out "
                                           "customer what it would have got"),
        "health_effect_next_month": ("float64", "latent health next month with the play minus without it"),
        "churn_probability_90d_if_treated": ("float64", "churn probability within 90 days after the play, "
                                                        "had the customer been treated"),
        "churn_probability_90d_if_not_treated": ("float64", "the same, had the customer not been contacted"),
        "churn_effect_90d": ("float64", "true effect on the 90-day churn probability: if treated minus if "
                                        "not (negative: fewer churns)"),
        "churn_effect_180d": ("float64", "true effect on the 180-day churn probability"),
    },
    "play_effects": {
        "play_name": ("string", "save, renewal or adoption"),
        "segment": ("string", "the customers' segment"),
        "health_uplift_logit": ("float64", "the configured uplift on latent health (logit scale) of a treated "
                                           "customer, the month after the play"),
        "assignments": ("int64", "assignments before the as-of"),
        "treated": ("int64", "of which treated"),
        "holdout": ("int64", "of which held out"),
        "health_effect_next_month": ("float64", "mean true effect on next month's latent health"),
        "churn_effect_90d": ("float64", "mean true effect on the 90-day churn probability (if treated minus "
                                        "if not; negative: fewer churns)"),
        "churn_effect_180d": ("float64", "mean true effect on the 180-day churn probability"),
    },
}


def play_truth(ctx: Export, key: np.ndarray) -> dict[str, pa.Table]:
    """The two play truth files, for the assignments made before the export's as-of."""
    w = ctx.w
    a = _play_assignments(ctx)
    keep = np.flatnonzero(a["assigned_at"] < ctx.as_of_s)
    c, play, month = a["customer"][keep], a["play"][keep], a["month"][keep]
    treated, uplift, paid = a["treated"][keep], a["uplift"][keep], a["paid_month"][keep]
    n_months = w.health.shape[1]
    seg = w.segment[c]
    real = w.health[c].astype(np.float64)
    lift = uplift[:, None] * fade(n_months, month)
    other = 1 / (1 + np.exp(-(logit(real) + np.where(treated, -1, 1)[:, None] * lift)))
    other = np.where(lift > 0, other, real)
    with_play = np.where(treated[:, None], real, other)
    without = np.where(treated[:, None], other, real)
    nxt = np.minimum(month + 1, n_months - 1)[:, None]
    h_eff = (np.take_along_axis(with_play, nxt, 1) - np.take_along_axis(without, nxt, 1))[:, 0]
    p90_t, p90_n = (churn_probability(seg, x, month, paid, 3) for x in (with_play, without))
    p180_t, p180_n = (churn_probability(seg, x, month, paid, 6) for x in (with_play, without))
    play_name = np.asarray(C.PLAYS, dtype=object)[play]
    seg_name = np.asarray(C.SEGMENTS, dtype=object)[seg]
    assignments = pa.table({
        "assignment_id": strs(a["assignment_id"][keep]),
        "customer_key": strs(key[c]),
        "play_name": strs(play_name),
        "segment": strs(seg_name),
        "assigned_date": dates((a["assigned_at"][keep] // SECONDS_PER_DAY).astype(np.int64)),
        "assignment_group": strs(np.where(treated, "treated", "holdout").astype(object)),
        "latent_health": pa.array(w.health[c, month]),
        "health_uplift_logit": pa.array(uplift.astype(np.float64)),
        "health_effect_next_month": pa.array(h_eff),
        "churn_probability_90d_if_treated": pa.array(p90_t),
        "churn_probability_90d_if_not_treated": pa.array(p90_n),
        "churn_effect_90d": pa.array(p90_t - p90_n),
        "churn_effect_180d": pa.array(p180_t - p180_n),
    })
    rows = []
    for p, name in enumerate(C.PLAYS):
        for s, segment in enumerate(C.SEGMENTS):
            sel = (play == p) & (seg == s)
            if not sel.any():
                continue
            rows.append({
                "play_name": name, "segment": segment,
                "health_uplift_logit": float(C.PLAY_EFFECT_LOGIT[name][segment]),
                "assignments": int(sel.sum()), "treated": int((sel & treated).sum()),
                "holdout": int((sel & ~treated).sum()),
                "health_effect_next_month": float(h_eff[sel].mean()),
                "churn_effect_90d": float((p90_t - p90_n)[sel].mean()),
                "churn_effect_180d": float((p180_t - p180_n)[sel].mean()),
            })
    schema = pa.schema([(col, {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64()}[typ])
                        for col, (typ, _) in COLUMNS["play_effects"].items()])
    effects = pa.Table.from_pylist(rows, schema=schema)
    return {"play_assignments": assignments, "play_effects": effects}
