"""csops churn-train on CSV and Parquet tables written from ml_synthetic.customer_table."""

from __future__ import annotations

import contextlib
import io

import pandas as pd
import pytest
from ml_synthetic import customer_table

from csops.cli import main

pytestmark = pytest.mark.unit

ARGS = ["--id", "customer_id", "--label", "churned_in_window", "--date", "observation_date",
        "--known-outcome", "is_cancel_pending", "--group", "plan_group", "--compare", "health_score:-1",
        "--exclude", "mrr_amount", "--min-train-rows", "100", "--min-train-churners", "10"]


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("churn-train")
    frame = customer_table(n_customers=120, n_dates=10)
    frame.to_csv(folder / "customers.csv", index=False)
    frame.to_parquet(folder / "customers.parquet")
    return {"csv": folder / "customers.csv", "parquet": folder / "customers.parquet", "frame": frame,
            "folder": folder}


@pytest.fixture(scope="module")
def runs(tables) -> dict[str, tuple[int, str, object]]:
    """csops churn-train --score --out on each file: (exit code, what it printed, its --out folder)."""
    done = {}
    for kind in ("csv", "parquet"):
        out = tables["folder"] / f"out-{kind}"
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            code = main(["churn-train", "--table", str(tables[kind]), *ARGS, "--score", "--out", str(out)])
        done[kind] = (code, printed.getvalue(), out)
    return done


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_churn_train_prints_the_scheme_metrics_and_choice_and_writes_csvs(tables, runs, kind):
    code, printed, out = runs[kind]
    assert code == 0
    assert "fold scheme: time-based folds on observation_date" in printed and "gap 90 days" in printed
    assert "logistic           headline" in printed and "gradient_boosting  headline" in printed
    assert "known_outcome" in printed and "plan_group=term" in printed and "health_score" in printed
    assert "selected model: " in printed and "scored 120 rows with " in printed
    evaluation = pd.read_csv(out / "evaluation.csv")
    predictions = pd.read_csv(out / "predictions.csv")
    assert {"model_name", "fold", "row_group", "auc", "status", "reason"} <= set(evaluation.columns)
    assert len(predictions) == 3 * len(tables["frame"])  # every row of every test date, three models
    assert predictions["churned_in_window"].isna().any()  # rows whose label is not known yet are there too
    assert (out / "folds.csv").is_file()


def test_csv_and_parquet_give_the_same_evaluation(runs):
    a, b = (pd.read_csv(runs[k][2] / "evaluation.csv") for k in ("csv", "parquet"))
    pd.testing.assert_frame_equal(a, b, rtol=1e-9)


def test_churn_train_scores_the_latest_date_with_drivers(tables, runs):
    scores = pd.read_csv(runs["parquet"][2] / "scores.csv")
    frame = tables["frame"]
    latest = frame.loc[frame["observation_date"] == frame["observation_date"].max(), "customer_id"]
    assert sorted(scores["customer_id"]) == sorted(latest)
    assert {"churn_probability", "prediction_method", "driver_1", "driver_1_direction", "driver_1_effect",
            "training_window_end"} <= set(scores.columns)
    assert scores.loc[scores["prediction_method"] == "model", "driver_1"].notna().all()


def test_churn_train_without_a_date_is_stratified(tables, tmp_path, capsys):
    frame = tables["frame"]
    one = frame[frame["observation_date"] == frame["observation_date"].unique()[2]].drop(columns="observation_date")
    path = tmp_path / "one.csv"
    one.to_csv(path, index=False)
    args = [a for a in ARGS if a not in ("--date", "observation_date")]
    assert main(["churn-train", "--table", str(path), *args, "--min-train-rows", "40",
                 "--min-train-churners", "5", "--models", "logistic"]) == 0
    assert "fold scheme: stratified 5-fold cross-validation" in capsys.readouterr().out


@pytest.mark.parametrize("change, says", [
    (["--label", "churned"], "label column 'churned' is not in the table"),
    (["--table", "/nonexistent/customers.csv"], "no table at /nonexistent/customers.csv"),
    (["--date", "segment"], "date column 'segment' has"),
])
def test_bad_input_is_one_line(tables, capsys, change, says):
    argv = ["churn-train", "--table", str(tables["csv"]), *ARGS]
    for flag, value in zip(change[::2], change[1::2], strict=True):
        argv[argv.index(flag) + 1] = value
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert len(err.strip().splitlines()) == 1 and err.startswith("csops churn-train: error: ") and says in err


def test_a_table_of_unknown_format_names_the_file(tmp_path, capsys):
    path = tmp_path / "customers.xlsx"
    path.write_text("x")
    assert main(["churn-train", "--table", str(path), "--id", "a", "--label", "b"]) == 2
    assert f"{path}: unknown table format .xlsx" in capsys.readouterr().err
