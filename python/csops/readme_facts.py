"""Figures in README.md that come from the project, regenerated instead of typed by hand.

README.md marks each generated block with HTML comments:

    <!-- facts:tests -->
    ...generated text...
    <!-- /facts:tests -->

`compute()` measures every fact from its source (the dbt manifest for the test counts, pytest's
own collection for the Python tests, bench/results.md for the generator benchmark, the generator
for the raw tables and the truth folder, the sources YAML for the raw contract); `check()` lists
the blocks whose text differs from the measured one, and `write()` rewrites them. `csops
readme-facts --check` runs in `make test`, so a README that no longer matches the project fails
CI; `make readme` rewrites it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from .errors import CsopsError

BLOCK = re.compile(r"(<!-- facts:(?P<name>[a-z_]+) -->\n)(?P<body>.*?)(<!-- /facts:(?P=name) -->)", re.S)
MARKERS = ("unit", "dbt", "warehouse")


class ReadmeFactsError(CsopsError):
    """A source of the README's figures (manifest, benchmark, README itself) is missing or unreadable."""


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text()
    except OSError as e:
        raise ReadmeFactsError(f"cannot read {what} {path}: {e.strerror or e}") from e


def dbt_counts(manifest_path: Path) -> Counter:
    """Models, snapshots, seeds, data tests (generic and singular), unit tests of the project."""
    try:
        manifest = json.loads(_read(manifest_path, "the dbt manifest"))
    except ValueError as e:
        raise ReadmeFactsError(f"the dbt manifest {manifest_path} is not JSON: {e}; run dbt build again") from e
    project = manifest["metadata"].get("project_name", "csops")
    counts: Counter = Counter()
    for node in manifest["nodes"].values():
        if node.get("package_name") != project:
            continue
        kind = node["resource_type"]
        if kind == "test":
            kind = "generic test" if node.get("test_metadata") else "singular test"
        counts[kind] += 1
    counts["unit test"] = sum(1 for t in manifest.get("unit_tests", {}).values() if t.get("package_name") == project)
    counts["source table"] = sum(1 for s in manifest["sources"].values() if s.get("package_name") == project)
    return counts


def pytest_counts(tests_dir: Path) -> Counter:
    """Tests per marker, from pytest's own collection (nothing is run)."""
    counts: Counter = Counter()
    for marker in MARKERS:
        out = subprocess.run(
            [sys.executable, "-m", "pytest", str(tests_dir), "--collect-only", "-q", "-m", marker,
             "-p", "no:cacheprovider"],
            capture_output=True, text=True, check=False,
        )
        found = re.search(r"(\d+)(?:/\d+)? tests? collected|(\d+) selected", out.stdout)
        if out.returncode not in (0, 5) or not found:
            raise ReadmeFactsError(f"pytest could not collect the {marker} tests in {tests_dir}: "
                                   f"{(out.stdout + out.stderr).strip().splitlines()[-1:]}")
        counts[marker] = int(found.group(1) or found.group(2))
    return counts


def tests_block(manifest_path: Path, tests_dir: Path) -> str:
    dbt = dbt_counts(manifest_path)
    py = pytest_counts(tests_dir)
    return (
        f"- dbt: {dbt['model']} models, {dbt['snapshot']} snapshots and {dbt['seed']} seeds over "
        f"{dbt['source table']} raw tables, checked by {dbt['generic test']} generic data tests, "
        f"{dbt['singular test']} singular tests and {dbt['unit test']} unit tests;\n"
        f"- pytest: {sum(py.values())} tests - {py['unit']} `unit` (the csops package), {py['dbt']} `dbt` "
        f"(run dbt themselves) and {py['warehouse']} `warehouse` (grade the warehouse just built).\n"
    )


def generate_block(bench_results: Path) -> str:
    """The benchmark table of bench/results.md (written by `make bench`), as measured."""
    text = _read(bench_results, "the generator benchmark")
    table = [line for line in text.splitlines() if line.startswith("|")]
    if len(table) < 3:
        raise ReadmeFactsError(f"no results table in {bench_results}; run make bench")
    machine = next((line for line in text.splitlines() if line.startswith("Machine:")), "")
    return "\n".join(table) + "\n\n" + (f"{machine}\n" if machine else "")


def truth_block() -> str:
    from .generator import TRUTH_FILES

    return "".join(f"- `{name}.parquet`: {description}\n" for name, description in TRUTH_FILES.items())


def raw_tables_block() -> str:
    from .generator import N_TABLES, TABLES

    systems = "; ".join(f"{system}: {', '.join(tables)}" for system, tables in TABLES.items())
    return f"The generator writes {N_TABLES} raw tables in {len(TABLES)} systems - {systems}.\n"


def raw_contract_block(root: Path) -> str:
    """Every raw table of the registry (the sources YAML): primary key, columns and types, optional ones marked."""
    from . import raw_contract

    tables = raw_contract.tables(root)
    rows = []
    for t in tables:
        columns = ", ".join(f"`{c.name}` {c.data_type}{'' if c.required else ' (optional)'}" for c in t.columns)
        rows.append(f"| `{t.system}.{t.name}` | {', '.join(f'`{k}`' for k in t.primary_key)} | {columns} |\n")
    return (
        f"The raw contract: {len(tables)} tables, from the `_<system>__sources.yml` files (where each column is "
        f"described). `timestamp` is UTC without a zone; `timestamptz` is an instant with its offset (a Parquet "
        f"timestamp with time zone, or an ISO-8601 string with its UTC offset); `integer` is any integer width. "
        f"An optional column may be left out of the files (it is read as null); the primary key is unique within "
        f"one `_loaded_at`.\n\n"
        "| table | primary key | columns |\n| --- | --- | --- |\n" + "".join(rows)
    )


def compute(root: Path, manifest_path: Path | None = None) -> dict[str, str]:
    root = Path(root)
    return {
        "tests": tests_block(manifest_path or root / "target" / "manifest.json", root / "python" / "tests"),
        "generate": generate_block(root / "bench" / "results.md"),
        "truth": truth_block(),
        "raw_tables": raw_tables_block(),
        "raw_contract": raw_contract_block(root),
    }


def _blocks(readme: str) -> dict[str, str]:
    return {m.group("name"): m.group("body") for m in BLOCK.finditer(readme)}


def check(readme_path: Path, facts: dict[str, str]) -> list[str]:
    """Names of the README blocks that differ from the facts (or are missing from the README)."""
    blocks = _blocks(_read(readme_path, "the README"))
    return [name for name, body in facts.items() if blocks.get(name) != body]


def write(readme_path: Path, facts: dict[str, str]) -> list[str]:
    """Rewrite the stale blocks; return their names. A block missing from the README is an error."""
    text = _read(readme_path, "the README")
    missing = [name for name in facts if name not in _blocks(text)]
    if missing:
        raise ReadmeFactsError(f"README {readme_path} has no block for {', '.join(missing)}; "
                               f"add '<!-- facts:NAME -->' and '<!-- /facts:NAME -->' lines where it belongs")
    stale = check(readme_path, facts)
    new = BLOCK.sub(lambda m: m.group(1) + facts.get(m.group("name"), m.group("body")) + m.group(4), text)
    Path(readme_path).write_text(new)
    return stale
