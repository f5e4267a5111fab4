"""Great Expectations quality suites on the DuckDB warehouse.

Each suite is a YAML file in gx/suites/: a SQL query on the warehouse (the data the suite checks,
often a join across systems) and a list of expectations, with thresholds taken from
gx/quality_config.yml as ${name}. This module turns them into GX Core suites, validation
definitions and one checkpoint per suite in a file context (gx/), runs them, writes the HTML data
docs and returns a summary.

Why the data is read into pandas: GX 1.24's SQL datasource fetches results after closing the
connection, and DuckDB then returns no rows, so every expectation errors (great_expectations
issue #11579). We query DuckDB ourselves (read-only) and hand GX a dataframe. An expectation that
errors, or a suite whose query fails, counts as a failure: never as a pass.

A suite that needs an optional source system names it: `requires: [product]`. The warehouse says
which systems it was built with (data_quality.rpt_source_systems, from the enable_<system> vars);
a suite requiring a switched-off system is skipped, with one line saying so, and never counts as a
pass or a failure.
"""

from __future__ import annotations

import decimal
import os
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import CsopsError
from .warehouse import connect_read_only

REPO = Path(__file__).resolve().parents[2]
DEFAULT_GX_ROOT = REPO  # GX keeps its file context in <root>/gx
DEFAULT_SUITES = REPO / "gx" / "suites"
DEFAULT_CONFIG = REPO / "gx" / "quality_config.yml"
# The systems a company may not have (macros/systems.sql, vars enable_<system>).
OPTIONAL_SYSTEMS = ("product", "support", "surveys", "cs_platform", "community")
SYSTEMS_TABLE = "data_quality.rpt_source_systems"


class QualityError(CsopsError):
    """No warehouse, or a suite file or the configuration is wrong; said in one line."""


@dataclass
class Spec:
    name: str
    description: str
    table: str
    query: str
    expectations: list[tuple[str, dict[str, Any]]]
    path: Path
    requires: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    suite: str
    table: str
    expectation: str
    column: str | None
    status: str  # passed, failed, errored
    failing: int | None = None
    examples: list[Any] = field(default_factory=list)
    detail: str = ""


@dataclass
class Skipped:
    suite: str
    reason: str


@dataclass
class Report:
    outcomes: list[Outcome]
    data_docs: Path | None
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return bool(self.outcomes) and all(o.status == "passed" for o in self.outcomes)

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != "passed"]


def _substitute(value: Any, config: dict[str, Any], where: str) -> Any:
    if isinstance(value, str):
        try:
            text = string.Template(value).substitute(config)
        except KeyError as e:
            raise QualityError(f"{where}: ${{{e.args[0]}}} is not set in quality_config.yml") from e
        if value.strip().startswith("${") and value.strip().endswith("}"):
            return yaml.safe_load(text)  # a lone placeholder keeps the config value's type
        return text
    if isinstance(value, list):
        return [_substitute(v, config, where) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, config, where) for k, v in value.items()}
    return value


def load_specs(suites_dir: Path = DEFAULT_SUITES, config_path: Path = DEFAULT_CONFIG) -> list[Spec]:
    if not config_path.is_file():
        raise QualityError(f"no quality config at {config_path}")
    config = _read_yaml(config_path)
    specs = []
    for path in sorted(suites_dir.glob("*.yml")):
        raw = _read_yaml(path)
        missing = {"name", "query", "expectations"} - set(raw)
        if missing:
            raise QualityError(f"{path}: missing {', '.join(sorted(missing))}")
        expectations = []
        for i, item in enumerate(raw["expectations"]):
            if not isinstance(item, dict) or len(item) != 1:
                raise QualityError(f"{path}: expectation {i + 1} must be one '<expectation_type>: {{kwargs}}' entry")
            (kind, kwargs), = item.items()
            expectations.append((kind, _substitute(kwargs or {}, config, f"{path}: {kind}")))
        requires = raw.get("requires") or []
        if not isinstance(requires, list) or not set(requires) <= set(OPTIONAL_SYSTEMS):
            raise QualityError(f"{path}: requires must be a list of optional systems "
                               f"({', '.join(OPTIONAL_SYSTEMS)}); got {requires!r}")
        specs.append(Spec(name=raw["name"], description=raw.get("description", ""), table=raw.get("table", ""),
                          query=_substitute(raw["query"], config, f"{path}: query"), expectations=expectations,
                          path=path, requires=list(requires)))
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise QualityError(f"two suites in {suites_dir} share a name: {names}")
    return specs


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as e:
        raise QualityError(f"{path}: not valid YAML ({' '.join(str(e).split())})") from e


def _expectation_class(kind: str):
    import great_expectations as gx

    class_name = "".join(part.capitalize() for part in kind.split("_"))
    cls = getattr(gx.expectations, class_name, None)
    if cls is None:
        raise QualityError(f"unknown expectation type {kind!r} (no gx.expectations.{class_name})")
    return cls


def _plain(df):
    """DuckDB decimals arrive as Python Decimal objects; GX compares floats."""
    for col in df.columns:
        if df[col].dtype == object and len(df) and isinstance(df[col].dropna().iloc[0] if df[col].notna().any()
                                                               else None, decimal.Decimal):
            df[col] = df[col].astype(float)
    return df


