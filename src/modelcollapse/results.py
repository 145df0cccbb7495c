"""Tidy results: one row per (replicate, generation, metric).

Every engine returns the same columns, so theory overlays, figures, Parquet
files and DuckDB queries never need to know which engine ran.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["COLUMNS", "STATUSES", "frame_from_arrays", "frame_from_rows", "write_parquet"]

COLUMNS = ("replicate", "generation", "metric", "value", "status")
STATUSES = ("ok", "degenerate", "diverged")
"""``degenerate``: the fit of that generation (or an earlier one) had no unique solution;
``diverged``: its training loss became NaN or infinite (neural families)."""


def _categorical(codes: np.ndarray, categories: Sequence[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=list(categories))


def frame_from_arrays(values: np.ndarray, metric_names: Sequence[str],
                      replicates: np.ndarray, degenerate: np.ndarray) -> pd.DataFrame:
    """Build tidy rows from a batched engine's arrays, ordered by replicate, then generation.

    Parameters
    ----------
    values : ndarray of shape (n_generations, n_replicates, n_metrics)
        Metric values; generation ``g`` is at index ``g - 1``.
    metric_names : sequence of str of length n_metrics
    replicates : ndarray of int of shape (n_replicates,)
        Replicate numbers.
    degenerate : ndarray of bool of shape (n_generations, n_replicates)
    """
    n_gen, n_rep, n_met = values.shape
    replicate = np.repeat(replicates, n_gen * n_met)
    generation = np.tile(np.repeat(np.arange(1, n_gen + 1), n_met), n_rep)
    metric = np.tile(np.arange(n_met), n_gen * n_rep)
    status = np.repeat(degenerate.T.astype(np.int8).ravel(), n_met)
    return pd.DataFrame({
        "replicate": replicate.astype(np.int64),
        "generation": generation.astype(np.int64),
        "metric": _categorical(metric, metric_names),
        "value": values.transpose(1, 0, 2).reshape(-1).astype(np.float64),
        "status": _categorical(status, STATUSES),
    })


def frame_from_rows(rows: list[tuple[int, int, str, float, str]]) -> pd.DataFrame:
    """Build tidy rows from ``(replicate, generation, metric, value, status)`` tuples."""
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame = frame.astype({"replicate": np.int64, "generation": np.int64, "value": np.float64})
    frame["metric"] = pd.Categorical(frame["metric"], categories=frame["metric"].unique())
    frame["status"] = pd.Categorical(frame["status"], categories=list(STATUSES))
    return frame


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write a frame to Parquet atomically: a temporary name, then a rename."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    try:
        frame.to_parquet(partial, index=False)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)  # a full disk leaves no half-written file behind
        raise
