"""Polynomial least-squares regression with a Gaussian noise model.

The maths lives in module-level functions shared with the batched kernel:
inputs are mapped affinely to [-1, 1] before the monomials are formed, which
keeps the normal equations well conditioned; fitted coefficients are reported
in the plain monomial basis of x, the basis scikit-learn's
``PolynomialFeatures`` uses, so they can be compared directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy.special import comb

from modelcollapse.data import Dataset
from modelcollapse.models.base import Model

__all__ = [
    "DegenerateFitError",
    "PolynomialRegression",
    "cholesky_solve",
    "monomial_coefficients",
    "to_unit_interval",
    "unit_to_monomial_matrix",
    "unit_vandermonde",
]

SINGULAR_RTOL = 1e-7
"""A design whose singular values span more than 1/SINGULAR_RTOL is degenerate."""


class DegenerateFitError(ArithmeticError):
    """A fit that cannot produce a model; the chain records ``status`` and stops that replicate.

    The base case is a numerically singular design (no unique fit); families
    subclass it for their own failures (a training loss that became NaN, say)
    with their own ``status``.
    """

    status = "degenerate"


def to_unit_interval(x: np.ndarray, domain: tuple[float, float]) -> np.ndarray:
    """Map ``x`` from ``domain`` affinely onto [-1, 1]."""
    low, high = domain
    return (2.0 * x - (low + high)) / (high - low)


def unit_vandermonde(u: np.ndarray, degree: int) -> np.ndarray:
    """Monomials of ``u`` up to ``degree``, shape ``u.shape + (degree + 1,)``."""
    return u[..., np.newaxis] ** np.arange(degree + 1)


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


def monomial_coefficients(coef_unit: np.ndarray, domain: tuple[float, float]) -> np.ndarray:
    """Convert coefficients in powers of u (the unit-interval variable) to powers of x.

    Parameters
    ----------
    coef_unit : ndarray of shape (..., p)
        Coefficients of 1, u, u², …; ``u = a x + b`` maps ``domain`` to [-1, 1].
    domain : tuple of float
        The interval mapped to [-1, 1].

    Returns
    -------
    ndarray of shape (..., p)
        Coefficients of 1, x, x², …
    """
    return coef_unit @ unit_to_monomial_matrix(coef_unit.shape[-1], *domain).T


@lru_cache(maxsize=64)
def unit_to_monomial_matrix(p: int, low: float, high: float) -> np.ndarray:
    """Matrix T with T[j, k] the coefficient of x**j in u**k, u = a x + b."""
    a = 2.0 / (high - low)
    b = -(low + high) / (high - low)
    j, k = np.meshgrid(np.arange(p), np.arange(p), indexing="ij")
    return np.where(j <= k, comb(k, j) * a**j * b ** np.maximum(k - j, 0), 0.0)


@dataclass
class PolynomialRegression(Model):
    """Least-squares polynomial of a given degree; samples add Gaussian noise.

    Parameters
    ----------
    degree : int, default 3
        Degree of the polynomial (``degree + 1`` coefficients).
    noise : float or None, default None
        Standard deviation of the noise added when the model labels inputs.
        ``None`` uses the world's noise, which the chain fills in.
    domain : tuple of float, default (0.0, 1.0)
        Interval mapped to [-1, 1] before fitting, for numerical conditioning
        only: the fitted function does not depend on it.

    Attributes
    ----------
    coef_unit_ : ndarray of shape (degree + 1,)
        Coefficients in powers of the unit-interval variable.
    coef_ : ndarray of shape (degree + 1,)
        Coefficients of 1, x, x², … (constant first).
    """

    degree: int = 3
    noise: float | None = None
    domain: tuple[float, float] = (0.0, 1.0)
    coef_unit_: np.ndarray = field(init=False, repr=False, compare=False)

    conditional = True

    def __post_init__(self) -> None:
        if int(self.degree) != self.degree or self.degree < 0:
            raise ValueError(f"degree must be a non-negative integer, got {self.degree}")
        if self.noise is not None and (not np.isfinite(self.noise) or self.noise < 0):
            raise ValueError(f"noise must be a finite number >= 0, got {self.noise}")

    def fit(self, data: Dataset, *, rng: np.random.Generator | None = None) -> PolynomialRegression:
        """Fit by least squares. ``rng`` is unused: the fit is deterministic.

        Raises
        ------
        DegenerateFitError
            If the design is numerically singular (for instance fewer distinct
            inputs than coefficients).
        """
        design = unit_vandermonde(to_unit_interval(np.asarray(data.X, float), self.domain),
                                  self.degree)
        singular_values = np.linalg.svd(design, compute_uv=False)
        p = self.degree + 1
        if len(singular_values) < p or singular_values[-1] <= SINGULAR_RTOL * singular_values[0]:
            raise DegenerateFitError(
                f"the design of {len(data)} inputs cannot determine {p} coefficients"
            )
        self.coef_unit_ = np.linalg.lstsq(design, np.asarray(data.y, float), rcond=None)[0]
        return self

    @property
    def coef_(self) -> np.ndarray:
        """Coefficients of 1, x, x², … (constant first)."""
        return monomial_coefficients(self.coef_unit_, self.domain)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Evaluate the fitted polynomial at ``X``."""
        u = to_unit_interval(np.asarray(X, float), self.domain)
        return np.polynomial.polynomial.polyval(u, self.coef_unit_)

    def sample(self, n: int, *, rng: np.random.Generator, X: np.ndarray,
               generation: int = 1) -> Dataset:
        """Label the inputs ``X`` with the fit plus Gaussian noise.

        Parameters
        ----------
        n : int
            Number of items; must equal ``len(X)``.
        rng : numpy.random.Generator
            Stream for the label noise.
        X : ndarray of shape (n,)
            Inputs drawn by the world.
        generation : int, default 1
            The generation of this model, recorded as the items' origin.
        """
        if len(X) != n:
            raise ValueError(f"asked for {n} samples but got {len(X)} inputs")
        if self.noise is None:
            raise ValueError("noise is None: set it, or let a Chain fill in the world's noise")
        y = self.predict(X) + self.noise * rng.standard_normal(n)
        return Dataset.synthetic(X, y, generation)
