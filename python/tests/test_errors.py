"""Expected failures: every error class of csops is a CsopsError, and the CLI reports one as a
single line `csops <command>: error: <message>` on stderr with exit code 2 (no traceback).

`csops generate` errors run end to end in test_generator_basics.py; here the other commands.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import duckdb
import pytest

import csops
from csops import CsopsError
from csops.cli import main
from csops.docs_coverage import DocsCoverageError, measure
from csops.generator import GenerateError
from csops.identity_eval import IdentityEvalError, evaluate
from csops.quality import QualityError, load_specs

pytestmark = pytest.mark.unit


def error_classes() -> list[type[BaseException]]:
    """Every exception class defined anywhere in the csops package."""
    found = []
    for info in pkgutil.walk_packages(csops.__path__, prefix="csops."):
        module = importlib.import_module(info.name)
        found += [obj for _, obj in inspect.getmembers(module, inspect.isclass)
                  if issubclass(obj, BaseException) and obj.__module__ == info.name]
    return found


def test_every_error_class_is_a_csops_error():
    classes = error_classes()
    assert {GenerateError, QualityError, IdentityEvalError, DocsCoverageError} <= set(classes)
    assert [c.__qualname__ for c in classes if not issubclass(c, CsopsError)] == []


def one_line_error(capsys, argv: list[str], command: str) -> str:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"csops {command}: error: "), err
    return err


@pytest.mark.parametrize("argv, says", [
    (["evaluate-identity", "--warehouse", "/nonexistent/w.duckdb"], "no warehouse at /nonexistent/w.duckdb"),
    (["quality", "--warehouse", "/nonexistent/w.duckdb"], "no warehouse at /nonexistent/w.duckdb"),
    (["docs-coverage", "--target", "/nonexistent"], "/nonexistent/manifest.json not found"),
    (["generate", "--as-of", "2030-01-01", "--out", "/nonexistent/raw"], "outside the tiny data's calendar"),  # no bar
    (["sql", "--warehouse", "/nonexistent/w.duckdb", "select 1"], "no warehouse at /nonexistent/w.duckdb"),
    (["build", "--warehouse", "/nonexistent/w.duckdb", "--raw-dir", "/nonexistent/raw"],
     "no raw data folder at /nonexistent/raw"),
], ids=["evaluate-identity", "quality", "docs-coverage", "generate", "sql", "build"])
def test_cli_says_what_is_missing_in_one_line(capsys, argv, says):
    assert says in one_line_error(capsys, argv, argv[0])


def test_evaluate_identity_without_truth_names_the_file(tmp_path, capsys):
    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    err = one_line_error(capsys, ["evaluate-identity", "--warehouse", str(warehouse), "--truth",
                                  str(tmp_path / "truth")], "evaluate-identity")
    assert str(tmp_path / "truth" / "identity_map.parquet") in err


def test_evaluate_identity_on_an_unbuilt_warehouse(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    (tmp_path / "truth").mkdir()
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"copy (select 1 as x) to '{tmp_path / 'truth' / 'identity_map.parquet'}' (format parquet)")
    with pytest.raises(IdentityEvalError, match="int_customers_identity_resolved is not in the warehouse"):
        evaluate(warehouse, tmp_path / "truth")


def test_docs_coverage_on_a_broken_manifest(tmp_path):
    (tmp_path / "manifest.json").write_text("{")
    (tmp_path / "catalog.json").write_text("{}")
    with pytest.raises(DocsCoverageError, match="manifest.json is not valid JSON"):
        measure(tmp_path / "manifest.json", tmp_path / "catalog.json")


def test_a_missing_threshold_is_a_clear_error(tmp_path):
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "x.yml").write_text("name: x\nquery: select 1 as a\nexpectations:\n"
                                  "  - expect_column_values_to_be_between: {column: a, max_value: '${nope}'}\n")
    config = tmp_path / "config.yml"
    config.write_text("{}\n")
    with pytest.raises(QualityError, match="nope"):
        load_specs(suites, config)


def test_a_missing_quality_config_names_the_file(tmp_path):
    with pytest.raises(QualityError, match=f"no quality config at {tmp_path / 'nope.yml'}"):
        load_specs(tmp_path, tmp_path / "nope.yml")


def test_an_unexpected_error_is_not_swallowed(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("csops.docs_coverage.measure", boom)
    with pytest.raises(RuntimeError, match="a bug"):
        main(["docs-coverage", "--target", "/nonexistent"])
