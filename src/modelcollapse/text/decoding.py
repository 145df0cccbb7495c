"""Decoding on numpy probability tables: temperature, top-k, top-p, repetition penalty.

Every function takes a table of shape (n, V), one row per sequence being
written, and returns a new table; :func:`sample_rows` draws one id per row.
"""

from __future__ import annotations

import numpy as np

__all__ = ["apply_repetition_penalty", "check_decoding", "decoding_distribution", "sample_rows"]


def check_decoding(temperature: float = 1.0, top_k: int | None = None,
                   top_p: float | None = None, repetition_penalty: float = 1.0,
                   beams: int = 1) -> None:
    """Raise ``ValueError`` naming the first impossible decoding setting."""
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if top_k is not None and (int(top_k) != top_k or top_k < 1):
        raise ValueError(f"top_k must be an integer >= 1 or None, got {top_k}")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError(f"top_p must lie in (0, 1] or be None, got {top_p}")
    if not repetition_penalty >= 1:
        raise ValueError(f"repetition_penalty must be >= 1 (1 is none), got {repetition_penalty}")
    if int(beams) != beams or beams < 1:
        raise ValueError(f"beams must be an integer >= 1 (1 samples, more searches), got {beams}")


def apply_repetition_penalty(probabilities: np.ndarray, seen: np.ndarray,
                             penalty: float) -> np.ndarray:
    """Discourage ids a sequence already holds (Keskar et al. 2019, CTRL).

    CTRL divides a positive logit by the penalty and multiplies a negative one;
    on log-probabilities (never positive) that is ``p ↦ p ** penalty`` for
    the ids already seen. Rows are left unnormalised.

    Parameters
    ----------
    probabilities : ndarray of shape (n, V)
    seen : ndarray of bool of shape (n, V)
        Which ids each sequence holds so far (prompt included).
    penalty : float
        1 leaves the table as it is.
    """
    if penalty == 1:
        return probabilities
    return np.where(seen, probabilities ** penalty, probabilities)


def decoding_distribution(probabilities: np.ndarray, temperature: float = 1.0,
                          top_k: int | None = None, top_p: float | None = None) -> np.ndarray:
    """The distribution a decoder samples from, each row normalised.

    Temperature T reweights ``p ↦ p ** (1/T)``; top-k keeps each row's k most
    probable ids (ties broken by id); top-p keeps the smallest set of most
    probable ids whose mass reaches p (always at least one).

    Parameters
    ----------
    probabilities : ndarray of shape (n, V)
        Non-negative rows (need not be normalised).
    temperature, top_k, top_p
        See :func:`check_decoding`.

    Returns
    -------
    ndarray of shape (n, V)
    """
    q = np.asarray(probabilities, dtype=float)
    if temperature != 1.0:
        q = q / q.max(axis=1, keepdims=True)  # keeps p ** (1/T) away from underflow
        q = q ** (1.0 / temperature)
    if top_k is not None and top_k < q.shape[1]:
        order = np.argsort(-q, axis=1, kind="stable")
        keep = np.zeros(q.shape, dtype=bool)
        np.put_along_axis(keep, order[:, :top_k], True, axis=1)
        q = np.where(keep, q, 0.0)
    if top_p is not None and top_p < 1:
        order = np.argsort(-q, axis=1, kind="stable")
        ranked = np.take_along_axis(q, order, axis=1)
        mass_before = np.cumsum(ranked, axis=1) - ranked
        keep = np.zeros(q.shape, dtype=bool)
        np.put_along_axis(keep, order, mass_before < top_p * ranked.sum(axis=1, keepdims=True),
                          axis=1)
        q = np.where(keep, q, 0.0)
    return q / q.sum(axis=1, keepdims=True)


def sample_rows(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One id per row of a normalised table, by inverse CDF; shape (n,)."""
    cdf = np.cumsum(probabilities, axis=1)
    draws = rng.random(len(cdf)) * cdf[:, -1]
    ids = (cdf <= draws[:, None]).sum(axis=1)
    return np.minimum(ids, cdf.shape[1] - 1)
