"""Polynomial regression chains, all replicates at once.

Least squares goes through sufficient statistics: for monomials of the
unit-interval variable u the normal matrix is the Hankel matrix of power sums
Σuᵏ, and a small Cholesky factorisation is written out over the replicate
axis (numpy's stacked LAPACK calls cost microseconds per tiny matrix).
Accumulating all data is then a running sum of those statistics, exactly the
fit on the concatenated data. The policies come from :mod:`modelcollapse.core.batched`.

Random numbers come from the seed tree's block streams, so a block's results
are reproducible, and agree in distribution (not digit for digit) with the
per-replicate loop of :mod:`modelcollapse.core.chain`.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from modelcollapse.core import compiled
from modelcollapse.core.batched import POLICIES, BatchedFamily, run_family
from modelcollapse.core.linalg import cholesky_solve
from modelcollapse.core.rng import SeedTree
from modelcollapse.families.regression.metrics import Coefficients, MSEToTruth
from modelcollapse.families.regression.model import (
    PolynomialRegression,
    to_unit_interval,
    unit_to_monomial_matrix,
    unit_vandermonde,
)
from modelcollapse.families.regression.world import RegressionWorld

__all__ = ["PolynomialFamily", "compiled_pass", "run_block", "sufficient_statistics",
           "supports"]

_METRICS = (MSEToTruth, Coefficients)


def supports(chain) -> bool:
    """Whether this kernel can run ``chain`` (else the generic loop runs it)."""
    return (
        type(chain.world) is RegressionWorld
        and type(chain.model) is PolynomialRegression
        and type(chain.policy) in POLICIES
        and all(type(m) in _METRICS for m in chain.metrics)
    )


def sufficient_statistics(u: np.ndarray, y: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Normal matrix and moment vector of a polynomial least-squares fit.

    Parameters
    ----------
    u : ndarray of shape (n, R)
        Inputs on the unit interval, one column per replicate.
    y : ndarray of shape (n, R)
    p : int
        Number of coefficients.

    Returns
    -------
    gram : ndarray of shape (p, p, R)
        Σ uⁱ⁺ʲ, the Hankel matrix of power sums.
    moments : ndarray of shape (p, R)
        Σ uᵏ y.
    """
    n, R = u.shape
    power_sums = np.empty((2 * p - 1, R))
    moments = np.empty((p, R))
    power_sums[0] = n
    moments[0] = y.sum(axis=0)
    power = u
    for k in range(1, 2 * p - 1):
        power_sums[k] = power.sum(axis=0)
        if k < p:
            moments[k] = np.einsum("nr,nr->r", power, y)
        if k == 1:
            power = u * u          # a new array once (no copy of u), then updated in place
        elif k < 2 * p - 2:
            power *= u
    return _gram(power_sums), moments


def _gram(power_sums: np.ndarray) -> np.ndarray:
    """The Hankel matrix Σ uⁱ⁺ʲ, (p, p, R), of the power sums Σuᵏ, (2p − 1, R)."""
    p = (len(power_sums) + 1) // 2
    return power_sums[np.add.outer(np.arange(p), np.arange(p))]


def _compiled_statistics(passes, uniforms, normals, scale, shift, sigma, p):
    """:func:`sufficient_statistics` of the inputs and noise, from the raw draws in one pass."""
    power_sums, moments = np.empty((2 * p - 1, uniforms.shape[1])), np.empty((p,
                                                                              uniforms.shape[1]))
    passes.noise_statistics(uniforms, normals, scale, shift, sigma, p, power_sums, moments)
    return _gram(power_sums), moments


@functools.cache
def compiled_pass():
    """Numba's statistics pass (``numba_passes``), where it gives this machine's numpy sums.

    The pass adds each product after rounding it; numpy's ``einsum`` may fuse the
    multiply and the add on some machines (aarch64's NEON kernels do). So the pass
    is checked once, on a small draw, against :func:`sufficient_statistics`, and
    used only if every sum is equal bit for bit; else (or without numba) None,
    and the numpy path runs.
    """
    passes = compiled.load("modelcollapse.families.regression.numba_passes")
    if passes is None:
        return None
    rng = np.random.default_rng(0)
    uniforms, normals = rng.random((30, 16)), rng.standard_normal((30, 16))
    p = passes.MAX_COEFFICIENTS
    ours = _compiled_statistics(passes, uniforms, normals, 2.0, -1.0, 0.1, p)
    theirs = sufficient_statistics(uniforms * 2.0 - 1.0, normals * 0.1, p)
    same = all(np.array_equal(a, b) for a, b in zip(ours, theirs, strict=True))
    return passes if same else None


