"""The raw contract, read from its one registry: the dbt sources YAML.

Every raw table is declared once, in `models/staging/<system>/_<system>__sources.yml`: its
primary key (`config: {meta: {primary_key: [...]}}`) and every column with a description, a
`data_type` and whether it is required (`config: {meta: {required: true}}`; currency-code
columns also carry `currency: true`). A table whose meta says `table_required: false` may be
left out of the export (billing.fx_rates, when everything is billed in one currency). dbt
reads it to register and reconcile the raw data; this module reads the same files for
`csops check-raw`, the generator's tests and the README.

Data types are the contract's, not an engine's:

- `varchar`, `integer` (any width), `double`, `boolean`, `date`;
- `timestamp`: an instant in UTC, written without a zone (Parquet timestamp, any unit, with or
  without a zone);
- `timestamptz`: an instant whose offset must be known - a Parquet timestamp with a time zone,
  or an ISO-8601 string with its UTC offset (`2026-05-01T09:30:00+02:00`, or `Z`). A string
  without an offset would be read in the warehouse session's time zone, silently wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import CsopsError

ROOT = Path(__file__).resolve().parents[2]
DATA_TYPES = ("varchar", "integer", "double", "boolean", "date", "timestamp", "timestamptz")
# the systems the warehouse cannot do without; the others may be switched off (enable_<system> vars)
REQUIRED_SYSTEMS = ("crm", "billing")


class RawContractError(CsopsError):
    """The registry (the sources YAML) is missing or malformed."""


@dataclass(frozen=True)
class RawColumn:
    name: str
    data_type: str
    required: bool
    description: str
    is_currency: bool = False


@dataclass(frozen=True)
class RawTable:
    system: str
    name: str
    primary_key: tuple[str, ...]
    columns: tuple[RawColumn, ...]
    description: str = ""
    # false: the export may leave the table out (billing.fx_rates of a single-currency company)
    required: bool = True

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> RawColumn | None:
        return next((c for c in self.columns if c.name == name), None)


def _meta(entry: dict) -> dict:
    """meta from `config: {meta: ...}` (dbt 1.10+), or a plain `meta:` as older files have it."""
    return {**(entry.get("meta") or {}), **((entry.get("config") or {}).get("meta") or {})}


def _table(system: str, entry: dict, where: Path) -> RawTable:
    name = entry["name"]
    key = tuple(_meta(entry).get("primary_key") or ())
    columns = []
    for col in entry.get("columns") or []:
        meta = _meta(col)
        data_type = str(col.get("data_type", "")).lower()
        if data_type not in DATA_TYPES:
            raise RawContractError(f"{where}: {system}.{name}.{col['name']} has data_type {data_type or 'none'!r}; "
                                   f"use one of {', '.join(DATA_TYPES)}")
        columns.append(RawColumn(col["name"], data_type, bool(meta.get("required", True)),
                                 " ".join(str(col.get("description", "")).split()), bool(meta.get("currency"))))
    if not key or not set(key) <= {c.name for c in columns}:
        raise RawContractError(f"{where}: {system}.{name} needs config.meta.primary_key naming declared columns")
    return RawTable(system, name, key, tuple(columns), " ".join(str(entry.get("description", "")).split()),
                    bool(_meta(entry).get("table_required", True)))


def load(root: Path = ROOT) -> dict[str, dict[str, RawTable]]:
    """{system: {table: RawTable}} from every staging sources file, in the files' order."""
    files = sorted((Path(root) / "models" / "staging").glob("*/_*__sources.yml"))
    if not files:
        raise RawContractError(f"no sources YAML under {Path(root) / 'models' / 'staging'}")
    registry: dict[str, dict[str, RawTable]] = {}
    for path in files:
        try:
            doc = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError) as e:
            raise RawContractError(f"cannot read the raw contract {path}: {e}") from e
        for source in doc.get("sources") or []:
            system = source["name"]
            registry[system] = {t["name"]: _table(system, t, path) for t in source.get("tables") or []}
    return registry


def tables(root: Path = ROOT) -> list[RawTable]:
    return [t for system in load(root).values() for t in system.values()]
