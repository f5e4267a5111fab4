"""The documentation / key-test gate finds what is missing (and passes a complete project)."""

from __future__ import annotations

import json

import pytest

from csops.docs_coverage import measure

pytestmark = pytest.mark.unit


def write(tmp_path, manifest, catalog):
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    return measure(tmp_path / "manifest.json", tmp_path / "catalog.json")


def model(name, description, columns):
    return {"resource_type": "model", "package_name": "csops", "name": name, "description": description,
            "columns": {c: {"description": d} for c, d in columns.items()}}


def key_test(name, model_id, column):
    return {"resource_type": "test", "package_name": "csops", "name": f"{name}_{column}",
            "test_metadata": {"name": name}, "attached_node": model_id, "column_name": column}


def test_complete_project_passes(tmp_path):
    manifest = {
        "nodes": {
            "model.csops.a": model("a", "A model.", {"a_id": "Key.", "x": "X."}),
            "test.csops.u": key_test("unique", "model.csops.a", "a_id"),
            "test.csops.n": key_test("not_null", "model.csops.a", "a_id"),
        },
        "sources": {"source.csops.s.t": {"package_name": "csops", "source_name": "s", "name": "t",
                                         "description": "A table."}},
    }
    catalog = {"nodes": {"model.csops.a": {"columns": {"A_ID": {}, "X": {}}}}}
    cov = write(tmp_path, manifest, catalog)
    assert cov.ok, cov.problems
    assert (cov.columns, cov.columns_described, cov.models_with_key_test) == (2, 2, 1)


def test_gaps_are_reported(tmp_path):
    manifest = {
        "nodes": {
            "model.csops.a": model("a", "", {"a_id": "Key."}),
            # unique but not not_null on the same column: not a primary-key test
            "test.csops.u": key_test("unique", "model.csops.a", "a_id"),
            "test.csops.n": key_test("not_null", "model.csops.a", "other"),
        },
        "sources": {"source.csops.s.t": {"package_name": "csops", "source_name": "s", "name": "t",
                                         "description": ""}},
    }
    catalog = {"nodes": {"model.csops.a": {"columns": {"a_id": {}, "undocumented": {}}}}}
    cov = write(tmp_path, manifest, catalog)
    text = "\n".join(cov.problems)
    assert "model a: no description" in text
    assert "column undocumented has no description" in text
    assert "model a: no primary-key test" in text
    assert "source s.t: no description" in text
    assert not cov.ok
