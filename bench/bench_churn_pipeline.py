"""Time csops.ml.run_churn_pipeline on a synthetic customer table the size of the medium warehouse.

Usage: .venv/bin/python bench/bench_churn_pipeline.py [--customers 10000] [--dates 25] [--features 40]
           [--fold-step 1] [--gb-max-iter 100] [--n-threads 1]

The table: customers x month-end dates (10,000 x 25 = 250,000 rows), `features` columns (a tenth
categorical, a tenth boolean, the rest numeric with 5% missing), churn within 90 days driven by a few
of them, labels null for the dates whose window has not closed, 2% pending cancellations. Prints the
run's total time, the per-fold seconds (median, max) and the time of predict() with drivers on the
latest date's customers, wall and CPU time (one thread per fit: CPU time is what the run costs on an
idle core; our machines are shared, so wall time depends on the load, which is printed).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd
from csops.ml import ChurnConfig, run_churn_pipeline


def table(customers: int, dates: int, features: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.date_range("2023-01-31", periods=dates, freq="ME")
    n = customers * dates
    n_cat = max(1, features // 10)
    n_bool = max(1, features // 10)
    n_num = features - n_cat - n_bool
    lasting = rng.normal(size=(customers, n_num))
    num = np.repeat(lasting, dates, axis=0) * 0.8 + rng.normal(scale=0.6, size=(n, n_num))
    num[rng.random(num.shape) < 0.05] = np.nan
    frame = pd.DataFrame(num, columns=[f"num_{i:02d}" for i in range(n_num)])
    for i in range(n_bool):
        frame[f"flag_{i:02d}"] = rng.random(n) < 0.3
    for i in range(n_cat):
        frame[f"cat_{i:02d}"] = rng.choice(np.array([f"v{k}" for k in range(8)] + [None], dtype=object), n)
    logit = -2.5 + 0.9 * np.nan_to_num(num[:, 0]) - 0.6 * np.nan_to_num(num[:, 1]) + 0.8 * frame["flag_00"]
    churned = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame.insert(0, "customer_id", np.tile([f"c{i:06d}" for i in range(customers)], dates))
    frame.insert(1, "observation_date", np.repeat(days, customers))
    pending = rng.random(n) < 0.02
    frame["is_cancel_pending"] = pending
    known = frame["observation_date"] + pd.Timedelta(days=90) <= days[-1]
    frame["churned_in_window"] = pd.Series(np.where(pending, 1, churned), dtype="Int64").where(known, pd.NA)
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--dates", type=int, default=25)
    parser.add_argument("--features", type=int, default=40)
    parser.add_argument("--fold-step", type=int, default=1)
    parser.add_argument("--gb-max-iter", type=int, default=100)
    parser.add_argument("--n-threads", type=int, default=1)
    args = parser.parse_args()
    frame = table(args.customers, args.dates, args.features)
    config = ChurnConfig(fold_step=args.fold_step, gb_max_iter=args.gb_max_iter, n_threads=args.n_threads)
    started, cpu_started = time.perf_counter(), time.process_time()
    run = run_churn_pipeline(frame, id_col="customer_id", label_col="churned_in_window",
                             date_col="observation_date", known_outcome_col="is_cancel_pending", config=config)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    folds = run.folds
    trained = folds[folds["status"] == "ok"]
    print(f"table: {len(frame):,} rows x {args.features} features; {len(folds)} folds, {len(trained)} trained "
          f"2 models each; n_threads {args.n_threads}, gb_max_iter {args.gb_max_iter}")
    print(f"run_churn_pipeline: {total:.1f}s wall, {cpu:.1f}s CPU; per trained fold median "
          f"{trained['seconds'].median():.1f}s wall / {trained['cpu_seconds'].median():.1f}s CPU, max "
          f"{trained['seconds'].max():.1f}s wall / {trained['cpu_seconds'].max():.1f}s CPU (largest training set "
          f"{trained['train_rows'].max():,} rows); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    pooled = run.evaluation[(run.evaluation["fold"] == "all") & (run.evaluation["row_group"] == "headline")]
    for r in pooled.itertuples():
        print(f"  {r.model_name}: pooled AUC {r.auc:.3f}, log loss {r.log_loss:.4f}")
    today = frame[frame["observation_date"] == frame["observation_date"].max()]
    started = time.perf_counter()
    run.final_model()
    fit = time.perf_counter() - started
    started = time.perf_counter()
    scored = run.predict(today)
    print(f"final model fit {fit:.1f}s; predict with drivers on {len(scored):,} customers: "
          f"{time.perf_counter() - started:.1f}s (selected {run.selected_model})")


if __name__ == "__main__":
    main()
