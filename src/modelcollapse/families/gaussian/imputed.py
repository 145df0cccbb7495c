"""Imputation: real items with a missing coordinate filled in by a model's predictions.

Each draw from the Gaussian truth loses its last coordinate in a share
``missing`` of the items; a least-squares regression of that coordinate on
the others, fitted to the complete items of the same draw, fills the gaps
with its predictions (conditional means). The model that imputes is used
once and never trained on its own output, so the cost is bounded: the
completed data under-state the last coordinate's variance by about
``missing``·(1 − R²) of it, R² the share of its variance the others explain,
every generation alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.families.gaussian.world import GaussianWorld

__all__ = ["ImputedWorld", "imputed_gaussian_world"]


@dataclass(frozen=True)
class ImputedWorld:
    """A Gaussian world whose real items come with the last coordinate imputed where missing.

    Metrics compare against the Gaussian truth itself (``mean``, ``cov``).

    Parameters
    ----------
    truth : GaussianWorld
        At least two dimensions.
    missing : float, default 0.3
        Share of items whose last coordinate is missing, in [0, 1); at least
        d + 1 items of every draw stay complete so the imputer can be fitted.
    """

    truth: GaussianWorld
    missing: float = 0.3
    name: str = field(default="imputed-gaussian")

    def __post_init__(self) -> None:
        if self.truth.dim < 2:
            raise ValueError("imputation needs at least 2 dimensions (one to predict the other)")
        if not 0 <= self.missing < 1:
            raise ValueError(f"missing must lie in [0, 1), got {self.missing}")

    mean = property(lambda self: self.truth.mean, doc="The truth's mean.")
    cov = property(lambda self: self.truth.cov, doc="The truth's covariance.")
    dim = property(lambda self: self.truth.dim, doc="Dimension d.")
    drift = property(lambda self: self.truth.drift, doc="The truth's drift.")

    def at(self, generation: int) -> ImputedWorld:
        """The world of ``generation`` (the truth's, imputed alike)."""
        if not self.drift:
            return self
        return ImputedWorld(self.truth.at(generation), self.missing, self.name)

    def held_out(self, n: int = 2000) -> np.ndarray:
        """The truth's held-out sample (complete)."""
        return self.truth.held_out(n)

    def sample(self, n: int, *, rng: np.random.Generator) -> Dataset:
        """``n`` real items, the last coordinate of some imputed, shape (n, d)."""
        X = self.truth.sample(n, rng=rng).X
        n_missing = min(round(self.missing * n), max(n - self.dim - 1, 0))
        gaps = rng.choice(n, size=n_missing, replace=False)
        complete = np.ones(n, dtype=bool)
        complete[gaps] = False
        design = np.column_stack([np.ones(n), X[:, :-1]])
        coef, *_ = np.linalg.lstsq(design[complete], X[complete, -1], rcond=None)
        X[gaps, -1] = design[gaps] @ coef
        return Dataset.real(X)


def imputed_gaussian_world(dim: int = 2, correlation: float = 0.8, missing: float = 0.3,
                           drift: float = 0.0) -> ImputedWorld:
    """Unit-variance Gaussian with equal ``correlation`` between coordinates, imputed."""
    if int(dim) != dim or dim < 2:
        raise ValueError(f"dim must be an integer >= 2, got {dim}")
    if not -1 / (dim - 1) < correlation < 1:
        raise ValueError(f"correlation must lie in ({-1 / (dim - 1):g}, 1) for a valid "
                         f"covariance in {dim} dimensions, got {correlation}")
    cov = np.full((dim, dim), float(correlation)) + (1 - correlation) * np.eye(dim)
    return ImputedWorld(GaussianWorld(np.zeros(dim), cov, drift=drift), missing)
