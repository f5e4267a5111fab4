"""`csops` command line: `csops generate`, `csops build`, `csops sql`, `csops quality`, `csops churn-train`, ..."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .errors import CsopsError
from .generator import N_TABLES, generate, validate_arguments
from .generator.config import DEFAULT_AS_OF, HORIZON_MONTHS, SCALES


def _generate(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    # bad arguments fail before the progress bar is drawn, so the error is the only line on stderr
    validate_arguments(args.scale, args.seed, args.as_of)
    total = N_TABLES + SCALES[args.scale].customers
    bar = tqdm(total=total, desc=f"csops generate {args.scale}", unit="step", disable=args.quiet,
               file=sys.stderr, dynamic_ncols=True)

    def progress(label: str, units: int) -> None:
        bar.set_postfix_str(label, refresh=False)
        bar.update(units)

    started = time.perf_counter()
    try:
        manifest = generate(args.scale, args.seed, args.out, args.truth_out, args.as_of, progress, force=args.force)
    finally:
        bar.close()
    rows = sum(sum(t.values()) for t in manifest["row_counts"].values())
    events = manifest["row_counts"]["product"]["events"]
    print(f"wrote {rows:,} rows ({events:,} product events) for {manifest['customers']:,} customers "
          f"to {args.out} in {time.perf_counter() - started:.1f}s")
    return 0


def _evaluate_identity(args: argparse.Namespace) -> int:
    from .identity_eval import evaluate, format_scores

    scores = evaluate(args.warehouse, args.truth)
    print(format_scores(scores))
    overall = scores[-1]
    ok = overall.precision >= args.min_precision and overall.recall >= args.min_recall
    if not ok:
        print(f"below target: precision {overall.precision:.2%} (min {args.min_precision:.0%}), "
              f"recall {overall.recall:.2%} (min {args.min_recall:.0%})", file=sys.stderr)
    return 0 if ok else 1


def _evaluate_health(args: argparse.Namespace) -> int:
    from .health_eval import Thresholds, evaluate, format_evaluation, format_json

    thresholds = Thresholds(min_auc_ratio=args.min_auc_ratio, min_red_lift=args.min_red_lift,
                            min_red_to_green=args.min_red_to_green, max_auc_excess=args.max_auc_excess)
    result = evaluate(args.warehouse, args.truth, thresholds)
    return _graded(result, format_json(result) if args.json else format_evaluation(result))


def _evaluate_plays(args: argparse.Namespace) -> int:
    from .plays_eval import Thresholds, evaluate, format_evaluation, format_json

    result = evaluate(args.warehouse, args.truth, Thresholds(min_coverage=args.min_coverage))
    return _graded(result, format_json(result) if args.json else format_evaluation(result))


def _evaluate_churn(args: argparse.Namespace) -> int:
    from .churn_eval import Thresholds, evaluate, format_evaluation, format_json

    thresholds = Thresholds(min_auc_ratio=args.min_auc_ratio, min_lift=args.min_lift,
                            min_brier_skill=args.min_brier_skill, max_auc_excess=args.max_auc_excess,
                            forecast_method=args.forecast_method, baseline_method=args.baseline_method)
    result = evaluate(args.warehouse, args.truth, thresholds)
    return _graded(result, format_json(result) if args.json else format_evaluation(result))


def _graded(result, report: str) -> int:
    """Print an evaluation's report; each missed target on stderr; exit 1 when any target is missed."""
    print(report)
    failed = [t for t in result.targets if not t.ok]
    if failed:
        sys.stdout.flush()
        for t in failed:
            print(f"below target: {t.message}", file=sys.stderr)
    return 1 if failed else 0


def _tune_health(args: argparse.Namespace) -> int:
    from .health_tune import format_tuning, run

    tuning = run(args.warehouse, args.scorecard, args.out, args.split_date, args.gap_days)
    print(format_tuning(tuning))
    print("")
    print("wrote " + ", ".join(str(p) for p in tuning.files) + " (a candidate: nothing is published)")
    return 0


