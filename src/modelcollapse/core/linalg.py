"""Linear algebra the families share: batched Cholesky solves, and when a design is singular."""

from __future__ import annotations

import numpy as np

__all__ = ["SINGULAR_RTOL", "cholesky_solve", "least_squares_with_prior"]

SINGULAR_RTOL = 1e-7
"""A design whose singular values span more than 1/SINGULAR_RTOL is degenerate."""



def cholesky_solve(gram: np.ndarray, moments: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``gram @ c = moments`` for every replicate by Cholesky factorisation.

    Parameters
    ----------
    gram : ndarray of shape (p, p, R)
        Symmetric positive semi-definite matrices.
    moments : ndarray of shape (p, R)

    Returns
    -------
    coef : ndarray of shape (p, R)
        Solutions; NaN where the matrix is numerically singular.
    singular : ndarray of bool of shape (R,)
        True where a pivot fell below ``SINGULAR_RTOL**2`` times the largest
        diagonal entry (a design whose condition number exceeds 1/SINGULAR_RTOL).
    """
    p, _, R = gram.shape
    scale = np.max(np.diagonal(gram), axis=-1)
    tol = SINGULAR_RTOL**2 * scale
    singular = ~np.isfinite(scale)
    # p is tiny, so plain loops over it with whole-array arithmetic over the
    # replicate axis beat einsum's per-call overhead.
    chol = [[None] * p for _ in range(p)]
    for j in range(p):
        pivot = gram[j, j] - sum(chol[j][k] * chol[j][k] for k in range(j))
        singular |= ~(pivot > tol)
        chol[j][j] = np.sqrt(np.where(singular, 1.0, pivot))
        for i in range(j + 1, p):
            dot = sum(chol[i][k] * chol[j][k] for k in range(j))
            chol[i][j] = (gram[i, j] - dot) / chol[j][j]
    z = [None] * p
    for i in range(p):
        z[i] = (moments[i] - sum(chol[i][k] * z[k] for k in range(i))) / chol[i][i]
    coef = np.empty((p, R))
    for i in reversed(range(p)):
        tail = sum(chol[k][i] * coef[k] for k in range(i + 1, p))
        coef[i] = (z[i] - tail) / chol[i][i]
    coef[:, singular] = np.nan
    return coef, singular


def least_squares_with_prior(coef: np.ndarray, prior_gram: np.ndarray, design: np.ndarray,
                             y: np.ndarray, weight: int) -> np.ndarray:
    """Least squares on ``design``, ``y`` with a prior of ``weight`` items centred on ``coef``."""
    gram = weight * prior_gram + design.T @ design
    return np.linalg.solve(gram, weight * prior_gram @ coef + design.T @ y)
