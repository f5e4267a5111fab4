"""No public mart shows an email address in a column that is not tagged as personal data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from csops.privacy import untagged_emails

pytestmark = pytest.mark.warehouse

MANIFEST = Path(__file__).resolve().parents[2] / "target" / "manifest.json"


def test_public_marts_hold_no_untagged_email(built_warehouse):
    warehouse, _ = built_warehouse
    leaks = untagged_emails(warehouse, MANIFEST)
    assert not leaks, "\n".join(map(str, leaks))


def test_the_check_catches_an_email_in_an_untagged_column(built_warehouse, tmp_path):
    warehouse, _ = built_warehouse
    copy = tmp_path / warehouse.name  # same file name: the warehouse's views name its catalog
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("update marts.dim_customers set customer_name = 'ann.lee@gmail.com' "
                    "where customer_id = (select min(customer_id) from marts.dim_customers)")
    leaks = untagged_emails(copy, MANIFEST)
    assert [(leak.relation, leak.column) for leak in leaks] == [("marts.dim_customers", "customer_name")]


def test_a_tagged_column_may_hold_emails(built_warehouse, tmp_path):
    warehouse, _ = built_warehouse
    manifest = json.loads(MANIFEST.read_text())
    node = next(n for n in manifest["nodes"].values() if n["name"] == "dim_customers" and n["resource_type"] == "model")
    node["columns"]["customer_name"]["config"] = {"meta": {"pii": True}}
    tagged = tmp_path / "manifest.json"
    tagged.write_text(json.dumps(manifest))
    copy = tmp_path / warehouse.name
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("update marts.dim_customers set customer_name = 'ann.lee@gmail.com'")
    assert untagged_emails(copy, tagged) == []
