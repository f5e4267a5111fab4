"""`csops churn-train`: read a customer table (Parquet or CSV), run the churn pipeline, print and write it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .config import MlError
from .pipeline import ChurnRun

SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}


def read_table(path: Path) -> pd.DataFrame:
    """A Parquet (.parquet, .pq, or a folder of them) or CSV file as a DataFrame; MlError naming the file."""
    path = Path(path)
    if not path.exists():
        raise MlError(f"no table at {path}")
    kind = "parquet" if path.is_dir() else SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise MlError(f"{path}: unknown table format {path.suffix or '(no suffix)'}; use .parquet or .csv")
    try:
        return pd.read_parquet(path) if kind == "parquet" else pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise MlError(f"{path}: cannot read it as {kind}: {first}") from e


def _fmt(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def format_run(run: ChurnRun) -> str:
    """The fold scheme, the folds that trained or fell back, pooled metrics per model and row group, the choice."""
    folds = run.folds
    trained = int((folds["status"] == "ok").sum())
    lines = [f"fold scheme: {run.fold_scheme}",
             f"folds: {len(folds)}, {trained} trained a model, {len(folds) - trained} fell back"]
    for status, group in folds[folds["status"] != "ok"].groupby("status", sort=True):
        lines.append(f"  {status}: {len(group)} fold(s), e.g. fold {group['fold'].iloc[0]}: {group['reason'].iloc[0]}")
    lines.append(f"features: {len(run.feature_cols)} ({len(run.categorical_cols)} categorical)")
    lines.append("")
    pooled = run.evaluation[run.evaluation["fold"] == "all"]
    header = ["model", "row_group", "rows", "churners", "base_rate", "auc", "pr_auc", "lift@10%", "brier",
              "brier_skill", "log_loss", "compare", "compare_auc", "status"]
    table = [header]
    for r in pooled.itertuples():
        table.append([r.model_name, r.row_group, _fmt(r.rows), _fmt(r.churners), _fmt(r.base_rate), _fmt(r.auc),
                      _fmt(r.pr_auc), _fmt(r.top_decile_lift, 2), _fmt(r.brier, 4), _fmt(r.brier_skill),
                      _fmt(r.log_loss, 4), _fmt(r.compare_name), _fmt(r.compare_auc), r.status])
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    lines.append("pooled out-of-time metrics (fold 'all'):")
    lines += ["  " + "  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in table]
    lines.append("")
    lines.append(f"selected model: {run.selection_rule}")
    return "\n".join(lines)


def rows_to_score(run: ChurnRun, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows `--score` scores: those of the latest date with a date column, else every row."""
    if not run.date_col:
        return frame
    dates = pd.to_datetime(frame[run.date_col], format="mixed")
    return frame[dates == dates.max()]


def write_outputs(run: ChurnRun, out: Path, scores: pd.DataFrame | None = None) -> list[Path]:
    """evaluation.csv, predictions.csv (out-of-time), folds.csv and, when given, scores.csv in `out` (created)."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise MlError(f"cannot create the output folder {out}: {e.strerror}") from e
    files = []
    outputs = [("evaluation.csv", run.evaluation), ("predictions.csv", run.out_of_time_predictions),
               ("folds.csv", run.folds)]
    if scores is not None:
        outputs.append(("scores.csv", scores))
    for name, frame in outputs:
        path = out / name
        frame.to_csv(path, index=False)
        files.append(path)
    return files
