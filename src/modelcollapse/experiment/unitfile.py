"""How a unit's results are laid out in its Parquet file, and read back as tidy rows.

A unit file holds the unit's wide table (:mod:`modelcollapse.core.results`):
``point`` and the swept keys, ``replicate``, ``generation``, ``status``, then a
column per metric, sorted by replicate and generation. Parquet then stores
what repeats almost for free (the keys run-length or dictionary encoded), and
metric values as float32 where that is exact to float32 precision
(:func:`modelcollapse.core.results.narrowed`), each byte plane apart (byte-stream split) and zstd
compressed: about 3 bytes a value, against 9 for the long layout of format 3.

Readers never see the wide form: :func:`read_tidy` gives pandas the long
rows, :func:`create_results_view` gives DuckDB the view ``results`` with the
columns ``…, replicate, generation, metric, value, status`` (``value`` a
DOUBLE), null cells (a metric not recorded that generation) left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from modelcollapse.core.results import COLUMNS, KEYS, metric_names, tidy

__all__ = ["create_results_view", "read_tidy"]

def read_tidy(files: Sequence[Path]) -> pd.DataFrame:
    """The tidy rows of unit files, concatenated in the given order, values as float64."""
    frames = [tidy(pq.read_table(f)) for f in files]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=list(COLUMNS))
    if "metric" in frame and not isinstance(frame["metric"].dtype, pd.CategoricalDtype):
        frame["metric"] = frame["metric"].astype("category")  # units with different metrics
    return frame


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_results_view(connection: duckdb.DuckDBPyConnection, files: Sequence[Path]) -> None:
    """Create the tidy view ``results`` over unit files on ``connection``.

    Raises
    ------
    duckdb.Error
        If DuckDB cannot read the files.
    """
    leading: dict[str, None] = {}
    metrics: dict[str, None] = {}
    for f in files:
        schema = pq.read_schema(f)
        names = schema.names
        leading.update(dict.fromkeys(names[:names.index("replicate")]))
        metrics.update(dict.fromkeys(metric_names(schema)))
    paths = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
    source = f"read_parquet([{paths}], union_by_name = true)"
    front = "".join(f"{_quoted(name)}, " for name in leading)
    keys = ", ".join(_quoted(k) for k in KEYS)
    if metrics:
        casts = ", ".join(f"CAST({_quoted(m)} AS DOUBLE) AS {_quoted(m)}" for m in metrics)
        on = ", ".join(_quoted(m) for m in metrics)
        body = (f"SELECT {front}replicate, generation, metric, value, status FROM "
                f"(UNPIVOT (SELECT {front}{keys}, {casts} FROM {source}) ON {on} "
                "INTO NAME metric VALUE value)")
    else:
        body = (f"SELECT {front}replicate, generation, NULL::VARCHAR AS metric, "
                f"NULL::DOUBLE AS value, status FROM {source} WHERE false")
    connection.execute(f"CREATE VIEW results AS {body}")
