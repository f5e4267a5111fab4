"""Churn prediction on any customer table: out-of-time backtest, model choice, scoring with drivers.

    from csops.ml import ChurnConfig, run_churn_pipeline
    run = run_churn_pipeline(frame, id_col="customer_id", label_col="churned_in_window",
                             date_col="observation_date", exclude_cols=("churn_date", "is_label_known"),
                             known_outcome_col="is_cancel_pending", group_col="plan_group",
                             compare_cols={"health_score": -1}, config=ChurnConfig(horizon_days=90))
    run.evaluation; run.out_of_time_predictions; run.selected_model; run.predict(today_rows)

On the warehouse's marts.ml_churn_features: run_churn_pipeline(frame, **ML_CHURN_FEATURES_ROLES, config=...);
cached_churn_run(frame, **same arguments) shares one run between the dbt Python models of one build.

The CLI: `csops churn-train --table FILE --id COL --label COL [--date COL] ...` (csops churn-train --help).

Input. One row per customer (and observation date, when there is a date column). The label is 0/1 (or
true/false); null means "not known yet": such rows are scored, never trained on. Features: every column
but the id, date, label, known-outcome, group, compare, fallback and excluded columns (or `feature_cols`);
numbers and booleans are numeric, text is categorical, a date column as a feature is refused. Bad input
(missing column, label not 0/1, empty table, unparsable date, repeated key) raises MlError, one line
naming the column. Rows are sorted by (date, id) first, so the input's row order never changes a result.

Folds (run.fold_scheme says which, in one sentence).
- With a date column: time-based, expanding window. One fold per test date: every `fold_step`-th
  distinct date counted back from the latest (so the latest, "today", is always tested), the latest
  `max_folds` of them. A fold trains on the labelled, not-known-outcome rows whose label window has
  closed by the test date: date + lead_days + horizon_days <= test date (the gap is the label window,
  so no training label overlaps the test period). Every row of the test date is predicted, labelled
  or not: the revenue-forecast backtest needs predictions for dates whose labels are still unknown.
- Without a date column: stratified `n_splits`-fold cross-validation (seeded); rows without a label
  and known-outcome rows are dealt to the folds in turn so each gets an out-of-fold prediction.
- A fold with fewer than min_train_rows training rows, min_train_dates dates or min_train_churners
  churners trains nothing: its evaluation rows say `not_enough_history` / `no_churners` and why, and
  its predictions fall back (below). Never a crash.

Models (both deterministic for a seed).
- `logistic`: median imputation with missing-value indicators, standardisation, one-hot categoricals
  (unknown categories ignored, the rarest beyond max_categories grouped), L2-regularised logistic
  regression (C = logistic_c, lbfgs).
- `gradient_boosting`: sklearn HistGradientBoostingClassifier with native categorical support (ordinal
  codes, unknown -> missing), gb_max_iter (200) iterations at gb_learning_rate 0.05, trees of at most
  15 leaves of at least 100 rows (churn is rare and noisy: bigger trees learned noise on the demo data),
  no early stopping, random_state = seed. A fit with few churners gets smaller trees: at most one leaf
  per gb_churners_per_leaf (100) churners of its rows, at least 2 (csops.ml.models.gb_leaf_nodes), so
  a few hundred churners fit shallow, nearly additive trees instead of interactions they cannot tell
  from noise (small demo data: AUC 0.807 -> 0.834; medium, with thousands of monthly churners a fit,
  keeps its figures); each split_by value's model counts its own churners.
- `ensemble`: the mean of the two models' calibrated probabilities (fit once, shared). They err
  differently (smooth trends vs thresholds and interactions), and the mean ranked better than either
  on the medium demo data.
- `split_by` (optional): one model per value of a feature, e.g. monthly vs term plans, which churn by
  different rules; values with fewer than min_split_churners churners share a model fit on every row;
  calibrated per value (csops.ml.models.SplitModel).
- Calibration (`calibration`: sigmoid (default, Platt scaling on the raw logit), isotonic or none),
  cross-fitted, without leakage: the training rows' customers are dealt (seeded) to calibration_folds
  groups; each group is scored by a model fit on the other groups, the calibrator is fit on those
  out-of-fold probabilities, and the model itself on every training row. The calibrator sees only
  training rows, whose label windows closed by the test date. (A time holdout - the latest training
  dates - had to drop every fit row whose window reached into them: half the rows on two years of data,
  and a weaker model.) When a group or the rest has too little history or one class, the model is left
  uncalibrated; the `calibration` column says so. Sigmoid is the default because isotonic needs many
  churners and can output 0 or 1.
- Selection (run.selected_model, run.selection_rule): the lowest pooled out-of-time log loss on the
  headline rows over the folds that trained a model (all models share those folds); ties go to the
  first of config.models. Log loss rewards both ranking and calibration, which the ARR-at-risk sums need.

Known outcomes (`known_outcome_col`, e.g. a pending cancellation): never trained on, outside the
headline metrics, evaluated in their own row group `known_outcome`, and predicted by the empirical churn
rate of the labelled known-outcome rows of the fold's training history (known_outcome_default_rate
before any exists, said in fallback_reason); prediction_method `known_outcome`.

Fallback (prediction_method / fallback_reason say which and why): when a fold or the final model has too
little history, rows get the caller's `fallback_col` probability where it has one (`fallback_scores`),
otherwise the churn rate of whatever labelled history exists (`fallback_base_rate`, the historical base
rate), otherwise no probability at all (`fallback_none`, NaN: nothing is known before the first label).

run.evaluation: one row per model x fold x row_group (x compare column, when there are several), plus
fold 'all' (pooled over the folds that trained a model; known-outcome rows over every fold). Columns:
model_name, fold, test_date_start, test_date_end, train_date_end (latest date among the training rows),
row_group ('headline': labelled, not known outcome; 'known_outcome'; '<group_col>=<value>': headline rows
of that group), rows, churners, base_rate (of these rows), auc, pr_auc, top_decile_lift, brier,
brier_skill (against the fold's TRAINING base rate - the forecast one could make at the test date;
pooled, each row against its own fold's), log_loss, calibration_bins (JSON: 10 equal-count bins of
mean_predicted, observed_rate, rows), compare_name, compare_auc (the compare column's AUC, sign applied,
on the same rows where it is not null), compare_rows, status ('ok', 'not_enough_history', 'no_churners',
'no_non_churners', 'one_class_test', 'no_labels_yet', 'no_model_folds'), reason, train_rows,
train_base_rate, calibration. Metrics are defined in csops.ml.metrics.

run.out_of_time_predictions: every row of every test date (or fold) x model: <id_col>, <date_col>,
model_name, fold, churn_probability, <label_col> (NaN: unknown), is_known_outcome, prediction_method,
fallback_reason, is_selected_model. run.folds: one row per fold (training window, rows, calibration,
status, seconds). run.training_rows(fold): the rows a fold trained on.

run.predict(frame_to_score): the selected model trained on every labelled, not-known-outcome row of the
table (same calibration rule; the latest fold's model itself when that fold trained on exactly those
rows, as on a table whose labels are all known by its latest date - then today's scores equal the
latest date's out-of-time predictions), one row per input row: <id_col>, churn_probability, model_name,
model_version (model + hash of config, features and training rows), prediction_method ('model',
'known_outcome', 'fallback_scores', 'fallback_base_rate', 'fallback_none'), fallback_reason,
driver_1..3, driver_1..3_direction ('raises risk' / 'lowers risk'), driver_1..3_effect,
training_window_start, training_window_end.

Drivers, by occlusion: for each feature, the customer's probability minus the probability with that one
feature replaced by its training reference (median of a numeric, most frequent category of a
categorical); the three largest in absolute value, effect in probability (0.05 = 5 percentage points;
positive raises risk). It is faithful to the model actually scored (calibration included), works the
same for both models, needs no extra dependency, and costs one batched prediction per feature (10k
customers x 40 features is 400k predicted rows: seconds). It reads "what this value does against a
typical customer"; effects of features that interact need not add up to the probability. Known-outcome
rows get the known-outcome column as driver 1 (its rate minus the base rate); fallback rows no drivers.
"""

from .config import ML_CHURN_FEATURES_ROLES, ChurnConfig, MlError
from .pipeline import ChurnRun, cached_churn_run, run_churn_pipeline

__all__ = ["ML_CHURN_FEATURES_ROLES", "ChurnConfig", "ChurnRun", "MlError", "cached_churn_run", "run_churn_pipeline"]
