"""Gaussian worlds: the truth is a normal distribution in one or more dimensions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.core.drift import check_drift

__all__ = ["GaussianWorld", "gaussian_world"]

HELD_OUT = 0x4E1D0
"""Entropy of the held-out stream: apart from every experiment's seed tree."""


@dataclass(frozen=True)
class GaussianWorld:
    """Real data ~ N(mean, cov).

    Parameters
    ----------
    mean : array-like of shape (d,)
    cov : array-like of shape (d, d)
        Symmetric positive definite.
    name : str, default "gaussian"
    drift : float, default 0.0
        Distance the mean moves per generation, along the diagonal direction
        1/√d: generation g's mean is mean + drift·(g − 1)·1/√d.
    generation : int, default 1
        The generation whose truth this is; :meth:`at` sets it.
    """

    mean: np.ndarray
    cov: np.ndarray
    name: str = "gaussian"
    drift: float = 0.0
    generation: int = 1
    chol: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        mean = np.atleast_1d(np.asarray(self.mean, dtype=float))
        cov = np.atleast_2d(np.asarray(self.cov, dtype=float))
        if mean.ndim != 1 or cov.shape != (len(mean), len(mean)):
            raise ValueError(f"mean has shape {mean.shape} but cov has shape {cov.shape}: "
                             "give a (d,) mean and a (d, d) covariance")
        if not np.allclose(cov, cov.T):
            raise ValueError("cov must be symmetric")
        try:
            chol = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            raise ValueError("cov must be positive definite (a degenerate covariance has no "
                             "density): raise its smallest eigenvalue above 0") from None
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "cov", cov)
        object.__setattr__(self, "chol", chol)
        check_drift(self.drift, "distance")

    def at(self, generation: int) -> GaussianWorld:
        """The world of ``generation``: the mean moved by drift·(generation − 1)."""
        if not self.drift:
            return self
        step = self.drift * (generation - self.generation) / np.sqrt(self.dim)
        return replace(self, mean=self.mean + step, generation=generation)

    @property
    def dim(self) -> int:
        """Dimension d."""
        return len(self.mean)

    def held_out(self, n: int = 2000) -> np.ndarray:
        """The world's own held-out real sample, the same on every call, shape (n, d)."""
        return self.sample(n, rng=np.random.default_rng(np.random.SeedSequence(HELD_OUT))).X

    def sample(self, n: int, *, rng: np.random.Generator) -> Dataset:
        """Draw ``n`` real items, shape (n, d)."""
        z = rng.standard_normal((n, self.dim))
        return Dataset.real(self.mean + z @ self.chol.T)


def gaussian_world(dim: int = 1, mean: float = 0.0, variance: float = 1.0,
                   drift: float = 0.0) -> GaussianWorld:
    """N(mean·1, variance·I) in ``dim`` dimensions; the mean moves ``drift`` a generation."""
    if int(dim) != dim or dim < 1:
        raise ValueError(f"dim must be an integer >= 1, got {dim}")
    if not variance > 0:
        raise ValueError(f"variance must be > 0, got {variance}")
    return GaussianWorld(np.full(dim, float(mean)), variance * np.eye(dim), drift=drift)
