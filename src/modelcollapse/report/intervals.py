"""Confidence intervals of a mean over replicates that stay honest for a handful of them.

With n replicates the mean's interval is mean ± t(n − 1) · sd / √n, the
Student-t quantile with n − 1 degrees of freedom: 12.7 for two replicates,
3.18 for four, 1.98 for a hundred, so a band over few chains is as wide as
the data allow rather than the normal approximation's 1.96. One replicate
has no spread to estimate, hence no interval: NaN, drawn as no band.
"""

from __future__ import annotations

import numpy as np

__all__ = ["interval_note", "mean_interval", "t_quantile"]


def t_quantile(n, level: float = 0.95) -> np.ndarray:
    """The two-sided Student-t quantile for a mean over ``n`` replicates.

    Parameters
    ----------
    n : int or array-like of int
        Replicates behind each mean.
    level : float, default 0.95
        Coverage of the interval.

    Returns
    -------
    ndarray of float
        ``t.ppf((1 + level) / 2, n - 1)``; NaN where ``n < 2``.
    """
    from scipy.stats import t

    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(n >= 2, t.ppf((1 + level) / 2, np.maximum(n - 1, 1)), np.nan)


def mean_interval(mean, sd, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The Student-t confidence interval ``(low, high)`` of a mean over ``n`` replicates.

    Parameters
    ----------
    mean, sd : float or array-like
        Sample mean and sample standard deviation (ddof = 1) of the replicates.
    n : int or array-like of int
        Replicates behind each mean.
    level : float, default 0.95

    Returns
    -------
    low, high : ndarray
        NaN where ``n < 2`` (no interval from one replicate).
    """
    mean, sd, n = (np.asarray(a, dtype=float) for a in (mean, sd, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        half = t_quantile(n, level) * sd / np.sqrt(n)
    return mean - half, mean + half


def interval_note(counts, level: float = 0.95) -> str:
    """A caption's words for the intervals over replicate ``counts``.

    >>> interval_note([4, 4])
    '95% Student-t interval of the mean (n = 4 replicates)'
    >>> interval_note([1])
    'n = 1: no band'
    """
    counts = sorted({int(c) for c in np.asarray(counts).ravel() if c > 0})
    if not counts:
        return "no replicates"
    if counts[-1] < 2:
        return "n = 1: no band"
    n = f"n = {counts[0]}" if len(counts) == 1 else f"n = {counts[0]}\u2013{counts[-1]}"
    text = f"{level:.0%} Student-t interval of the mean ({n} replicates)"
    return text + ("; none where n = 1" if counts[0] < 2 else "")
