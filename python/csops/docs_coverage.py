"""Documentation and key-test coverage of the dbt project, read from dbt's manifest and catalog.

Every model, seed and snapshot of the project must have a description, every column the warehouse
actually has (the catalog) must have one, and every model must have a primary-key test: `unique`
and `not_null` on one column, or `unique_combination_of_columns` on the model. Every source table
must be described too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CsopsError

DOCUMENTED_TYPES = ("model", "seed", "snapshot")


class DocsCoverageError(CsopsError):
    """dbt's manifest or catalog is missing or unreadable; said in one line."""


@dataclass
class Coverage:
    nodes: int = 0
    nodes_described: int = 0
    columns: int = 0
    columns_described: int = 0
    models: int = 0
    models_with_key_test: int = 0
    source_tables: int = 0
    source_tables_described: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        def pct(a: int, b: int) -> str:
            return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "0/0"

        return "\n".join([
            f"models, seeds and snapshots described: {pct(self.nodes_described, self.nodes)}",
            f"columns described:                     {pct(self.columns_described, self.columns)}",
            f"models with a primary-key test:        {pct(self.models_with_key_test, self.models)}",
            f"source tables described:               {pct(self.source_tables_described, self.source_tables)}",
        ])


def measure(manifest_path: Path, catalog_path: Path, project: str = "csops") -> Coverage:
    for p in (manifest_path, catalog_path):
        if not p.is_file():
            raise DocsCoverageError(f"{p} not found; run `dbt build` and `dbt docs generate` first")
    manifest, catalog = _read_json(manifest_path), _read_json(catalog_path)
    cov = Coverage()

    unique_columns: dict[str, set[str]] = {}
    not_null_columns: dict[str, set[str]] = {}
    combination_keyed: set[str] = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or not node.get("test_metadata"):
            continue
        name = node["test_metadata"]["name"]
        attached = node.get("attached_node")
        column = (node.get("column_name") or "").lower()
        if not attached:
            continue
        if name == "unique":
            unique_columns.setdefault(attached, set()).add(column)
        elif name == "not_null":
            not_null_columns.setdefault(attached, set()).add(column)
        elif name == "unique_combination_of_columns":
            combination_keyed.add(attached)

    for uid, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] not in DOCUMENTED_TYPES or node["package_name"] != project:
            continue
        cov.nodes += 1
        if (node.get("description") or "").strip():
            cov.nodes_described += 1
        else:
            cov.problems.append(f"{node['resource_type']} {node['name']}: no description")
        documented = {name.lower(): (col.get("description") or "").strip() for name, col in node["columns"].items()}
        actual = [c.lower() for c in (catalog["nodes"].get(uid, {}).get("columns") or {})]
        if not actual:
            cov.problems.append(f"{node['resource_type']} {node['name']}: not in the catalog (not built?)")
        for column in actual:
            cov.columns += 1
            if documented.get(column):
                cov.columns_described += 1
            else:
                cov.problems.append(f"{node['resource_type']} {node['name']}: column {column} has no description")
        if node["resource_type"] == "model":
            cov.models += 1
            keyed = uid in combination_keyed or bool(unique_columns.get(uid, set()) & not_null_columns.get(uid, set()))
            if keyed:
                cov.models_with_key_test += 1
            else:
                cov.problems.append(f"model {node['name']}: no primary-key test (unique + not_null on a column, "
                                    "or unique_combination_of_columns)")

    for source in manifest["sources"].values():
        if source["package_name"] != project:
            continue
        cov.source_tables += 1
        if (source.get("description") or "").strip():
            cov.source_tables_described += 1
        else:
            cov.problems.append(f"source {source['source_name']}.{source['name']}: no description")
    return cov


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise DocsCoverageError(f"{path} is not valid JSON ({e}); run `dbt docs generate` again") from e
