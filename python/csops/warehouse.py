"""Opening the DuckDB warehouse, with DuckDB's errors said in one line.

Readers (BI tools, `csops sql`, `csops quality`) open the published warehouse read-only: any
number of them can hold it at once, and `csops build` never writes to it (it builds a private copy
and swaps it in). A process that holds the file open for writing locks everybody else out; DuckDB
then says `Could not set lock on file ...` with the holder's PID, which we turn into one line that
names the file and the holder.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from .errors import CsopsError


class WarehouseError(CsopsError):
    """The warehouse file is missing, locked by a writer, or not a DuckDB database; said in one line."""


_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def one_line(error: BaseException) -> str:
    """DuckDB's message without its multi-line decorations (the query echo, the caret, the docs link)."""
    lines = []
    for line in str(error).splitlines():
        if line.startswith("LINE ") or not line.strip():
            break
        lines.append(line.strip())
    text = " ".join(lines) or type(error).__name__
    return re.sub(r"\s*See also https://duckdb\.org/\S+", "", text)


def lock_holder(error: BaseException) -> str | None:
    """'PID 1234, python3.11' when `error` is DuckDB's lock conflict, else None."""
    match = _LOCK_HOLDER.search(str(error))
    if not match:
        return None
    return f"PID {match['pid']}, {Path(match['program']).name}"


def locked_message(path: Path, holder: str) -> str:
    return (f"{path} is held open for writing by another process ({holder}); readers must open it "
            f"read-only (duckdb.connect(path, read_only=True)): close that connection and try again")


def connect_read_only(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to an existing warehouse file, or WarehouseError in one line."""
    path = Path(path)
    if not path.is_file():
        raise WarehouseError(f"no warehouse at {path}; build it first (make build, or csops build)")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as e:
        holder = lock_holder(e)
        if holder:
            raise WarehouseError(locked_message(path, holder)) from e
        raise WarehouseError(f"cannot open the warehouse {path}: {one_line(e)}") from e