def _iso_date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from e


def _quality(args: argparse.Namespace) -> int:
    from .quality import format_report, run

    report = run(args.warehouse, gx_root=args.gx_root, only=args.suite or None)
    print(format_report(report))
    return 0 if report.success else 1


def _build(args: argparse.Namespace) -> int:
    from .build import BuildError, BuildOptions, build, layout_for, summary

    raw_mode = os.environ.get("CSOPS_RAW_SOURCE_MODE", "parquet")
    raw_dir = args.raw_dir or os.environ.get("CSOPS_RAW_DIR")
    if raw_mode == "parquet" and not raw_dir:
        raise BuildError("no raw data folder: set CSOPS_RAW_DIR (or --raw-dir) to your exports "
                         "(<dir>/<system>/<table>.parquet or <table>/ folders), or run make build for the demo")
    options = BuildOptions(warehouse=Path(args.warehouse), raw_dir=Path(raw_dir) if raw_mode == "parquet" else None,
                           full_refresh=args.full_refresh, dbt_vars=args.vars, gx_root=Path(args.gx_root),
                           quiet=args.quiet, keep_build=args.keep_build)
    run = build(options, say=lambda line: print(line, flush=True))
    print(summary(run, layout_for(options.warehouse)))
    return 0


def _sql(args: argparse.Namespace) -> int:
    from .sql import run_query

    run_query(Path(args.warehouse), args.query, as_csv=args.csv, max_rows=args.max_rows)
    return 0


def _docs_coverage(args: argparse.Namespace) -> int:
    from .docs_coverage import measure

    cov = measure(Path(args.target) / "manifest.json", Path(args.target) / "catalog.json")
    for problem in cov.problems:
        print(f"MISSING  {problem}")
    print(cov.summary())
    return 0 if cov.ok else 1


def _readme_facts(args: argparse.Namespace) -> int:
    from . import readme_facts

    root = Path(args.root)
    facts = readme_facts.compute(root, Path(args.target) / "manifest.json" if args.target else None)
    readme = root / "README.md"
    if args.write:
        stale = readme_facts.write(readme, facts)
        print(f"README.md: {len(stale)} block(s) rewritten" + (f" ({', '.join(stale)})" if stale else ""))
        return 0
    stale = readme_facts.check(readme, facts)
    if stale:
        print(f"README.md is stale in: {', '.join(stale)}; run make readme", file=sys.stderr)
        return 1
    print(f"README.md facts up to date ({len(facts)} blocks)")
    return 0


def _check_raw(args: argparse.Namespace) -> int:
    from .check_raw import check

    problems = check(Path(args.raw_dir), skip=args.skip_system or ())
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {args.raw_dir} against the raw contract "
              f"(models/staging/*/_*__sources.yml)", file=sys.stderr)
        return 1
    print(f"{args.raw_dir} matches the raw contract")
    return 0


def _compare_column(text: str) -> tuple[str, int]:
    name, _, sign = text.rpartition(":")
    if not name or sign not in ("1", "-1", "+1"):
        raise argparse.ArgumentTypeError(f"expected COLUMN:1 or COLUMN:-1 (higher / lower is riskier), got {text!r}")
    return name, int(sign)


def _churn_train(args: argparse.Namespace) -> int:
    from .ml import ChurnConfig, run_churn_pipeline
    from .ml.report import format_run, read_table, rows_to_score, write_outputs

    config = ChurnConfig(horizon_days=args.horizon_days, lead_days=args.lead_days, seed=args.seed,
                         models=tuple(args.models), fold_step=args.fold_step, max_folds=args.max_folds,
                         min_train_rows=args.min_train_rows, min_train_churners=args.min_train_churners,
                         min_train_dates=args.min_train_dates, split_by=args.split_by)
    frame = read_table(Path(args.table))
    run = run_churn_pipeline(frame, id_col=args.id, label_col=args.label, date_col=args.date,
                             exclude_cols=tuple(args.exclude or ()), known_outcome_col=args.known_outcome,
                             group_col=args.group, compare_cols=dict(args.compare or ()),
                             fallback_col=args.fallback, config=config)
    print(format_run(run))
    scores = None
    if args.score:
        scores = run.predict(rows_to_score(run, frame))
        methods = ", ".join(f"{m} {n}" for m, n in scores["prediction_method"].value_counts().sort_index().items())
        print(f"scored {len(scores):,} rows with {run.model_version} ({methods})")
    if args.out:
        files = write_outputs(run, Path(args.out), scores)
        print("wrote " + ", ".join(str(f) for f in files))
    return 0


