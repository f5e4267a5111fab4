"""Personal data in the published marts: find columns that hold it without saying so.

A column that holds personal data is tagged `meta: {pii: true}` in the dbt YAML. `untagged_emails`
reads the project's manifest (target/manifest.json) and the built warehouse, and returns every text
column of a public model that is not tagged yet holds values shaped like an email address: a column
that would leak personal data to every BI user without anyone having decided it should.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .errors import CsopsError

EMAIL_PATTERN = "%_@_%._%"
TEXT_TYPES = {"varchar", "text", "string", ""}


class PrivacyCheckError(CsopsError):
    """The manifest or the warehouse needed for the check is missing or unreadable."""


@dataclass(frozen=True)
class Leak:
    relation: str
    column: str
    email_like_values: int

    def __str__(self) -> str:
        return f"{self.relation}.{self.column}: {self.email_like_values} email-like values, not tagged pii"


def _is_tagged(column: dict) -> bool:
    meta = {**(column.get("meta") or {}), **((column.get("config") or {}).get("meta") or {})}
    return bool(meta.get("pii"))


def public_text_columns(manifest_path: Path) -> list[tuple[str, str]]:
    """(schema.relation, column) of every untagged text column of a public model."""
    try:
        manifest = json.loads(Path(manifest_path).read_text())
    except (OSError, ValueError) as e:
        raise PrivacyCheckError(f"cannot read the dbt manifest {manifest_path}: {e}; run dbt build first") from e
    found = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node.get("access") != "public":
            continue
        relation = f"{node['schema']}.{node.get('alias') or node['name']}"
        for column in node["columns"].values():
            if not _is_tagged(column) and (column.get("data_type") or "").lower() in TEXT_TYPES:
                found.append((relation, column["name"]))
    return sorted(found)


def untagged_emails(warehouse: Path, manifest_path: Path) -> list[Leak]:
    """Untagged text columns of public models that hold email-shaped values."""
    columns = public_text_columns(manifest_path)
    if not Path(warehouse).is_file():
        raise PrivacyCheckError(f"no warehouse at {warehouse}; run make build first")
    leaks = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for relation, column in columns:
            n = con.execute(
                f'select count(*) from {relation} where cast("{column}" as varchar) like ?', [EMAIL_PATTERN]
            ).fetchone()[0]
            if n:
                leaks.append(Leak(relation, column, n))
    return leaks
