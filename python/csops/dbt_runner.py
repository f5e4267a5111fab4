"""Running `dbt build` for `csops build` and reading what went wrong.

dbt runs in a subprocess in the project folder, its output echoed (or not, with quiet) and kept.
Afterwards `target/run_results.json` gives the counts of passed, warned, failed and skipped nodes
and the first failing node; when dbt stopped before any node ran (an on-run-start hook failed,
e.g. on a raw file that is not Parquet) there are no run results and the error is read from dbt's
output instead. `DBT_TARGET_PATH` and `DBT_LOG_PATH` move dbt's target and log folders.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import CsopsError

REPO = Path(__file__).resolve().parents[2]
# dbt node statuses, counted in meta.build_runs as dbt_pass / dbt_warn / dbt_error / dbt_skip
DBT_STATUS_BUCKETS = {"success": "pass", "pass": "pass", "warn": "warn", "error": "error", "fail": "error",
                      "runtime error": "error", "skipped": "skip", "no-op": "skip"}


class DbtError(CsopsError):
    """dbt cannot be run at all; said in one line."""


@dataclass(frozen=True)
class DbtOutcome:
    returncode: int
    counts: dict[str, int]
    failure: str | None  # 'at <node>: <message>' or 'before any model ran: <message>'
    log_file: Path


def dbt_executable() -> str:
    beside = Path(sys.executable).with_name("dbt")
    found = str(beside) if beside.is_file() else shutil.which("dbt")
    if not found:
        raise DbtError("dbt is not installed next to this Python; run make venv")
    return found


def dbt_project_path(env_var: str, default: str) -> Path:
    """dbt's target or log folder: DBT_TARGET_PATH / DBT_LOG_PATH when set, relative to the project."""
    return REPO / os.environ.get(env_var, default)


def dbt_results(run_results: Path) -> tuple[dict[str, int], str | None]:
    """Counts of pass/warn/error/skip and the first failing node ('unique_id: message') of a dbt run."""
    counts = {"pass": 0, "warn": 0, "error": 0, "skip": 0}
    if not run_results.is_file():
        return counts, None
    first = None
    for result in json.loads(run_results.read_text())["results"]:
        bucket = DBT_STATUS_BUCKETS.get(result["status"], "error")
        counts[bucket] += 1
        if bucket == "error" and first is None:
            first = _node_failure(result["unique_id"], result.get("message") or result["status"])
    return counts, first


_NODE_ERROR_HEADER = re.compile(r"^\w+ Error in \w+ ")


def _node_failure(unique_id: str, message: str) -> str:
    """'Runtime Error in test x (models/y.yml): Conversion Error: ...' or 'test.csops.x: Got 3 results, ...'."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    if len(lines) > 1 and _NODE_ERROR_HEADER.match(lines[0]):
        return f"{lines[0]}: {lines[1]}"
    return f"{unique_id}: {lines[0] if lines else 'failed'}"


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_TIMESTAMP = re.compile(r"^\d\d:\d\d:\d\d\s+")


def dbt_runtime_error(output: list[str]) -> str | None:
    """The error dbt printed after 'Encountered an error:' (one that stopped it before any node ran)."""
    lines = [_TIMESTAMP.sub("", _ANSI.sub("", line)).rstrip() for line in output]
    for i, line in enumerate(lines):
        if line.strip() == "Encountered an error:":
            block = []
            for follow in lines[i + 1:]:
                if not follow.strip() or follow.lstrip().startswith("LINE "):
                    break
                block.append(follow.strip())
            return ": ".join(block) if block else None
    return None


def run_dbt(build_file: Path, raw_dir: Path | None, full_refresh: bool, dbt_vars: str | None,
            quiet: bool) -> DbtOutcome:
    target, logs = dbt_project_path("DBT_TARGET_PATH", "target"), dbt_project_path("DBT_LOG_PATH", "logs")
    run_results = target / "run_results.json"
    run_results.unlink(missing_ok=True)  # never read a previous run's results
    cmd = [dbt_executable(), "build"]
    if full_refresh:
        cmd.append("--full-refresh")
    if dbt_vars:
        cmd += ["--vars", dbt_vars]
    if not sys.stdout.isatty():
        cmd.append("--no-use-colors")
    env = {**os.environ, "CSOPS_WAREHOUSE": str(build_file)}
    env.setdefault("DBT_PROFILES_DIR", str(REPO))
    if raw_dir is not None:
        env["CSOPS_RAW_DIR"] = str(raw_dir)
    output: list[str] = []
    with subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          bufsize=1) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if not quiet:
                sys.stdout.write(line)
                sys.stdout.flush()
    counts, node_failure = dbt_results(run_results)
    failure = f"at {node_failure}" if node_failure else None
    if proc.returncode != 0 and failure is None:
        failure = f"before any model ran: {dbt_runtime_error(output) or f'dbt exited with code {proc.returncode}'}"
    return DbtOutcome(proc.returncode, counts, failure, logs / "dbt.log")