def run(warehouse: str | os.PathLike, gx_root: str | os.PathLike = DEFAULT_GX_ROOT,
        suites_dir: Path = DEFAULT_SUITES, config_path: Path = DEFAULT_CONFIG,
        only: list[str] | None = None) -> Report:
    """Run the suites (all, or those named in `only`) and return every expectation's outcome."""
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise QualityError(f"no warehouse at {warehouse}; run dbt build (make build) first")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import duckdb
    import great_expectations as gx

    specs = load_specs(suites_dir, config_path)
    if only:
        unknown = set(only) - {s.name for s in specs}
        if unknown:
            raise QualityError(f"no suite named {', '.join(sorted(unknown))} in {suites_dir}")
        specs = [s for s in specs if s.name in only]
    if not specs:
        raise QualityError(f"no suites in {suites_dir}")
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=str(gx_root))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_or_update_pandas(name="csops_warehouse")
    outcomes: list[Outcome] = []
    skipped: list[Skipped] = []
    with connect_read_only(warehouse) as con:
        off = switched_off_systems(con)
        for spec in specs:
            missing = [s for s in spec.requires if s in off]
            if missing:
                switches = ", ".join(f"enable_{s}: false" for s in missing)
                skipped.append(Skipped(spec.name, f"requires {', '.join(missing)}, switched off in this warehouse "
                                                  f"({switches})"))
                continue
            try:
                df = _plain(con.execute(spec.query).df())
            except duckdb.Error as e:
                outcomes.append(Outcome(spec.name, spec.table, "query", None, "errored",
                                        detail=str(e).splitlines()[0]))
                continue
            try:
                asset = source.get_asset(spec.name)
            except LookupError:
                asset = source.add_dataframe_asset(name=spec.name)
            try:
                batch = asset.get_batch_definition("whole_table")
            except KeyError:
                batch = asset.add_batch_definition_whole_dataframe("whole_table")
            suite = gx.ExpectationSuite(
                name=spec.name, meta={"description": spec.description, "table": spec.table, "file": spec.path.name},
                expectations=[_expectation_class(kind)(**kwargs) for kind, kwargs in spec.expectations],
            )
            suite = context.suites.add_or_update(suite)
            validation = context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=spec.name, data=batch, suite=suite))
            checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(
                name=f"csops_{spec.name}", validation_definitions=[validation],
                actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs")],
                result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5},
            ))
            result = checkpoint.run(batch_parameters={"dataframe": df})
            for run_result in result.run_results.values():
                for r in run_result.results:
                    cfg = r.expectation_config
                    raised = (r.exception_info or {}).get("raised_exception")
                    res = r.result or {}
                    status = "errored" if raised else ("passed" if r.success else "failed")
                    outcomes.append(Outcome(
                        suite=spec.name, table=spec.table, expectation=cfg.type,
                        column=cfg.kwargs.get("column") or cfg.kwargs.get("column_A"), status=status,
                        failing=res.get("unexpected_count"),
                        examples=list(res.get("partial_unexpected_list") or [])[:3]
                        or ([res["observed_value"]] if not r.success and "observed_value" in res else []),
                        detail=((r.exception_info or {}).get("exception_message") or "").splitlines()[0]
                        if raised else "",
                    ))
    docs = Path(gx_root) / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    return Report(outcomes, docs if docs.is_file() else None, skipped)


def switched_off_systems(con) -> set[str]:
    """The optional systems the warehouse was built without; none when it has no systems table."""
    import duckdb

    try:
        rows = con.execute(f"select source_system from {SYSTEMS_TABLE} where not is_enabled").fetchall()
    except duckdb.CatalogException:
        return set()  # a warehouse built before the switches: every system on
    return {r[0] for r in rows}


def format_report(report: Report) -> str:
    lines = []
    width = max((len(o.suite) for o in report.outcomes), default=5)
    for s in report.skipped:
        lines.append(f"SKIPPED  {s.suite:<{width}}  {s.reason}")
    for o in report.outcomes:
        if o.status == "passed":
            continue
        target = f"{o.expectation}({o.column})" if o.column else o.expectation
        what = f"{o.failing} failing" if o.failing is not None else o.status
        examples = ", ".join(_short(x) for x in o.examples)
        lines.append(f"{o.status.upper():8} {o.suite:<{width}}  {target}  on {o.table}: {what}"
                     + (f"; e.g. {examples}" if examples else "") + (f"; {o.detail}" if o.detail else ""))
    suites = len({o.suite for o in report.outcomes})
    counts = {s: sum(o.status == s for o in report.outcomes) for s in ("passed", "failed", "errored")}
    lines.append(f"{suites} suites, {len(report.outcomes)} expectations: {counts['passed']} passed, "
                 f"{counts['failed']} failed, {counts['errored']} errored"
                 + (f"; {len(report.skipped)} suites skipped" if report.skipped else ""))
    if report.data_docs:
        lines.append(f"data docs: {report.data_docs}")
    return "\n".join(lines)


def _short(value: Any) -> str:
    text = re.sub(r"\s+", " ", str(value))
    return text if len(text) <= 40 else text[:37] + "..."
