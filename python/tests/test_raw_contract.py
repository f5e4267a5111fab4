"""The raw contract has one registry, the sources YAML, and everything that names raw tables agrees with it."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from csops import raw_contract
from csops.check_raw import type_problem
from csops.generator import TABLES

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def registry_tables() -> dict[str, tuple[str, ...]]:
    return {system: tuple(tables) for system, tables in raw_contract.load().items()}


def test_the_generators_tables_are_the_registrys():
    assert {s: set(t) for s, t in TABLES.items()} == {s: set(t) for s, t in registry_tables().items()}


def test_the_generator_writes_the_registrys_columns_with_fitting_types(tiny):
    problems = []
    for table in raw_contract.tables():
        schema = pq.read_schema(next((tiny / "raw" / table.system / table.name).glob("*/part-0.parquet")))
        written = set(schema.names)
        declared = set(table.column_names)
        # an optional column may be left out of the files (a company without quarterly plans omits interval_count)
        required = {column.name for column in table.columns if column.required}
        if written - declared or required - written:
            problems.append(f"{table.system}.{table.name}: written not declared {sorted(written - declared)}, "
                            f"required not written {sorted(required - written)}")
        for column in table.columns:
            if column.name in written:
                problem = type_problem(f"{table.system}.{table.name}", column, schema.field(column.name).type)
                problems += [problem] if problem else []
    assert problems == []


def test_every_raw_column_is_described_typed_and_every_table_keyed():
    for table in raw_contract.tables():
        assert table.primary_key, f"{table.system}.{table.name}"
        assert "_loaded_at" in table.column_names, f"{table.system}.{table.name}"
        for column in table.columns:
            assert len(column.description) >= 8, f"{table.system}.{table.name}.{column.name}"
            assert column.data_type in raw_contract.DATA_TYPES


def test_the_dag_edges_of_the_raw_table_readers_name_the_registrys_tables():
    """dbt parses models before the sources YAML, so csops.depends_on_raw_tables() names them for the DAG."""
    macro = (ROOT / "macros" / "staging" / "raw_tables.sql").read_text()
    body = macro[macro.index("{% macro depends_on_raw_tables"):]
    body = body[:body.index("{% endmacro %}")]
    listed = {system: tuple(re.findall(r"'(\w+)'", tables))
              for system, tables in re.findall(r"'(\w+)': \[([^\]]*)\]", body)}
    assert {s: set(t) for s, t in listed.items()} == {s: set(t) for s, t in registry_tables().items()}


def test_no_other_list_of_raw_tables_in_macros_models_or_tests():
    """No list of (system, table) rows like the one macros/staging/raw_tables.sql held before the registry."""
    pattern = re.compile(r"^\s*\(\s*'(crm|billing|product|support|surveys|cs_platform|community)',\s*'\w+'", re.M)
    offenders = [str(p.relative_to(ROOT)) for folder in ("macros", "models", "tests", "analyses")
                 for p in (ROOT / folder).rglob("*.sql") if pattern.search(p.read_text())]
    assert offenders == []


def test_a_table_without_a_primary_key_is_refused(tmp_path):
    folder = tmp_path / "models" / "staging" / "crm"
    folder.mkdir(parents=True)
    (folder / "_crm__sources.yml").write_text(
        "version: 2\nsources:\n  - name: crm\n    tables:\n      - name: accounts\n        columns:\n"
        "          - name: id\n            data_type: varchar\n")
    with pytest.raises(raw_contract.RawContractError, match="crm.accounts needs config.meta.primary_key"):
        raw_contract.load(tmp_path)
