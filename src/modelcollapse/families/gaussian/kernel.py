"""Gaussian refit chains, all replicates at once (the engine: core/batched.py).

Statistics are (count, mean, scatter matrix) merged with Chan's pairwise
update rather than raw power sums: under collapse the variance falls by many
orders of magnitude while the mean does not, and raw sums would cancel.

The Cholesky factors are computed over the replicate axis (:func:`cholesky`)
rather than by stacked LAPACK calls: numpy's batched ``linalg.cholesky`` pays
LAPACK's per-matrix overhead and, moved back to a trailing replicate axis,
leaves a strided array that makes the following ``np.einsum`` twenty times
slower. The factor follows OpenBLAS's order of operations, so for d <= 2 it
equals LAPACK's bit for bit; for d >= 3 OpenBLAS fuses multiply-adds and the
factor agrees to float rounding (about 1e-16 relative).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from modelcollapse.core.batched import POLICIES, BatchedFamily, run_family
from modelcollapse.core.linalg import SINGULAR_RTOL
from modelcollapse.core.rng import SeedTree
from modelcollapse.families.gaussian.metrics import GaussianMetric, gaussian_metrics
from modelcollapse.families.gaussian.model import GaussianModel, truncated_standard_normal
from modelcollapse.families.gaussian.world import GaussianWorld

__all__ = ["GaussianFamily", "cholesky", "run_block", "supports"]


def supports(chain) -> bool:
    """Whether this kernel can run ``chain``."""
    return (type(chain.world) is GaussianWorld and type(chain.model) is GaussianModel
            and type(chain.policy) in POLICIES
            and all(type(m) is GaussianMetric for m in chain.metrics))


def cholesky(cov: np.ndarray) -> np.ndarray:
    """Lower Cholesky factors of a stack of covariances, computed over the replicate axis.

    Left-looking, as LAPACK's unblocked ``potf2``: column j takes its diagonal
    from row j's dot product so far, then scales the rest of the column by the
    reciprocal of that diagonal. For d = 2 this is the closed form
    ``l00 = sqrt(a)``, ``l10 = b * (1 / l00)``, ``l11 = sqrt(c - l10²)``.

    Parameters
    ----------
    cov : ndarray of shape (d, d, R)
        Symmetric positive-definite matrices; only the lower triangle is read.

    Returns
    -------
    ndarray of shape (d, d, R)
        C-contiguous ``L`` with ``L[:, :, r] @ L[:, :, r].T == cov[:, :, r]``, zero above
        the diagonal; NaN where a matrix is not positive definite (no error is raised).
    """
    d = cov.shape[0]
    L = np.zeros_like(cov, order="C")
    with np.errstate(invalid="ignore", divide="ignore"):
        for j in range(d):
            L[j, j] = np.sqrt(cov[j, j] - _dot(L, j, j) if j else cov[j, j])
            reciprocal = 1.0 / L[j, j]
            for i in range(j + 1, d):
                L[i, j] = (cov[i, j] - _dot(L, i, j) if j else cov[i, j]) * reciprocal
    return L


def _dot(L: np.ndarray, i: int, j: int) -> np.ndarray:
    """``L[i, 0] * L[j, 0] + … + L[i, j-1] * L[j, j-1]``, summed left to right."""
    total = L[i, 0] * L[j, 0]
    for k in range(1, j):
        total = total + L[i, k] * L[j, k]
    return total


class GaussianFamily(BatchedFamily):
    """Gaussians refitted on their own samples; the state is (mean (d, R), cov (d, d, R))."""

    def __init__(self, chain, n_replicates: int):
        super().__init__(chain, n_replicates)
        self.world = chain.world
        self.d = chain.world.dim
        self.ddof = chain.model.ddof
        self.radius = chain.model.radius(self.d)
        self.names = chain.metric_names()

    def real(self, n, rng):  # noqa: D102
        z = rng.standard_normal((n, self.d, self.R))
        return (self.world.mean[:, np.newaxis] + np.einsum("ij,njr->nir", self.world.chol, z),)

    def _usable(self, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``cov`` with dead (non-finite) replicates swapped for the identity, and the mask."""
        finite = np.isfinite(cov).all(axis=(0, 1))
        return np.where(finite, cov, np.eye(self.d)[:, :, np.newaxis]), finite

    def synthetic(self, state, n, inputs, sample):  # noqa: D102
        mean, cov = state
        # Dead replicates have NaN means, so their samples stay NaN whatever the factor.
        usable, _ = self._usable(cov)
        chol = cholesky(usable)                                            # (d, d, R)
        z = truncated_standard_normal(sample, (n, self.d, self.R), self.radius)
        return (mean + np.einsum("ijr,njr->nir", chol, z),)

    def statistics(self, items):  # noqa: D102
        (x,) = items
        mean = x.mean(axis=0)
        centred = x - mean
        return (np.full(self.R, float(len(x))), mean,
                np.einsum("nir,njr->ijr", centred, centred))

    def combine(self, a, b):  # noqa: D102
        (na, ma, sa), (nb, mb, sb) = a, b
        n = na + nb
        delta = mb - ma
        return (n, ma + delta * nb / n,
                sa + sb + delta[:, np.newaxis] * delta[np.newaxis, :] * na * nb / n)

    def fit(self, stats):  # noqa: D102
        n, mean, scatter = stats
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = scatter / (n - self.ddof)
        usable, finite = self._usable(cov)
        eigenvalues = np.linalg.eigvalsh(np.moveaxis(usable, -1, 0))
        # Relative tolerance, as for the regression kernels: a covariance whose
        # condition number passes 1/SINGULAR_RTOL² would not factorise reliably.
        singular = ~finite | ~(eigenvalues[:, 0] > SINGULAR_RTOL**2 * eigenvalues[:, -1])
        return (mean.copy(), cov), singular

    def forget(self, state, dead):  # noqa: D102
        mean, cov = state
        mean[:, dead] = np.nan
        cov[:, :, dead] = np.nan
        return mean, cov

    def measure(self, state, out):  # noqa: D102
        mean, cov = state
        values = gaussian_metrics(mean, cov, self.world.mean, self.world.cov, self.names)
        for column, name in enumerate(self.names):
            out[:, column] = values[name]


def run_block(chain, tree: SeedTree, first_replicate: int, n_replicates: int) -> pd.DataFrame:
    """Run a block of replicates of a Gaussian chain (``core.batched.run_family``)."""
    return run_family(GaussianFamily, chain, tree, first_replicate, n_replicates)
