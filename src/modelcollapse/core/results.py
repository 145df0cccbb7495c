"""Tidy results: one row per (replicate, generation, metric), recorded wide.

Engines record a chain-generation's figures side by side, in a *wide*
pyarrow table: ``replicate``, ``generation``, ``status``, then one column per
metric, null where a metric was not recorded that generation (a NaN is a
recorded value). That is what unit files hold: a row per chain-generation
instead of one per value, and numbers that encode compactly.
:func:`tidy` gives the long rows everything downstream reads
(``…, replicate, generation, metric, value, status``), so theory overlays,
figures and DuckDB queries never need to know which engine ran.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["COLUMNS", "KEYS", "STATUSES", "encode", "frame_from_arrays", "frame_from_rows",
           "metric_names", "narrowed", "tidy", "wide_from_arrays", "wide_from_rows",
           "write_parquet"]

COLUMNS = ("replicate", "generation", "metric", "value", "status")
STATUSES = ("ok", "degenerate", "diverged")
"""``degenerate``: the fit of that generation (or an earlier one) had no unique solution;
``diverged``: its training loss became NaN or infinite (neural families)."""
KEYS = ("replicate", "generation", "status")
"""The wide table's columns before its metric columns."""

_STATUS_TYPE = pa.dictionary(pa.int8(), pa.string())


def _status_array(codes: np.ndarray) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int8)), pa.array(STATUSES))


def _check_names(names: Sequence[str]) -> None:
    clash = [name for name in names if name in KEYS]
    if clash or len(set(names)) != len(names):
        raise ValueError(f"metric names must be distinct and none of {', '.join(KEYS)}; got "
                         f"{', '.join(names)}: rename the metric")


def wide_from_arrays(values: np.ndarray, metric_names: Sequence[str],
                     replicates: np.ndarray, degenerate: np.ndarray) -> pa.Table:
    """Build the wide table of a batched engine's arrays, ordered by replicate, then generation.

    Parameters
    ----------
    values : ndarray of shape (n_metrics, n_replicates, n_generations)
        Metric values; generation ``g`` is at index ``g - 1``. Each metric's
        (n_replicates, n_generations) slab becomes its column without a copy
        when it is C-contiguous.
    metric_names : sequence of str of length n_metrics
    replicates : ndarray of int of shape (n_replicates,)
        Replicate numbers.
    degenerate : ndarray of bool of shape (n_replicates, n_generations)
    """
    _check_names(metric_names)
    _, n_rep, n_gen = values.shape
    columns = {
        "replicate": pa.array(np.repeat(np.asarray(replicates, dtype=np.int32), n_gen)),
        "generation": pa.array(np.tile(np.arange(1, n_gen + 1, dtype=np.int32), n_rep)),
        "status": _status_array(np.asarray(degenerate).reshape(-1)),
    }
    for slab, name in zip(values, metric_names, strict=True):
        columns[name] = pa.array(np.ascontiguousarray(slab, dtype=np.float64).reshape(-1))
    return pa.table(columns)


def wide_from_rows(rows: list[tuple[int, int, str, float, str]]) -> pa.Table:
    """Build the wide table of ``(replicate, generation, metric, value, status)`` tuples.

    Chain-generations keep the order of their first row, metrics the order in
    which they first appear; a metric absent from a chain-generation is null there.

    Raises
    ------
    ValueError
        If two rows of one chain-generation disagree on its status.
    """
    names = list(dict.fromkeys(row[2] for row in rows))
    _check_names(names)
    position = {name: j for j, name in enumerate(names)}
    order: dict[tuple[int, int], int] = {}
    statuses: list[str] = []
    values = np.full((len(rows), len(names)), np.nan)
    present = np.zeros((len(rows), len(names)), dtype=bool)
    for replicate, generation, metric, value, status in rows:
        i = order.setdefault((replicate, generation), len(order))
        if i == len(statuses):
            statuses.append(status)
        elif statuses[i] != status:
            raise ValueError(f"replicate {replicate}, generation {generation}: rows disagree on "
                             f"the status ({statuses[i]!r} and {status!r})")
        values[i, position[metric]] = value
        present[i, position[metric]] = True
    n = len(order)
    keys = np.array(list(order), dtype=np.int64).reshape(n, 2)
    columns = {"replicate": pa.array(keys[:, 0].astype(np.int32)),
               "generation": pa.array(keys[:, 1].astype(np.int32)),
               "status": _status_array(np.array([STATUSES.index(s) for s in statuses],
                                                dtype=np.int8))}
    for j, name in enumerate(names):
        columns[name] = pa.array(values[:n, j], mask=~present[:n, j])
    return pa.table(columns)


def metric_names(table_or_schema: pa.Table | pa.Schema) -> list[str]:
    """The metric columns of a wide table: those after ``status``."""
    names = list(getattr(table_or_schema, "names", None) or table_or_schema.column_names)
    return names[names.index("status") + 1:]


