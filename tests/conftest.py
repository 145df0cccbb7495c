"""Shared helpers for the test suite."""

import numpy as np


def z_score(a: np.ndarray, b: np.ndarray) -> float:
    """Difference of two sample means in units of its standard error."""
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return float((a.mean() - b.mean()) / se)


def assert_same_rows(a, b) -> None:
    """Assert two frames hold identical columns and values (NaN equals NaN).

    Column by column on numpy arrays: pandas' assert_frame_equal takes minutes
    on millions of categorical rows.
    """
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for column in a.columns:
        x, y = a[column], b[column]
        if x.dtype.kind in "fiu" and y.dtype.kind in "fiu":
            assert np.array_equal(x.to_numpy(), y.to_numpy(), equal_nan=x.dtype.kind == "f"), column
        else:
            assert (x.astype(str).to_numpy() == y.astype(str).to_numpy()).all(), column
