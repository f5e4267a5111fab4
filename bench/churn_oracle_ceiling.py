"""The ceiling of the churn model's targets on a data set: `csops evaluate-churn` on a warehouse whose
only model is the truth's own 90-day churn probability (csops.churn_eval.write_oracle_backtest).

    python bench/churn_oracle_ceiling.py TRUTH_DIR [--json]

No model can beat these figures on the same month ends (only match them); a target above the oracle's
own top-decile lift or Brier skill cannot be met on that data.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from csops.churn_eval import (
    evaluate,
    format_evaluation,
    format_json,
    write_oracle_backtest,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("truth", type=Path, help="a truth folder (csops generate --truth-out)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        warehouse = Path(folder) / "oracle.duckdb"
        write_oracle_backtest(args.truth, warehouse)
        result = evaluate(warehouse, args.truth)
    print(format_json(result) if args.json else format_evaluation(result))


if __name__ == "__main__":
    main()
