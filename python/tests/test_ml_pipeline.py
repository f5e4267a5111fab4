"""csops.ml.run_churn_pipeline on synthetic customer tables (ml_synthetic.py): signal, out-of-time folds,
determinism, known outcomes, fallbacks, the stratified path, scoring with drivers, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from ml_synthetic import customer_table
from pandas.testing import assert_frame_equal

from csops.ml import ML_CHURN_FEATURES_ROLES, ChurnConfig, MlError, cached_churn_run, run_churn_pipeline
from csops.ml.metrics import auc
from csops.ml.models import gb_leaf_nodes, prepare_features

pytestmark = pytest.mark.unit

N_MODELS = len(ChurnConfig().models)  # logistic, gradient boosting and their ensemble
FAST = dict(gb_max_iter=30, gb_learning_rate=0.1, gb_min_samples_leaf=40, min_train_rows=100, min_train_churners=10,
            min_train_dates=2)
ROLES = dict(id_col="customer_id", label_col="churned_in_window", date_col="observation_date",
             exclude_cols=("mrr_amount",), known_outcome_col="is_cancel_pending", group_col="plan_group",
             compare_cols={"health_score": -1})


def run_on(frame: pd.DataFrame, **overrides):
    roles = {**ROLES, **{k: v for k, v in overrides.items() if k in ROLES or k == "fallback_col"}}
    config = ChurnConfig(**{**FAST, **{k: v for k, v in overrides.items() if k not in roles}})
    return run_churn_pipeline(frame, **roles, config=config)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return customer_table()


@pytest.fixture(scope="module")
def run(table):
    return run_on(table)


def pooled(run, model: str, group: str = "headline") -> pd.Series:
    ev = run.evaluation
    return ev[(ev["model_name"] == model) & (ev["fold"] == "all") & (ev["row_group"] == group)].iloc[0]


def test_a_learnable_signal_is_learned_and_beats_a_random_feature(run, table):
    oot = run.out_of_time_predictions
    noise = table.set_index(["customer_id", "observation_date"])["noise"]
    for model in ("logistic", "gradient_boosting"):
        row = pooled(run, model)
        assert row["status"] == "ok" and row["rows"] > 500
        assert row["auc"] > 0.75, row
        assert row["top_decile_lift"] > 1.8 and row["brier_skill"] > 0.05
        # the random feature ranks the same rows no better than a coin
        rows = oot[(oot["model_name"] == model) & (oot["prediction_method"] == "model")
                   & oot["churned_in_window"].notna()]
        keys = pd.MultiIndex.from_arrays([rows["customer_id"], rows["observation_date"].dt.date])
        noise_auc = auc(rows["churned_in_window"].astype(float), noise.loc[keys].to_numpy())
        assert abs(noise_auc - 0.5) < 0.06
        assert row["auc"] > noise_auc + 0.2
    assert run.selected_model in ("logistic", "gradient_boosting")
    assert run.selected_model in run.selection_rule and "log loss" in run.selection_rule
    best = min(("logistic", "gradient_boosting"), key=lambda m: pooled(run, m)["log_loss"])
    assert run.selected_model == best


def test_evaluation_has_every_column_and_row_group(run):
    ev = run.evaluation
    for col in ("model_name", "fold", "test_date_start", "test_date_end", "train_date_end", "row_group", "rows",
                "churners", "base_rate", "auc", "pr_auc", "top_decile_lift", "brier", "brier_skill", "log_loss",
                "calibration_bins", "compare_name", "compare_auc", "status", "reason"):
        assert col in ev.columns
    assert set(ev["row_group"]) == {"headline", "known_outcome", "plan_group=monthly", "plan_group=term"}
    assert not ev.duplicated(["model_name", "fold", "row_group", "compare_name"]).any()
    assert len(ev[ev["fold"] != "all"]) == N_MODELS * 12 * 4  # 3 models x 12 test dates x 4 row groups
    ok = ev[(ev["status"] == "ok") & (ev["row_group"] == "headline")]
    bins = json.loads(ok["calibration_bins"].iloc[0])
    assert len(bins) == 10 and sum(b["rows"] for b in bins) == ok["rows"].iloc[0]
    assert (ok["compare_name"] == "health_score").all() and ok["compare_auc"].between(0.6, 1).all()
    assert ev["status"].notna().all() and ev.loc[ev["status"] != "ok", "reason"].str.len().gt(0).all()
    assert run.fold_scheme.startswith("time-based folds on observation_date") and "gap 90 days" in run.fold_scheme


@pytest.mark.parametrize("lead_days", [0, 30])
def test_no_fold_trains_on_a_label_window_reaching_past_its_test_date(table, lead_days):
    run = run_on(table, lead_days=lead_days) if lead_days else run_on(table)
    gap = pd.Timedelta(days=lead_days + 90)
    labelled = table[table["churned_in_window"].notna() & ~table["is_cancel_pending"]]
    trained = 0
    for fold in run.folds.itertuples():
        test_date = pd.Timestamp(fold.test_date)
        rows = run.training_rows(fold.fold)
        assert (rows["observation_date"] + gap <= test_date).all(), fold.fold
        # and nothing that was allowed is missing: every labelled row whose window closed is there
        allowed = labelled[pd.to_datetime(labelled["observation_date"]) + gap <= test_date]
        assert len(rows) == len(allowed)
        fit, cal = rows[rows["role"] == "fit"], rows[rows["role"] == "calibration"]
        if len(cal):  # the calibrator's rows are later than every fit row's label window
            assert (fit["observation_date"] + gap <= cal["observation_date"].min()).all()
        trained += fold.status == "ok"
    assert trained >= 4
    assert (run.folds["calibration"].str.startswith("sigmoid")).sum() >= 2


def test_calibration_is_cross_fitted_by_customer_on_training_rows_only(table):
    run = run_on(table, models=("logistic",))
    calibrated = run.folds[run.folds["calibration"].str.startswith("sigmoid on out-of-fold")]
    assert len(calibrated) >= 3
    for fold in calibrated.itertuples():
        rows = run.training_rows(fold.fold)
        assert (rows["role"] == "fit").all()  # every training row fits the model and, out of fold, the calibrator
        assert fold.calibration_rows == fold.fit_rows == len(rows)
    # the groups deal customers, not rows: a customer's months are all on one side
    from csops.ml.pipeline import _calibration_groups, load_table
    t, _spec, _label = load_table(table, id_col="customer_id", label_col="churned_in_window",
                                  date_col="observation_date", feature_cols=None, exclude_cols=("mrr_amount",),
                                  known_outcome_col="is_cancel_pending", group_col="plan_group",
                                  compare_cols={"health_score": -1}, fallback_col=None)
    idx = np.flatnonzero(t.labelled & ~t.known)
    groups, note = _calibration_groups(t, idx, ChurnConfig(**FAST), salt=1)
    assert groups is not None, note
    per_customer = pd.Series(groups).groupby(t.ids[idx]).nunique()
    assert (per_customer == 1).all() and set(groups) == {0, 1}
    # calibrated: the pooled mean probability is close to the churn rate it predicts
    pooled = run.evaluation[(run.evaluation["fold"] == "all") & (run.evaluation["row_group"] == "headline")]
    oot = run.out_of_time_predictions
    scored = oot[(oot["prediction_method"] == "model") & oot["churned_in_window"].notna() & ~oot["is_known_outcome"]]
    assert abs(scored["churn_probability"].mean() - pooled["base_rate"].iloc[0]) < 0.03


def test_every_row_of_every_test_date_is_predicted_even_without_a_label(run, table):
    oot = run.out_of_time_predictions
    assert len(oot) == N_MODELS * len(table)  # 12 test dates = every date; 3 models
    latest = oot[oot["observation_date"] == oot["observation_date"].max()]
    assert latest["churned_in_window"].isna().all()
    assert latest.loc[~latest["is_known_outcome"], "prediction_method"].eq("model").all()
    assert latest["churn_probability"].between(0, 1).all()
    assert oot.loc[oot["is_selected_model"], "model_name"].eq(run.selected_model).all()
    no_labels = run.evaluation[(run.evaluation["status"] == "no_labels_yet") & (run.evaluation["fold"] != "all")]
    assert len(no_labels) and no_labels["reason"].str.contains("not known yet").all()


def test_same_input_and_seed_give_identical_outputs(run, table):
    # the rows in another order: the pipeline sorts them by (date, id) first, so nothing changes
    again = run_on(table.sample(frac=1, random_state=3).reset_index(drop=True))
    assert_frame_equal(run.evaluation, again.evaluation, check_exact=True)
    assert_frame_equal(run.out_of_time_predictions, again.out_of_time_predictions, check_exact=True)
    today = table[table["observation_date"] == table["observation_date"].max()]
    assert_frame_equal(run.predict(today), again.predict(today), check_exact=True)
    assert run.selected_model == again.selected_model


def test_known_outcomes_are_never_trained_on_and_reported_apart(run, table):
    known = table[table["is_cancel_pending"]]
    known_keys = set(zip(known["customer_id"], pd.to_datetime(known["observation_date"]), strict=True))
    for fold in run.folds["fold"]:
        rows = run.training_rows(fold)
        assert not known_keys & set(zip(rows["customer_id"], rows["observation_date"], strict=True))
    oot = run.out_of_time_predictions
    k = oot[oot["is_known_outcome"]]
    assert len(k) == N_MODELS * len(known) and k["prediction_method"].eq("known_outcome").all()
    # they churn in every labelled fold of the synthetic data: their empirical rate is 1 once history has one
    trained = k[k["observation_date"] >= pd.Timestamp("2024-05-31")]
    assert trained["churn_probability"].eq(1.0).all()
    ev = run.evaluation
    head = ev[(ev["row_group"] == "headline") & (ev["fold"] != "all")]
    labelled = table[table["churned_in_window"].notna() & ~table["is_cancel_pending"]]
    assert head[head["model_name"] == "logistic"]["rows"].sum() == len(labelled)
    assert pooled(run, "logistic", "known_outcome")["rows"] == int(known["churned_in_window"].notna().sum())


def test_too_few_dates_and_no_churners_fall_back_with_reasons(table):
    # the first test dates have no closed label window: not_enough_history, then too few dates
    run = run_on(table, min_train_dates=3)
    early = run.folds.set_index("fold")
    assert early.loc["01", "status"] == "not_enough_history" and "no labelled row" in early.loc["01", "reason"]
    assert early.loc["04", "status"] == "not_enough_history" and "min_train_dates 3" in early.loc["04", "reason"]
    oot = run.out_of_time_predictions
    first = oot[(oot["fold"] == "01") & ~oot["is_known_outcome"]]
    assert first["prediction_method"].eq("fallback_none").all() and first["churn_probability"].isna().all()
    fourth = oot[(oot["fold"] == "04") & ~oot["is_known_outcome"]]
    assert fourth["prediction_method"].eq("fallback_base_rate").all()
    assert fourth["fallback_reason"].str.contains("min_train_dates 3").all()
    train_rate = run.training_rows("04")["churned_in_window"].mean()
    assert fourth["churn_probability"].eq(train_rate).all()

    # nobody ever churns: every fold and the final model fall back, with the reason, never a crash
    calm = customer_table(churn=False)
    calm = calm.assign(is_cancel_pending=False, churned_in_window=calm["churned_in_window"] * 0)
    quiet = run_on(calm)
    assert set(quiet.folds["status"]) <= {"not_enough_history", "no_churners"}
    assert (quiet.folds["status"] == "no_churners").sum() >= 5
    ev = quiet.evaluation
    assert ev.loc[ev["fold"] == "all", "status"].eq("no_model_folds").all()
    scored = quiet.predict(calm[calm["observation_date"] == calm["observation_date"].max()])
    assert scored["prediction_method"].eq("fallback_base_rate").all()
    assert scored["fallback_reason"].str.startswith("no_churners: no churner among").all()
    assert scored["churn_probability"].eq(0).all() and scored["driver_1"].isna().all()

    # a caller's fallback scores take the place of the base rate
    with_rule = run_on(calm.assign(rule_score=0.2), fallback_col="rule_score")
    oot = with_rule.out_of_time_predictions
    assert oot["prediction_method"].eq("fallback_scores").all() and oot["churn_probability"].eq(0.2).all()


def test_without_a_date_folds_are_stratified(table):
    one_date = table[table["observation_date"] == table["observation_date"].unique()[3]]
    run = run_on(one_date.drop(columns="observation_date"), date_col=None, min_train_rows=50,
                 min_train_churners=5)
    assert run.fold_scheme.startswith("stratified 5-fold cross-validation on churned_in_window")
    oot = run.out_of_time_predictions
    assert "observation_date" not in oot.columns
    assert len(oot) == N_MODELS * len(one_date) and not oot.duplicated(["customer_id", "model_name"]).any()
    assert pooled(run, "logistic")["auc"] > 0.75
    assert run.evaluation["test_date_start"].isna().all()
    scored = run.predict(one_date)
    assert scored["training_window_start"].isna().all() and scored["prediction_method"].isin(
        ["model", "known_outcome"]).all()
    # the seed deals the rows to the folds: the same seed the same folds, another seed others
    folds = oot[oot["model_name"] == "logistic"].set_index("customer_id")["fold"]
    same = run_on(one_date.drop(columns="observation_date"), date_col=None, min_train_rows=50, min_train_churners=5)
    assert_frame_equal(same.out_of_time_predictions, oot, check_exact=True)
    other = run_on(one_date.drop(columns="observation_date"), date_col=None, min_train_rows=50, min_train_churners=5,
                   seed=7).out_of_time_predictions
    other_folds = other[other["model_name"] == "logistic"].set_index("customer_id")["fold"]
    assert (other_folds.loc[folds.index] != folds).any()


def test_predict_gives_probabilities_drivers_and_the_training_window(run, table):
    today = table[table["observation_date"] == table["observation_date"].max()]
    scored = run.predict(today)
    assert list(scored.columns[:6]) == ["customer_id", "churn_probability", "model_name", "model_version",
                                        "prediction_method", "fallback_reason"]
    assert len(scored) == len(today) and scored["model_name"].eq(run.selected_model).all()
    assert scored["model_version"].str.startswith(run.selected_model + "-").all()
    model = scored[scored["prediction_method"] == "model"]
    assert model["driver_1"].notna().all()
    assert set(model["driver_1_direction"]) <= {"raises risk", "lowers risk"}
    assert (model["driver_1_effect"].abs() >= model["driver_2_effect"].abs()).all()
    # usage drives the risk: it is the first driver of most, raising it where usage is above the median
    usage = today.set_index("customer_id").loc[model["customer_id"], "usage"].to_numpy()
    by_usage = model["driver_1"].eq("usage").to_numpy()
    assert by_usage.mean() > 0.6
    high = usage > np.median(table.loc[table["churned_in_window"].notna(), "usage"])
    assert (model["driver_1_direction"].to_numpy()[by_usage & high] == "raises risk").all()
    # the effect is this customer's probability minus the one with the feature at its training reference
    final = run.final_model()
    model_obj = final.models[run.selected_model]
    first = today[~today["is_cancel_pending"]].head(5)
    X = prepare_features(first.reset_index(drop=True), run._spec)
    for k in (1, 2, 3):
        for i, row in scored.set_index("customer_id").loc[first["customer_id"]].reset_index().iterrows():
            feature = row[f"driver_{k}"]
            occluded = X.iloc[[i]].copy()
            occluded[feature] = final.reference[feature]
            expected = model_obj.predict(X.iloc[[i]])[0] - model_obj.predict(occluded)[0]
            assert row[f"driver_{k}_effect"] == pytest.approx(expected, abs=1e-6)
            assert row["churn_probability"] == pytest.approx(model_obj.predict(X.iloc[[i]])[0])
    known = scored[scored["prediction_method"] == "known_outcome"]
    assert len(known) and known["driver_1"].eq("is_cancel_pending").all()
    assert scored["training_window_end"].max() == pd.Timestamp("2024-09-30")  # last date with a closed window
    # every label is known by the latest date, so the latest fold trained on the same rows: same scores
    oot = run.out_of_time_predictions
    latest = oot[oot["is_selected_model"] & (oot["observation_date"] == oot["observation_date"].max())]
    assert np.array_equal(latest.sort_values("customer_id")["churn_probability"].to_numpy(),
                          scored.sort_values("customer_id")["churn_probability"].to_numpy())


@pytest.mark.parametrize("change, says", [
    (lambda f: f.drop(columns="churned_in_window"), "label column 'churned_in_window' is not in the table"),
    (lambda f: f.assign(churned_in_window=f["churned_in_window"].astype("float") * 2),
     "label column 'churned_in_window' must be 0, 1 or null"),
    (lambda f: f.iloc[0:0], "the customer table is empty"),
    (lambda f: f.assign(observation_date=["2024-13-45"] + list(f["observation_date"].astype(str)[1:])),
     "date column 'observation_date' has values that are not dates, e.g. '2024-13-45'"),
    (lambda f: f.assign(observation_date=None), "date column 'observation_date' has"),
    (lambda f: pd.concat([f, f.iloc[:1]]), "repeat a (customer_id, observation_date) key"),
    (lambda f: f.assign(last_login=pd.Timestamp("2024-01-01")), "feature column 'last_login' holds dates"),
    (lambda f: f.assign(is_cancel_pending="maybe"), "known-outcome column 'is_cancel_pending' must be true/false"),
])
def test_bad_input_is_one_line_naming_the_column(table, change, says):
    with pytest.raises(MlError) as e:
        run_on(change(table))
    assert says in str(e.value) and "\n" not in str(e.value)


def test_bad_roles_and_settings_name_what_is_wrong(table):
    with pytest.raises(MlError, match="excluded column 'churn_date' is not in the table"):
        run_on(table, exclude_cols=("churn_date",))
    with pytest.raises(MlError, match="compare column 'health_score' needs sign"):
        run_on(table, compare_cols={"health_score": 2})
    with pytest.raises(MlError, match="models must name"):
        run_on(table, models=("forest",))
    with pytest.raises(MlError, match="horizon_days must be a whole number"):
        run_on(table, horizon_days="90")  # e.g. a dbt var passed as text
    # one excluded column given as text, not a tuple, is that column (not its letters)
    assert "seats" not in run_on(table, exclude_cols="seats", models=("logistic",)).feature_cols
    with pytest.raises(MlError, match="feature column 'plan_tier' is not in the table"):
        run_churn_pipeline(table, **ROLES, feature_cols=["usage", "plan_tier"])
    with pytest.raises(MlError, match="feature column 'usage' is not in the table"):
        run_on(table, models=("logistic",)).predict(table.drop(columns="usage"))


def test_the_warehouse_table_roles_keep_keys_and_outcomes_out_of_the_features(table):
    # shaped like marts.ml_churn_features: churn_date and is_label_known know the future
    dates = pd.to_datetime(table["observation_date"])
    shaped = table.drop(columns=["noise"]).assign(
        observation_date=dates,
        is_latest_observation=dates == dates.max(),
        is_label_known=table["churned_in_window"].notna(),
        churn_date=(dates + pd.Timedelta(days=30)).where(table["churned_in_window"].fillna(0).eq(1)),
        arr_amount=table["mrr_amount"] * 12)
    run = run_churn_pipeline(shaped, **ML_CHURN_FEATURES_ROLES, config=ChurnConfig(**FAST))
    assert sorted(run.feature_cols) == ["mrr_amount", "seats", "segment", "usage"]  # MRR is a feature
    assert run.categorical_cols == ["segment"]
    assert set(run.evaluation["compare_name"]) == {"health_score"}
    with pytest.raises(MlError, match="feature column 'churn_date' holds dates"):
        run_churn_pipeline(shaped, **{**ML_CHURN_FEATURES_ROLES, "exclude_cols": ()}, config=ChurnConfig(**FAST))


def test_isotonic_calibration_sampled_training_rows_and_infinite_values(table):
    # with an infinite ratio here and there (read as missing: the scaler would fail on it)
    ratio = np.where(np.arange(len(table)) % 5 == 0, np.inf, table["seats"] / 10)
    run = run_on(table.assign(ratio=ratio), calibration="isotonic", max_train_rows=300, models=("logistic",))
    assert "ratio" in run.feature_cols
    calibrated = run.folds[run.folds["calibration"].str.startswith("isotonic")]
    assert len(calibrated) >= 2
    for fold in calibrated["fold"]:
        roles = run.training_rows(fold)["role"].value_counts()
        assert roles["fit"] <= 300 and roles.get("unused", 0) > 0  # the fit rows were sampled
    assert pooled(run, "logistic")["auc"] > 0.75
    uncalibrated = run_on(table, calibration="none", models=("logistic",))
    assert uncalibrated.folds.loc[uncalibrated.folds["status"] == "ok", "calibration"].str.startswith("none").all()


def test_a_table_without_any_label_yet_falls_back_instead_of_failing(table):
    young = table.assign(churned_in_window=pd.array([None] * len(table), dtype="Int64"),
                         flag=np.where(np.arange(len(table)) % 3 == 0, None, np.arange(len(table)) % 2 == 0))
    run = run_on(young)
    assert run.folds["status"].eq("not_enough_history").all()
    assert run.evaluation.loc[run.evaluation["fold"] == "all", "status"].isin(["no_model_folds"]).all()
    assert "flag" in run.feature_cols and "flag" not in run.categorical_cols  # True/False/None objects: 0/1
    scored = run.predict(young.head(20))
    unknown = scored[scored["prediction_method"] != "known_outcome"]
    assert unknown["prediction_method"].eq("fallback_none").all() and unknown["churn_probability"].isna().all()
    assert unknown["fallback_reason"].str.contains("no labelled history").all()


def test_a_cached_run_is_shared_for_the_same_table_and_settings_only(table):
    kwargs = dict(**ROLES, config=ChurnConfig(**FAST, models=("logistic",)))
    first = cached_churn_run(table, **kwargs)
    assert cached_churn_run(table.copy(), **kwargs) is first
    changed = table.assign(usage=table["usage"] * 2)
    assert cached_churn_run(changed, **kwargs) is not first
    other = cached_churn_run(table, **{**kwargs, "config": ChurnConfig(**FAST, models=("logistic",), seed=1)})
    assert other is not first
    # the seed deals the calibration groups, so another seed is another run
    assert not other.out_of_time_predictions["churn_probability"].equals(
        first.out_of_time_predictions["churn_probability"])


def test_the_ensemble_is_the_mean_of_its_members_calibrated_probabilities(run):
    oot = run.out_of_time_predictions
    scored = oot[oot["prediction_method"] == "model"]
    wide = scored.pivot_table(index=["customer_id", "observation_date"], columns="model_name",
                              values="churn_probability")
    assert len(wide) > 100
    expected = (wide["logistic"] + wide["gradient_boosting"]) / 2
    assert np.allclose(wide["ensemble"], expected, atol=1e-9)
    pooled_ll = run.evaluation[(run.evaluation["fold"] == "all") & (run.evaluation["row_group"] == "headline")]
    assert set(pooled_ll["model_name"]) == {"logistic", "gradient_boosting", "ensemble"}


def test_a_split_model_scores_each_value_with_its_own_model_and_never_names_the_split_as_a_driver(table):
    run = run_on(table, split_by="segment", min_split_churners=5, models=("gradient_boosting",))
    model = run.final_model().models["gradient_boosting"]
    assert len(model.estimator.parts_) >= 2  # several values had enough churners for a model of their own
    today = table[table["observation_date"] == table["observation_date"].max()]
    scored = run.predict(today)
    names = scored[["driver_1", "driver_2", "driver_3"]].stack()
    assert len(names) and not names.eq(run.config.split_by).any()
    with pytest.raises(MlError, match="split_by 'nope' is not a feature column"):
        run_on(table, split_by="nope")


def _tree_leaves(pipeline) -> int:
    return pipeline.named_steps["model"].max_leaf_nodes


def test_gradient_boosting_trees_grow_with_the_churners_of_the_fit(table):
    # one leaf per gb_churners_per_leaf churners, at least 2 (stumps: an additive model), at most
    # gb_max_leaf_nodes; None keeps the full trees whatever the size
    config = ChurnConfig()
    assert [gb_leaf_nodes(config, np.r_[np.ones(k), np.zeros(5000)]) for k in (0, 150, 350, 1499, 1500, 9000)] \
        == [2, 2, 3, 14, 15, 15]
    assert gb_leaf_nodes(ChurnConfig(gb_churners_per_leaf=None), np.ones(10)) == 15
    assert gb_leaf_nodes(ChurnConfig(gb_churners_per_leaf=10, gb_max_leaf_nodes=31), np.ones(200)) == 20
    # in a run: the final model's trees are sized by its own training churners
    run = run_on(table, models=("gradient_boosting",))  # the default: 100 churners a leaf
    final = run.final_model()
    churners = int(np.nansum(run._table.y[final.fit_idx]))
    assert churners // 100 < 15  # the synthetic table is small enough for the rule to bite
    assert _tree_leaves(final.models["gradient_boosting"].estimator) == max(2, churners // 100)
    full = run_on(table, models=("gradient_boosting",), gb_churners_per_leaf=None).final_model()
    assert _tree_leaves(full.models["gradient_boosting"].estimator) == 15
    # with split_by, each value's model counts the churners of its own rows
    split = run_on(table, models=("gradient_boosting",), gb_churners_per_leaf=40, split_by="segment",
                   min_split_churners=5)
    final = split.final_model()
    key = split._table.X["segment"].iloc[final.fit_idx].astype(str).to_numpy()
    y = split._table.y[final.fit_idx]
    parts = final.models["gradient_boosting"].estimator.parts_
    assert len(parts) >= 2
    for value, part in parts.items():
        assert _tree_leaves(part) == max(2, min(15, int(y[key == value].sum()) // 40))
    with pytest.raises(MlError, match="gb_churners_per_leaf must be a whole number of at least 1"):
        run_on(table, gb_churners_per_leaf=0)
