"""`csops sql` queries the warehouse read-only and says what went wrong in one line; readers of the
warehouse (sql, quality) report a writer holding the file as one line naming the holder."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from csops.cli import main
from csops.warehouse import WarehouseError, connect_read_only

pytestmark = pytest.mark.unit


@pytest.fixture
def warehouse(tmp_path) -> Path:
    path = tmp_path / "csops.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.dim_customers as select * from (values ('c1', 'smb', 10.5), "
                    "('c2', 'enterprise', 99.0), ('c3', 'smb', null)) as t(customer_id, segment, mrr_amount)")
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("csops sql: error: "), err
    return err


def test_prints_the_result_as_a_table(warehouse, capsys):
    assert main(["sql", "--warehouse", str(warehouse),
                 "select segment, count(*) as customers from marts.dim_customers group by 1 order by 1"]) == 0
    out = capsys.readouterr().out
    assert "segment" in out and "customers" in out and "enterprise" in out and "smb" in out
    assert "│" in out  # DuckDB's table rendering


def test_prints_csv(warehouse, capsys):
    assert main(["sql", "--warehouse", str(warehouse), "--csv",
                 "select customer_id, mrr_amount from marts.dim_customers order by 1"]) == 0
    assert capsys.readouterr().out == "customer_id,mrr_amount\nc1,10.5\nc2,99.0\nc3,\n"


def test_bad_sql_is_one_line(warehouse, capsys):
    err = one_line_error(capsys, ["sql", "--warehouse", str(warehouse), "select nope from marts.dim_customers"])
    assert "nope" in err and str(warehouse) in err


def test_it_cannot_write(warehouse, capsys):
    before = sha(warehouse)
    err = one_line_error(capsys, ["sql", "--warehouse", str(warehouse), "drop table marts.dim_customers"])
    assert "read-only" in err
    assert sha(warehouse) == before


def test_a_missing_warehouse_is_one_line(tmp_path, capsys):
    err = one_line_error(capsys, ["sql", "--warehouse", str(tmp_path / "none.duckdb"), "select 1"])
    assert f"no warehouse at {tmp_path / 'none.duckdb'}" in err


def test_a_reader_does_not_lock_out_another_reader(warehouse, capsys):
    with duckdb.connect(str(warehouse), read_only=True) as reader:
        assert main(["sql", "--warehouse", str(warehouse), "--csv",
                     "select count(*) as n from marts.dim_customers"]) == 0
        assert reader.execute("select count(*) from marts.dim_customers").fetchone()[0] == 3
    assert capsys.readouterr().out == "n\n3\n"


def hold_for_writing(path: Path) -> subprocess.Popen:
    """Another process holding the warehouse open read-write, as a BI tool might."""
    writer = subprocess.Popen([sys.executable, "-c", f"import duckdb, sys, time; c = duckdb.connect({str(path)!r}); "
                               "print('ready', flush=True); sys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "ready"
    return writer


def test_a_writer_holding_the_file_is_named_in_one_line(warehouse, capsys):
    writer = hold_for_writing(warehouse)
    try:
        err = one_line_error(capsys, ["sql", "--warehouse", str(warehouse), "select 1"])
        with pytest.raises(WarehouseError, match=f"held open for writing by another process \\(PID {writer.pid}"):
            connect_read_only(warehouse)
    finally:
        writer.communicate("")
    assert f"PID {writer.pid}" in err and str(warehouse) in err and "read_only=True" in err