def _add_warehouse_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--warehouse", default=os.environ.get("CSOPS_WAREHOUSE", "warehouse/csops.duckdb"),
                        help="DuckDB warehouse file (default $CSOPS_WAREHOUSE or warehouse/csops.duckdb)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="csops", description="CS Ops warehouse tooling.")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser(
        "generate",
        help="write deterministic demo raw data (Parquet) for every source system",
        description="Write every raw table as daily syncs deliver it, OUT/<system>/<table>/loaded_date=YYYY-MM-DD/"
                    "part-<k>.parquet, and the hidden ground truth under TRUTH_OUT. The same seed, scale and as-of "
                    "date give byte-identical files; a later as-of keeps every earlier file and adds new days.",
    )
    sizes = ", ".join(f"{k} ({v.customers:,} customers, {v.months} months)" for k, v in SCALES.items())
    g.add_argument("--scale", default="tiny", help=f"data size: {sizes}")
    g.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    g.add_argument("--out", default="data/demo/raw", help="folder for the raw tables (default data/demo/raw)")
    g.add_argument("--truth-out", default=None,
                   help="folder for the ground truth (default: a 'truth' folder beside OUT)")
    g.add_argument("--as-of", default=DEFAULT_AS_OF,
                   help=f"the day the export is taken: nothing loaded on or after it is written (any day from "
                        f"a month into the scale's calendar to its horizon, {HORIZON_MONTHS} months after "
                        f"{DEFAULT_AS_OF}; default {DEFAULT_AS_OF})")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.add_argument("--force", action="store_true",
                   help="write into OUT (and the truth folder) even when csops generate did not create it; "
                        "its <system> folders are replaced")
    g.set_defaults(func=_generate)

    b = sub.add_parser(
        "build",
        help="build the warehouse in a private file, run the quality suites, and publish it only if both pass",
        description="dbt build into warehouse/.build/, then the Great Expectations suites on that build; only when "
                    "both pass, replace the published warehouse atomically (the one before is kept as "
                    "<name>.previous.duckdb) and record the run in meta.build_runs. Incremental builds start from a "
                    "copy of the published warehouse and are refused on raw data of another dataset. A failed "
                    "build leaves the published warehouse unchanged and exits 1.",
    )
    _add_warehouse_argument(b)
    b.add_argument("--raw-dir", default=None,
                   help="raw Parquet folder, <dir>/<system>/<table>.parquet or <dir>/<system>/<table>/**/*.parquet "
                        "(default $CSOPS_RAW_DIR); "
                        "ignored when CSOPS_RAW_SOURCE_MODE=tables")
    b.add_argument("--full-refresh", action="store_true",
                   help="build from an empty file (dbt --full-refresh, snapshots restarted); needed when the raw "
                        "data is another dataset")
    b.add_argument("--vars", default=None, help="dbt vars for this build, as YAML (dbt build --vars)")
    b.add_argument("--gx-root", default=os.environ.get("CSOPS_GX_ROOT", "."),
                   help="folder whose gx/ holds the GX file context and data docs (default: the current folder)")
    b.add_argument("--quiet", action="store_true", help="do not echo dbt's output (it stays in dbt's log)")
    b.add_argument("--keep-build", action="store_true",
                   help="keep a failed build's private folder to inspect it (removed by the next build)")
    b.set_defaults(func=_build)

    s = sub.add_parser(
        "sql",
        help="run a query on the published warehouse, read-only, and print the result",
        description="Open the warehouse read-only (it never blocks a build or another reader), run QUERY and "
                    "print the result as a table, or as CSV with --csv.",
    )
    _add_warehouse_argument(s)
    s.add_argument("query", help='SQL, e.g. "select * from marts.dim_customers limit 5"')
    s.add_argument("--csv", action="store_true", help="print CSV (header, then every row) instead of a table")
    s.add_argument("--max-rows", type=int, default=None,
                   help="rows to show in the table (default: DuckDB's 20, the first and last ten; --csv prints all)")
    s.set_defaults(func=_sql)

    e = sub.add_parser(
        "evaluate-identity",
        help="grade the warehouse's identity resolution against the demo data's ground truth",
        description="Precision and recall of int_customers_identity_resolved per source table, against the "
                    "identity map the generator wrote. Exits 1 when below the targets.",
    )
    _add_warehouse_argument(e)
    e.add_argument("--truth", default="data/demo/truth", help="ground-truth folder (default data/demo/truth)")
    e.add_argument("--min-precision", type=float, default=0.99)
    e.add_argument("--min-recall", type=float, default=0.97)
    e.set_defaults(func=_evaluate_identity)

    h = sub.add_parser(
        "evaluate-health",
        help="grade the warehouse's health score against the demo data's ground truth",
        description="On the scored customer-weeks of marts.fct_customer_health_weekly: Spearman correlation of "
                    "health_score with the true latent health of the week's month, and the AUC of the score for "
                    "churn within 90 and 180 days (on weeks whose window ends before the truth's as-of) against "
                    "the latent health's AUC on the same rows, overall and per segment, lifecycle phase and "
                    "scorecard version; the red band's 180-day churn lift and red-to-green ratio. Exits 1 when "
                    "a target is missed (a score AUC above the latent health's by more than --max-auc-excess is "
                    "leakage, a failure), 2 when an input is missing.",
    )
    _add_warehouse_argument(h)
    h.add_argument("--truth", default="data/demo/truth", help="ground-truth folder (default data/demo/truth)")
    h.add_argument("--min-auc-ratio", type=float, default=0.97,
                   help="180-day churn AUC of the score / of the latent health, at least (default 0.97)")
    h.add_argument("--min-red-lift", type=float, default=2.0,
                   help="180-day churn rate of red rows / of all scored rows, at least (default 2.0)")
    h.add_argument("--min-red-to-green", type=float, default=4.0,
                   help="180-day churn rate of red rows / of green rows, at least (default 4.0)")
    h.add_argument("--max-auc-excess", type=float, default=0.02,
                   help="score AUC - latent health AUC (90 and 180 days), at most; more is leakage (default 0.02)")
    h.add_argument("--json", action="store_true", help="print the figures and targets as JSON")
    h.set_defaults(func=_evaluate_health)

    p = sub.add_parser(
        "evaluate-plays",
        help="grade the warehouse's play effectiveness report against the demo data's ground truth",
        description="For every row of marts.rpt_play_effectiveness (play, segment, metric): the measured effect "
                    "(treated - holdout), its 95%% interval and its simultaneous interval (Bonferroni over the "
                    "play and segment's metrics; the report's finding reads it) against the true effect averaged "
                    "over the same assignments (truth play_assignments; play_effects beside it): whether the 95%% "
                    "interval holds it and the error for churn within 90 and 180 days, the direction for the "
                    "health change (the score without the CS platform's measures), "
                    "and a verdict on the report's claim, judged on the simultaneous interval (detected, "
                    "right_direction, wrong_direction, no_claim, false_claim). Exits 1 "
                    "when an all-segments row claims an effect the truth does not have (a play that does nothing "
                    "credited) or too few churn intervals hold the truth, 2 when an input is missing.",
    )
    _add_warehouse_argument(p)
    p.add_argument("--truth", default="data/demo/truth", help="ground-truth folder (default data/demo/truth)")
    p.add_argument("--min-coverage", type=float, default=0.8,
                   help="share of measured churn rows whose 95%% interval holds the true effect, at least "
                        "(default 0.8)")
    p.add_argument("--json", action="store_true", help="print every row and the targets as JSON")
    p.set_defaults(func=_evaluate_plays)

    ch = sub.add_parser(
        "evaluate-churn",
        help="grade the warehouse's churn model backtest against the demo data's ground truth",
        description="On the rows of marts.ml_churn_backtest_scores at a month end with a known label, matched to "
                    "the truth's churn outlook of the same customer and month end (unmatched rows are counted and "
                    "said): per model, overall and per plan group and fold, the AUC for churn within 90 days "
                    "against the AUC of the truth's own probability (the oracle) on the same rows, top-decile "
                    "lift, Brier skill against the base rate, the health score's AUC; cancel-pending rows apart. "
                    "Targets on the selected model; the revenue forecast against the naive baseline at 3, 6 and "
                    "12 months when marts.rpt_revenue_forecast_backtest exists. Exits 1 when a target is missed, "
                    "2 when an input is missing.",
    )
    _add_warehouse_argument(ch)
    ch.add_argument("--truth", default="data/demo/truth", help="ground-truth folder (default data/demo/truth)")
    ch.add_argument("--min-auc-ratio", type=float, default=0.97,
                    help="model AUC / oracle AUC on the selected model's headline rows, at least (default 0.97)")
    ch.add_argument("--min-lift", type=float, default=4.0,
                    help="churn rate of the riskiest 10%% of rows / of all rows, at least (default 4)")
    ch.add_argument("--min-brier-skill", type=float, default=0.10,
                    help="1 - Brier / Brier of the base rate, at least (default 0.10)")
    ch.add_argument("--max-auc-excess", type=float, default=0.02,
                    help="model AUC - oracle AUC, at most; more is leakage (default 0.02)")
    ch.add_argument("--forecast-method", default=None,
                    help="the churn-model forecast's method in rpt_revenue_forecast_backtest (default: the one "
                         "method named churn)")
    ch.add_argument("--baseline-method", default=None,
                    help="the naive baseline's method there (default: the one method named naive)")
    ch.add_argument("--json", action="store_true", help="print the figures and targets as JSON")
    ch.set_defaults(func=_evaluate_churn)

    t = sub.add_parser(
        "tune-health",
        help="propose health scorecard weights fitted on past churn (a candidate; never publishes)",
        description="For the published version in force of a scorecard, score its customer-weeks whose 180 days have "
                    "passed (the SQL's arithmetic in Python, checked against int_customer_health_scored), label churn "
                    "within 180 days as rpt_health_score_backtest does, fit non-negative weights (summing to the "
                    "current total, thresholds unchanged) on the weeks up to 180 days before the split date, and "
                    "compare AUC, red-band lift and red-to-green ratio of both versions on the weeks from the split. "
                    "Writes health_scorecard_measures_candidate.csv, health_scorecards_candidate.csv (status "
                    "candidate) and tune_health_backtest.md to --out. Exits 2 when an input is missing or there is "
                    "nothing to learn from.",
    )
    _add_warehouse_argument(t)
    t.add_argument("--scorecard", default="standard", help="scorecard_id to tune (default standard)")
    t.add_argument("--out", default="warehouse/tune-health",
                   help="folder for the candidate files (default warehouse/tune-health; never the seeds)")
    t.add_argument("--split-date", type=_iso_date, default=None,
                   help="first judged week (YYYY-MM-DD); fit weeks end 180 days before it "
                        "(default: the last third of the weeks is judged)")
    t.add_argument("--gap-days", type=int, default=180,
                   help="days between the last fit week and the split (default 180, the outcome window: no fit "
                        "label overlaps a judged one; less is only for short histories, and says so)")
    t.set_defaults(func=_tune_health)

    ct = sub.add_parser(
        "churn-train",
        help="backtest churn models on any customer table (Parquet or CSV) and pick one",
        description="Read TABLE (.parquet, a folder of Parquet files, or .csv: one row per customer, or per customer "
                    "and observation date), and run csops.ml's churn pipeline on it: with --date, time-based "
                    "expanding-window folds, one per observation date, each trained only on rows whose label window "
                    "(date + lead + horizon days) has closed by the test date; without --date, stratified 5-fold "
                    "cross-validation. Three models (regularised logistic regression; gradient boosting; their "
                    "mean), probabilities calibrated by cross-fitting on the training rows (customers dealt to two "
                    "groups), metrics per fold and pooled (AUC, PR-AUC, top-decile "
                    "lift, Brier and its skill against the training base rate, log loss, calibration bins), and the "
                    "model with the lowest pooled out-of-time log loss selected. Every column that is not the id, "
                    "label, date, known-outcome, group, compare, fallback or an --exclude column is a feature "
                    "(numbers and booleans numeric, text categorical). The label is 0/1; empty means not known yet "
                    "(scored, never trained on). Folds with too little history fall back (base rate or --fallback) "
                    "and say why. Prints the fold scheme, pooled metrics per model and row group, and the selected "
                    "model; with --out, writes evaluation.csv, predictions.csv (the out-of-time predictions of "
                    "every test date, also those whose labels are unknown) and folds.csv; with --score also "
                    "scores.csv (today's probabilities with their drivers). Bad input exits 2 with one line "
                    "naming the column.",
    )
    ct.add_argument("--table", required=True, metavar="FILE", help="the customer table: .parquet, .pq, a folder "
                    "of Parquet files, or .csv")
    ct.add_argument("--id", required=True, metavar="COL", help="customer id column")
    ct.add_argument("--label", required=True, metavar="COL", help="0/1 churn label column (empty: not known yet)")
    ct.add_argument("--date", metavar="COL", default=None,
                    help="observation date column: time-based folds (default: none, stratified folds)")
    ct.add_argument("--horizon-days", type=int, default=90, metavar="N",
                    help="the label window in days (default 90)")
    ct.add_argument("--lead-days", type=int, default=0, metavar="N",
                    help="days between the observation date and the window's start (default 0)")
    ct.add_argument("--known-outcome", metavar="COL", default=None,
                    help="true/false column of rows already known to churn (e.g. a pending cancellation): never "
                         "trained on, evaluated apart, predicted by their historical churn rate")
    ct.add_argument("--group", metavar="COL", default=None, help="report metrics per value of this column too")
    ct.add_argument("--compare", metavar="COL:SIGN", type=_compare_column, action="append",
                    help="a score to compare on the same rows, e.g. health_score:-1 (-1: lower is riskier; "
                         "repeatable)")
    ct.add_argument("--fallback", metavar="COL", default=None,
                    help="probabilities (0-1) to use where a fold has too little history (default: the base rate)")
    ct.add_argument("--exclude", metavar="COL", nargs="+", action="extend",
                    help="columns that are not features (e.g. churn_date mrr_amount; repeatable)")
    models = ["logistic", "gradient_boosting", "ensemble"]  # csops.ml.config.MODELS (not imported: sklearn is slow)
    ct.add_argument("--models", nargs="+", default=models, choices=models,
                    help="models to backtest (default all three; ensemble is the mean of the other two)")
    ct.add_argument("--split-by", metavar="COL", default=None,
                    help="one model per value of this feature (e.g. a plan kind whose values churn by different "
                         "rules); values with few churners share a model fit on every row")
    ct.add_argument("--fold-step", type=int, default=1, metavar="K",
                    help="test every K-th observation date, counted back from the latest (default 1)")
    ct.add_argument("--max-folds", type=int, default=None, metavar="N", help="only the latest N test dates")
    ct.add_argument("--min-train-rows", type=int, default=100, metavar="N",
                    help="fewer training rows: the fold falls back (default 100)")
    ct.add_argument("--min-train-churners", type=int, default=10, metavar="N",
                    help="fewer training churners: the fold falls back (default 10)")
    ct.add_argument("--min-train-dates", type=int, default=2, metavar="N",
                    help="fewer training dates: the fold falls back (default 2)")
    ct.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    ct.add_argument("--score", action="store_true",
                    help="also refit the selected model on every labelled row and score the latest date's rows "
                         "(every row without --date): probability, method and top three drivers, to scores.csv")
    ct.add_argument("--out", metavar="DIR", default=None,
                    help="folder for evaluation.csv, predictions.csv, folds.csv (and scores.csv with --score; "
                         "default: print only)")
    ct.set_defaults(func=_churn_train)

    q = sub.add_parser(
        "quality",
        help="run the Great Expectations suites (gx/suites) on the warehouse and write the data docs",
        description="Run every suite in gx/suites as a GX checkpoint on the warehouse, write the HTML data docs to "
                    "<gx-root>/gx/uncommitted/data_docs/local_site/index.html, print the failures and exit 1 if any "
                    "expectation failed or errored.",
    )
    _add_warehouse_argument(q)
    q.add_argument("--gx-root", default=os.environ.get("CSOPS_GX_ROOT", "."),
                   help="folder whose gx/ holds the GX file context and data docs (default: the current folder)")
    q.add_argument("--suite", action="append", help="run only this suite (repeatable)")
    q.set_defaults(func=_quality)

    c = sub.add_parser(
        "docs-coverage",
        help="fail when a model, seed, snapshot, column or source table has no description, or a model no key test",
        description="Reads dbt's target/manifest.json and target/catalog.json (run dbt build and dbt docs generate "
                    "first), prints what is missing and the coverage, exits 1 if anything is missing.",
    )
    c.add_argument("--target", default="target", help="dbt target folder (default target)")
    c.set_defaults(func=_docs_coverage)

    k = sub.add_parser(
        "check-raw",
        help="check a folder of raw exports against the raw contract before dbt runs",
        description="Check DIR (<system>/<table>.parquet or <system>/<table>/**/*.parquet) against the raw "
                    "contract in the sources YAML: missing systems, tables and required columns, column types, "
                    "primary keys repeated within one _loaded_at, instants without a UTC offset, unknown "
                    "currencies. One line per problem; exits 1 when there are problems, 2 when DIR does not exist.",
    )
    k.add_argument("raw_dir", metavar="DIR", help="the folder of exports, e.g. data/tiny/raw")
    k.add_argument("--skip-system", action="append", metavar="NAME",
                   help="a system you do not export (repeatable; crm and billing cannot be skipped)")
    k.set_defaults(func=_check_raw)

    r = sub.add_parser(
        "readme-facts",
        help="check (or rewrite) the README figures that come from the project",
        description="README.md marks generated blocks with <!-- facts:NAME --> ... <!-- /facts:NAME -->: test "
                    "counts (dbt manifest, pytest collection), the generator benchmark (bench/results.md), the raw "
                    "tables and the truth folder (the generator), the raw contract (the sources YAML). --check "
                    "(default) exits 1 when a block is stale.",
    )
    mode = r.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 when a block is stale (the default)")
    mode.add_argument("--write", action="store_true", help="rewrite the stale blocks instead of checking them")
    r.add_argument("--root", default=".", help="the project folder (default: the current folder)")
    r.add_argument("--target", default=None, help="dbt target folder with manifest.json (default <root>/target)")
    r.set_defaults(func=_readme_facts)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; an expected failure (CsopsError) is one line on stderr and its exit code (2, or 1)."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CsopsError as e:
        sys.stdout.flush()
        print(f"csops {args.command}: error: {e}", file=sys.stderr)
        return e.exit_code


if __name__ == "__main__":
    sys.exit(main())
