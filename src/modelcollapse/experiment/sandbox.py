"""Run a user's SQL over a run's results and nothing else.

``modelcollapse query`` hands SQL from the command line to DuckDB, which can
read any file, write files, attach databases and download extensions. Here
the ``results`` view is created first, over the verified unit files; then
every file but those is put out of reach (``enable_external_access``), the
configuration is locked so SQL cannot undo that, and only a single SELECT is
accepted: the unit files themselves are readable, so a COPY into one of them
must be refused by statement type.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from modelcollapse.experiment.store import RunError
from modelcollapse.experiment.unitfile import create_results_view

__all__ = ["read_only_query"]

_ALLOWED = (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_only_query(files: list[Path], sql: str) -> pd.DataFrame:
    """Answer one SELECT over the view ``results`` of ``files``, with no other file in reach.

    Raises
    ------
    RunError
        If ``sql`` is not exactly one SELECT (or EXPLAIN), or DuckDB rejects it.
    """
    connection = duckdb.connect(config={"autoinstall_known_extensions": False,
                                        "autoload_known_extensions": False})
    try:
        paths = [str(Path(f).resolve()) for f in files]
        create_results_view(connection, paths)
        connection.execute(f"SET allowed_paths = [{', '.join(map(_quoted, paths))}]")
        connection.execute("SET enable_external_access = false")
        connection.execute("SET lock_configuration = true")
        statements = connection.extract_statements(sql)
        if len(statements) != 1:
            raise RunError(f"the query has {len(statements)} statements; give exactly one "
                             "SELECT over the view 'results'")
        if statements[0].type not in _ALLOWED:
            kind = statements[0].type.name
            raise RunError(f"the query is a {kind} statement; only a SELECT over the view "
                             "'results' runs here (queries cannot write, attach or install)")
        return connection.execute(statements[0]).df()
    except duckdb.Error as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise RunError(f"the query failed: {first_line[:200]}") from None
    finally:
        connection.close()
