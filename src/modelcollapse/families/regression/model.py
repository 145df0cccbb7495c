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

from modelcollapse.core.data import Dataset
from modelcollapse.core.linalg import SINGULAR_RTOL
from modelcollapse.core.model import DegenerateFitError, Model

__all__ = [
    "PolynomialRegression",
    "monomial_coefficients",
    "to_unit_interval",
    "unit_to_monomial_matrix",
    "unit_vandermonde",
]

def to_unit_interval(x: np.ndarray, domain: tuple[float, float]) -> np.ndarray:
    """Map ``x`` from ``domain`` affinely onto [-1, 1]."""
    low, high = domain
    return (2.0 * x - (low + high)) / (high - low)


def unit_vandermonde(u: np.ndarray, degree: int) -> np.ndarray:
    """Monomials of ``u`` up to ``degree``, shape ``u.shape + (degree + 1,)``."""
    return u[..., np.newaxis] ** np.arange(degree + 1)


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

    batched_kernel = "modelcollapse.families.regression.kernel"

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

    def check_chain(self, chain) -> None:
        """Refuse a chain whose training sets are too small to determine the coefficients."""
        p = self.degree + 1
        if p > chain.n_samples:
            raise ValueError(f"degree {self.degree} needs at least {p} samples per generation, "
                             f"got {chain.n_samples}: lower the degree or raise the samples")
        budget = getattr(chain.policy, "budget", None)
        if budget is not None and budget < p:
            raise ValueError(f"a training budget of {budget} cannot fit {p} coefficients: "
                             f"raise the budget to at least {p}")

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
