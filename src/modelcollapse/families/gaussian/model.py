"""Density models refitted on their own samples: the Gaussian (MLE or unbiased).

Sampling can be biased towards typical outputs, as decoding tricks bias
language models: ``truncate_sd`` keeps samples within k standard deviations
(Mahalanobis radius k), ``keep_fraction`` keeps the highest-density fraction q.
Both are drawn exactly, not by rejection: a uniform direction times a radius
from the chi distribution restricted to the kept ball.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammainc, gammaincinv, ndtr, ndtri

from modelcollapse.core.data import Dataset
from modelcollapse.core.linalg import SINGULAR_RTOL
from modelcollapse.core.model import DegenerateFitError, Model

__all__ = ["GaussianModel", "truncated_standard_normal"]

ESTIMATORS = {"mle": 0, "unbiased": 1}
"""Estimator name → the ddof of its covariance."""


def truncated_standard_normal(rng: np.random.Generator, shape: tuple[int, ...],
                              radius: float | None) -> np.ndarray:
    """Standard normal vectors along axis 1 of ``shape``, restricted to ``|z| <= radius``.

    Parameters
    ----------
    rng : numpy.random.Generator
    shape : tuple of int
        ``(n, d)`` or ``(n, d, R)``; axis 1 holds the vector components.
    radius : float or None
        Largest Euclidean norm kept; ``None`` keeps everything.
    """
    if radius is None:
        return rng.standard_normal(shape)
    d = shape[1]
    if d == 1:  # invert the normal distribution function on [-radius, radius]: one draw each
        low = ndtr(-radius)
        return ndtri(low + rng.random(shape) * (1 - 2 * low))
    z = rng.standard_normal(shape)
    direction = z / np.linalg.norm(z, axis=1, keepdims=True)
    radial_shape = (shape[0], 1, *shape[2:])
    # χ²_d distribution function F(t) = P(d/2, t/2) (regularised lower gamma) and its inverse;
    # scipy.special rather than scipy.stats, which takes a second to import in every worker.
    kept = gammainc(d / 2, radius**2 / 2)
    r = np.sqrt(2 * gammaincinv(d / 2, rng.random(radial_shape) * kept))
    return direction * r


@dataclass
class GaussianModel(Model):
    """A Gaussian fitted by maximum likelihood or with the unbiased covariance.

    Parameters
    ----------
    estimator : {"mle", "unbiased"}, default "mle"
        Divide the scatter matrix by n (MLE) or by n − 1 (unbiased).
    truncate_sd : float or None
        Sample only within this Mahalanobis radius (k standard deviations).
    keep_fraction : float or None
        Sample only from the highest-density region of this probability.

    Attributes
    ----------
    mean_ : ndarray of shape (d,)
    cov_ : ndarray of shape (d, d)
    """

    batched_kernel = "modelcollapse.families.gaussian.kernel"

    estimator: str = "mle"
    truncate_sd: float | None = None
    keep_fraction: float | None = None
    mean_: np.ndarray = field(init=False, repr=False, compare=False)
    cov_: np.ndarray = field(init=False, repr=False, compare=False)

    conditional = False

    def __post_init__(self) -> None:
        if self.estimator not in ESTIMATORS:
            raise ValueError(f"estimator must be one of {', '.join(ESTIMATORS)}, "
                             f"got {self.estimator!r}")
        if self.truncate_sd is not None and self.keep_fraction is not None:
            raise ValueError("give truncate_sd or keep_fraction, not both")
        if self.truncate_sd is not None and not self.truncate_sd > 0:
            raise ValueError(f"truncate_sd must be > 0, got {self.truncate_sd}")
        if self.keep_fraction is not None and not 0 < self.keep_fraction <= 1:
            raise ValueError(f"keep_fraction must lie in (0, 1], got {self.keep_fraction}")

    @property
    def ddof(self) -> int:
        """0 for the MLE, 1 for the unbiased covariance."""
        return ESTIMATORS[self.estimator]

    def radius(self, dim: int) -> float | None:
        """Mahalanobis radius that sampling is restricted to, or None."""
        if self.truncate_sd is not None:
            return self.truncate_sd
        if self.keep_fraction is not None and self.keep_fraction < 1:
            return float(np.sqrt(2 * gammaincinv(dim / 2, self.keep_fraction)))
        return None

    def fit(self, data: Dataset, *, rng: np.random.Generator | None = None) -> GaussianModel:
        """Estimate mean and covariance. ``rng`` is unused: the fit is deterministic.

        Raises
        ------
        DegenerateFitError
            If the covariance is not positive definite (too few distinct points).
        """
        X = np.asarray(data.X, dtype=float).reshape(len(data), -1)
        if len(X) <= self.ddof:
            raise DegenerateFitError(f"{len(X)} point(s) cannot estimate a covariance")
        mean = X.mean(axis=0)
        centred = X - mean
        cov = centred.T @ centred / (len(X) - self.ddof)
        eigenvalues = np.linalg.eigvalsh(cov)
        if not eigenvalues[0] > SINGULAR_RTOL**2 * eigenvalues[-1]:  # same rule as the kernel
            raise DegenerateFitError(f"the covariance of {len(X)} points is not positive "
                                     "definite")
        self.mean_, self.cov_ = mean, cov
        return self

    def sample(self, n: int, *, rng: np.random.Generator, X: np.ndarray | None = None,
               generation: int = 1) -> Dataset:
        """Draw ``n`` items from the fitted Gaussian (with the sampling bias), shape (n, d)."""
        d = len(self.mean_)
        z = truncated_standard_normal(rng, (n, d), self.radius(d))
        return Dataset.synthetic(self.mean_ + z @ np.linalg.cholesky(self.cov_).T, None,
                                 generation)