class PolynomialFamily(BatchedFamily):
    """Least-squares polynomials of the chain's degree; the state is (p, R) coefficients in u.

    Synthetic items enter the fit only through their sufficient statistics:
    labels ``Φc + σε`` give moments ``A c + σ Φᵀε`` with ``A = ΦᵀΦ``, so the
    previous model is never evaluated item by item unless a policy keeps items.
    """

    def __init__(self, chain, n_replicates: int):
        super().__init__(chain, n_replicates)
        world, model = chain.world, chain.model
        self.world = world
        self.p = model.degree + 1
        self.domain = model.domain
        self.noise = chain.model_noise
        # One affine map from a uniform draw on [0, 1) straight to the unit interval.
        low, high = world.domain
        dlow, dhigh = self.domain
        self.scale = 2.0 * (high - low) / (dhigh - dlow)
        self.shift = (2.0 * low - dlow - dhigh) / (dhigh - dlow)
        # MSE on the grid as a quadratic form around the grid's own least-squares
        # projection of the truth: no cancellation, and no (R, n_grid) array.
        grid_design = unit_vandermonde(to_unit_interval(world.grid, self.domain), self.p - 1)
        truth = world.true_function(world.grid)
        self.projection = np.linalg.lstsq(grid_design, truth, rcond=None)[0][:, np.newaxis]
        self.residual = float(np.mean((grid_design @ self.projection[:, 0] - truth) ** 2))
        self.grid_gram = grid_design.T @ grid_design / len(truth)
        self.to_monomial = unit_to_monomial_matrix(self.p, *self.domain)
        # numba's pass where the fast extra is installed (up to a cubic): the same
        # statistics, bit for bit. numpy sums a one-replicate chunk pairwise instead of
        # row by row, so such a chunk keeps the numpy path.
        passes = compiled_pass()
        self.compiled = (passes if passes and self.p <= passes.MAX_COEFFICIENTS
                         and n_replicates > 1 else None)

    def real(self, n, rng):  # noqa: D102
        low, high = self.world.domain
        x = low + (high - low) * rng.random((n, self.R))
        y = self.world.true_function(x) + self.world.noise * rng.standard_normal((n, self.R))
        return to_unit_interval(x, self.domain), y

    def _inputs(self, n, rng):
        u = rng.random((n, self.R))
        u *= self.scale
        u += self.shift
        return u

    def _noise(self, n, rng):
        noise = rng.standard_normal((n, self.R))
        noise *= self.noise
        return noise

    def synthetic(self, state, n, inputs, sample):  # noqa: D102
        u = self._inputs(n, inputs)
        y = np.polynomial.polynomial.polyval(u, state, tensor=False)
        y += self._noise(n, sample)
        return u, y

    def synthetic_statistics(self, state, n, inputs, sample):  # noqa: D102
        if self.compiled is not None:       # one pass over the raw draws; the same sums
            gram, noise_moments = _compiled_statistics(
                self.compiled, inputs.random((n, self.R)), sample.standard_normal((n, self.R)),
                self.scale, self.shift, self.noise, self.p)
        else:
            u = self._inputs(n, inputs)
            gram, noise_moments = sufficient_statistics(u, self._noise(n, sample), self.p)
        return gram, np.einsum("ijr,jr->ir", gram, state) + noise_moments

    def statistics(self, items):  # noqa: D102
        return sufficient_statistics(*items, self.p)

    def fit(self, stats):  # noqa: D102
        return cholesky_solve(*stats)

    def forget(self, state, dead):  # noqa: D102
        state[:, dead] = np.nan
        return state

    def measure(self, state, out):  # noqa: D102
        column = 0
        for metric in self.chain.metrics:
            if isinstance(metric, MSEToTruth):
                delta = state - self.projection
                out[:, column] = (np.einsum("ir,ij,jr->r", delta, self.grid_gram, delta)
                                  + self.residual)
                column += 1
            else:  # Coefficients
                out[:, column:column + self.p] = (self.to_monomial @ state).T
                column += self.p


def run_block(chain, tree: SeedTree, first_replicate: int, n_replicates: int) -> pd.DataFrame:
    """Run a block of replicates of a polynomial chain (``core.batched.run_family``)."""
    return run_family(PolynomialFamily, chain, tree, first_replicate, n_replicates)
