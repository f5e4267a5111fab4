"""The one base class of every expected failure of the csops package.

An expected failure is a problem the user can fix (a bad argument, a missing file, a warehouse that
was not built, a wrong suite file), said in one line that names what is wrong. The CLI catches
`CsopsError` once, prints `csops <command>: error: <message>` and exits with the error's
`exit_code`: 2, or 1 for a check that ran and failed (`csops build` when dbt or a quality suite
fails); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class CsopsError(Exception):
    """An expected failure, said in one line; `csops` prints it without a traceback and exits `exit_code`."""

    exit_code: int = 2