def tidy(table: pa.Table) -> pd.DataFrame:
    """The long rows of a wide table: one per recorded (chain-generation, metric).

    Columns before ``replicate`` (a unit's ``point`` and swept keys) come
    first, then ``replicate, generation, metric, value, status``. Rows keep
    the table's order, metrics within a row their column order.

    Parameters
    ----------
    table : pyarrow.Table
        A wide table (:func:`wide_from_arrays`, a unit file).
    """
    names = table.column_names
    leading = names[:names.index("replicate")]
    metrics = metric_names(table)
    n, m = table.num_rows, len(metrics)
    values = np.empty((n, m))
    present = None
    for j, name in enumerate(metrics):
        column = table.column(name)
        values[:, j] = column.to_numpy()
        if column.null_count:
            if present is None:
                present = np.ones((n, m), dtype=bool)
            present[:, j] = column.is_valid().to_numpy()
    keep = None if present is None else present.reshape(-1)

    def spread(array: np.ndarray) -> np.ndarray:
        out = np.repeat(array, m)
        return out if keep is None else out[keep]

    status = table.column("status").to_pandas().astype(pd.CategoricalDtype(list(STATUSES)))
    frame = {name: pd.Series(table.column(name).to_pandas()).take(spread(np.arange(n)))
             .reset_index(drop=True) for name in leading}
    metric_codes = np.tile(np.arange(m, dtype=np.int8 if m < 128 else np.int32), n)
    frame.update({
        "replicate": spread(table.column("replicate").to_numpy().astype(np.int32)),
        "generation": spread(table.column("generation").to_numpy().astype(np.int32)),
        "metric": pd.Categorical.from_codes(metric_codes if keep is None
                                            else metric_codes[keep], categories=metrics),
        "value": values.reshape(-1) if keep is None else values.reshape(-1)[keep],
        "status": pd.Categorical.from_codes(spread(status.cat.codes.to_numpy()),
                                            dtype=status.dtype),
    })
    return pd.DataFrame(frame, copy=False)


def frame_from_arrays(values: np.ndarray, metric_names: Sequence[str],
                      replicates: np.ndarray, degenerate: np.ndarray) -> pd.DataFrame:
    """Tidy rows of arrays laid out by generation.

    Parameters
    ----------
    values : ndarray of shape (n_generations, n_replicates, n_metrics)
    metric_names : sequence of str of length n_metrics
    replicates : ndarray of int of shape (n_replicates,)
    degenerate : ndarray of bool of shape (n_generations, n_replicates)
    """
    return tidy(wide_from_arrays(np.asarray(values).transpose(2, 1, 0), metric_names,
                                 replicates, np.asarray(degenerate).T))


def frame_from_rows(rows: list[tuple[int, int, str, float, str]]) -> pd.DataFrame:
    """Tidy rows of ``(replicate, generation, metric, value, status)`` tuples."""
    return tidy(wide_from_rows(rows))


_FLOAT32 = np.finfo(np.float32)
_EXACT_INTEGERS = 2.0 ** 24  # float32 holds every integer up to this one


def _as_float32(values: np.ndarray) -> np.ndarray | None:
    """``values`` as float32 if that keeps each to float32 precision, else None.

    Every finite value must stay finite (no overflow) and a nonzero one a
    normal float32 (no subnormal loss); a column of whole numbers beyond
    2**24 stays float64, where they are exact.
    """
    with np.errstate(over="ignore"):
        narrow = values.astype(np.float32)
    size = np.abs(narrow)
    # Each test first on the float32 copy alone: the usual column passes it in one cheap pass.
    infinite = size == np.inf
    if infinite.any() and np.any(infinite & np.isfinite(values)):
        return None
    small = size < _FLOAT32.tiny  # zeros, and what float32 made subnormal or zero
    if small.any() and np.any(small & (values != 0)):
        return None
    # fmax skips NaN without warning on all-NaN columns; 2**24 + 1 rounds down to 2**24.
    if size.size and np.fmax.reduce(size) >= _EXACT_INTEGERS:
        kept = values[np.isfinite(values)]
        if np.max(np.abs(kept), initial=0) > _EXACT_INTEGERS and np.all(kept == np.round(kept)):
            return None
    return narrow


def narrowed(table: pa.Table) -> pa.Table:
    """``table`` with each metric column as float32 where float32 holds it to its precision.

    The chain computes in float64 throughout; only the stored copy is
    rounded, once, to the nearest float32 (relative error at most 2**-24, or
    6e-8), which is far below the spread between replicates that every
    statistic of a run is about. Whole numbers up to 2**24 (counts) stay
    exact. A column with a value float32 cannot hold to that precision (beyond
    3.4e38, below 1.2e-38, whole numbers beyond 2**24) stays float64.
    """
    for name in metric_names(table):
        column = table.column(name)
        if not pa.types.is_float64(column.type):
            continue
        narrow = _as_float32(column.to_numpy())
        if narrow is not None:
            mask = column.is_null().to_numpy() if column.null_count else None
            table = table.set_column(table.schema.get_field_index(name),
                                     pa.field(name, pa.float32()), pa.array(narrow, mask=mask))
    return table


def encode(table: pa.Table) -> pa.Buffer:
    """The Parquet bytes of a wide table, narrowed (:func:`narrowed`), page checksums included.

    Metric values byte-stream split (each byte plane apart) and zstd
    compressed, the generation dictionary encoded: about 3 bytes a value.
    """
    table = narrowed(table)
    metrics = metric_names(table)
    floats = [name for name in metrics if pa.types.is_floating(table.schema.field(name).type)]
    text = [f.name for f in table.schema
            if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)
            or pa.types.is_large_string(f.type)]
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", write_page_checksum=True,
                   use_dictionary=[*text, "generation"], use_byte_stream_split=floats)
    return sink.getvalue()  # written and hashed as it is: no copy into a bytes object


def write_parquet(frame: pd.DataFrame | pa.Table, path: Path) -> None:
    """Write a frame, or a wide table (:func:`encode`), to Parquet atomically.

    Under a temporary name, then renamed.
    """
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    try:
        if isinstance(frame, pa.Table):
            partial.write_bytes(encode(frame))
        else:
            frame.to_parquet(partial, index=False)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)  # a full disk leaves no half-written file behind
        raise
