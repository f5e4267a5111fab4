"""README figures are generated from the project: the block machinery, and the README as committed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from csops import readme_facts as rf

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def test_check_finds_a_stale_block_and_write_fixes_only_blocks(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("intro 12 typed by hand\n<!-- facts:truth -->\nold\n<!-- /facts:truth -->\noutro\n")
    facts = {"truth": "- new\n"}
    assert rf.check(readme, facts) == ["truth"]
    assert rf.write(readme, facts) == ["truth"]
    assert readme.read_text() == "intro 12 typed by hand\n<!-- facts:truth -->\n- new\n<!-- /facts:truth -->\noutro\n"
    assert rf.check(readme, facts) == []


def test_write_refuses_a_readme_without_the_block(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("no blocks here\n")
    with pytest.raises(rf.ReadmeFactsError, match="no block for tests"):
        rf.write(readme, {"tests": "x\n"})


def test_dbt_counts_reads_the_manifest(tmp_path):
    manifest = {
        "metadata": {"project_name": "csops"},
        "nodes": {
            "model.csops.a": {"resource_type": "model", "package_name": "csops"},
            "test.csops.t1": {"resource_type": "test", "package_name": "csops", "test_metadata": {"name": "unique"}},
            "test.csops.t2": {"resource_type": "test", "package_name": "csops"},
            "model.other.b": {"resource_type": "model", "package_name": "other"},
        },
        "sources": {"source.csops.crm.accounts": {"package_name": "csops"}},
        "unit_tests": {"unit_test.csops.a.u": {"package_name": "csops"}},
    }
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    counts = rf.dbt_counts(path)
    assert (counts["model"], counts["generic test"], counts["singular test"], counts["unit test"],
            counts["source table"]) == (1, 1, 1, 1, 1)


def test_a_missing_manifest_is_one_clear_error(tmp_path):
    with pytest.raises(rf.ReadmeFactsError, match="cannot read the dbt manifest"):
        rf.dbt_counts(tmp_path / "nope.json")


def test_the_readme_truth_and_raw_tables_match_the_generator():
    """The blocks that need no build: what the generator writes is what the README says."""
    facts = {"truth": rf.truth_block(), "raw_tables": rf.raw_tables_block(),
             "raw_contract": rf.raw_contract_block(ROOT), "generate": rf.generate_block(ROOT / "bench" / "results.md")}
    assert rf.check(ROOT / "README.md", facts) == [], "README is stale: run make readme"
