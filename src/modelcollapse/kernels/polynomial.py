"""Polynomial regression chains, all replicates at once.

Arrays carry the replicate axis last, shape ``(n_items, R)``, so every step is
a handful of whole-array numpy operations with no Python loop over replicates.
Least squares goes through sufficient statistics: for monomials of the
unit-interval variable u the normal matrix is the Hankel matrix of power sums
Σuᵏ, and a small Cholesky factorisation is written out over the replicate
axis (numpy's stacked LAPACK calls cost microseconds per tiny matrix).
Accumulating all data is then a running sum of those statistics, exactly the
fit on the concatenated data.

Random numbers come from the seed tree's block streams, so a block's results
are reproducible, and agree in distribution (not digit for digit) with the
per-replicate loop of :mod:`modelcollapse.chain`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from modelcollapse.metrics import Coefficients, MSEToTruth
from modelcollapse.models.regression import (
    SINGULAR_RTOL,
    PolynomialRegression,
    to_unit_interval,
    unit_to_monomial_matrix,
    unit_vandermonde,
)
from modelcollapse.policies import (
    Accumulate,
    AccumulateSubsample,
    FreshReal,
    KeepOriginal,
    Replace,
)
from modelcollapse.results import frame_from_arrays
from modelcollapse.rng import Role, SeedTree
from modelcollapse.worlds import RegressionWorld

__all__ = ["cholesky_solve", "choose_without_replacement", "run_block", "supports"]

_POLICIES = (Replace, Accumulate, AccumulateSubsample, FreshReal, KeepOriginal)
_METRICS = (MSEToTruth, Coefficients)


def supports(chain) -> bool:
    """Whether this kernel can run ``chain`` (else the generic loop runs it)."""
    return (
        type(chain.world) is RegressionWorld
        and type(chain.model) is PolynomialRegression
        and type(chain.policy) in _POLICIES
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
    power = u.copy()
    for k in range(1, 2 * p - 1):
        power_sums[k] = power.sum(axis=0)
        if k < p:
            moments[k] = np.einsum("nr,nr->r", power, y)
        if k < 2 * p - 2:
            power *= u
    hankel = np.add.outer(np.arange(p), np.arange(p))
    return power_sums[hankel], moments


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


def choose_without_replacement(rng: np.random.Generator, n_items: int, size: int,
                               n_replicates: int) -> np.ndarray:
    """Pick ``size`` distinct indices below ``n_items`` for every replicate.

    Draws with replacement and redraws collisions until none remain; the
    process treats every item alike, so each subset is equally likely. Cost
    grows with ``size``, not with ``n_items``.

    Returns
    -------
    ndarray of int of shape (size, n_replicates)
    """
    if size > n_items:
        raise ValueError(f"cannot choose {size} distinct items out of {n_items}")
    index = rng.integers(n_items, size=(n_replicates, size))
    while True:
        index.sort(axis=1)
        repeated = np.zeros_like(index, dtype=bool)
        repeated[:, 1:] = index[:, 1:] == index[:, :-1]
        n_repeated = int(repeated.sum())
        if n_repeated == 0:
            return index.T
        index[repeated] = rng.integers(n_items, size=n_repeated)


CHUNK = 4096
"""Replicates processed together: small enough that a generation's arrays stay in cache."""


class _Block:
    """State of one chunk of replicates while the chain runs.

    Synthetic items enter the fit only through their sufficient statistics:
    labels ``Φc + σε`` give moments ``A c + σ Φᵀε`` with ``A = ΦᵀΦ``, so the
    previous model is never evaluated item by item. Labels are materialised
    only where a policy keeps items in a pool (accumulate-subsample).
    """

    def __init__(self, chain, tree: SeedTree, first_replicate: int, n_replicates: int):
        self.chain = chain
        self.world = chain.world
        self.tree = tree
        self.first = first_replicate
        self.R = n_replicates
        self.p = chain.model.degree + 1
        self.domain = chain.model.domain
        self.noise = chain.model_noise
        # One affine map from a uniform draw on [0, 1) straight to the unit interval.
        low, high = self.world.domain
        dlow, dhigh = self.domain
        self.scale = 2.0 * (high - low) / (dhigh - dlow)
        self.shift = (2.0 * low - dlow - dhigh) / (dhigh - dlow)
        self.original: tuple[np.ndarray, np.ndarray] | None = None
        self.pool_u: np.ndarray | None = None
        self.pool_y: np.ndarray | None = None
        self.pool_size = 0
        self.running: tuple[np.ndarray, np.ndarray] | None = None

    def stream(self, generation: int, role: Role) -> np.random.Generator:
        return self.tree.block_stream(self.first, self.R, generation, role)

    def real(self, n: int, generation: int) -> tuple[np.ndarray, np.ndarray]:
        """Draw real items as the world does: inputs first, then noise."""
        rng = self.stream(generation, Role.REAL)
        low, high = self.world.domain
        x = low + (high - low) * rng.random((n, self.R))
        y = self.world.true_function(x) + self.world.noise * rng.standard_normal((n, self.R))
        return to_unit_interval(x, self.domain), y

    def synthetic_inputs(self, n: int, generation: int) -> np.ndarray:
        """Inputs the world draws for the previous models to label, on the unit interval."""
        u = self.stream(generation, Role.INPUTS).random((n, self.R))
        u *= self.scale
        u += self.shift
        return u

    def synthetic_noise(self, n: int, generation: int) -> np.ndarray:
        """The previous models' label noise, σε."""
        noise = self.stream(generation, Role.SAMPLE).standard_normal((n, self.R))
        noise *= self.noise
        return noise

    def synthetic_statistics(self, n: int, generation: int, coef: np.ndarray):
        """Sufficient statistics of ``n`` items labelled by the models ``coef`` (p, R)."""
        u = self.synthetic_inputs(n, generation)
        gram, noise_moments = sufficient_statistics(u, self.synthetic_noise(n, generation),
                                                    self.p)
        return gram, np.einsum("ijr,jr->ir", gram, coef) + noise_moments

    def synthetic_items(self, n: int, generation: int, coef: np.ndarray):
        """Items labelled by the models ``coef``, for policies that keep them."""
        u = self.synthetic_inputs(n, generation)
        y = np.polynomial.polynomial.polyval(u, coef, tensor=False)
        y += self.synthetic_noise(n, generation)
        return u, y

    def add_to_pool(self, u: np.ndarray, y: np.ndarray) -> None:
        if self.pool_u is None:
            capacity = self.chain.n_samples * self.chain.n_generations
            self.pool_u = np.empty((capacity, self.R))
            self.pool_y = np.empty((capacity, self.R))
        n = len(u)
        self.pool_u[self.pool_size:self.pool_size + n] = u
        self.pool_y[self.pool_size:self.pool_size + n] = y
        self.pool_size += n

    def training_statistics(self, generation: int, coef: np.ndarray):
        """Sufficient statistics of generation ``generation``'s training set."""
        policy, N, p = self.chain.policy, self.chain.n_samples, self.p
        if generation == 1:
            u, y = self.real(N, generation)
            self.original = (u, y)
            if isinstance(policy, AccumulateSubsample):
                self.add_to_pool(u, y)
            self.running = sufficient_statistics(u, y, p)
            return self.running
        n_synthetic = policy.n_new_synthetic(N)
        if isinstance(policy, AccumulateSubsample):
            self.add_to_pool(*self.synthetic_items(n_synthetic, generation, coef))
            size = min(policy.budget or N, self.pool_size)
            pick = choose_without_replacement(self.stream(generation, Role.POLICY),
                                              self.pool_size, size, self.R)
            return sufficient_statistics(np.take_along_axis(self.pool_u, pick, axis=0),
                                         np.take_along_axis(self.pool_y, pick, axis=0), p)
        gram, moments = self.synthetic_statistics(n_synthetic, generation, coef)
        if isinstance(policy, Replace):
            return gram, moments
        if isinstance(policy, Accumulate):
            self.running = (self.running[0] + gram, self.running[1] + moments)
            return self.running
        k = policy.n_real_items(N)
        if isinstance(policy, FreshReal):
            ur, yr = self.real(k, generation)
        else:  # KeepOriginal
            keys = self.stream(generation, Role.POLICY).random((N, self.R))
            pick = np.argsort(keys, axis=0)[:k]
            ur = np.take_along_axis(self.original[0], pick, axis=0)
            yr = np.take_along_axis(self.original[1], pick, axis=0)
        real_gram, real_moments = sufficient_statistics(ur, yr, p)
        return gram + real_gram, moments + real_moments


def run_block(chain, tree: SeedTree, first_replicate: int, n_replicates: int) -> pd.DataFrame:
    """Run replicates ``first_replicate … first_replicate + n_replicates - 1`` of ``chain``.

    The block is processed in chunks of :data:`CHUNK` replicates, each drawing
    from its own block stream, so results depend on the block's first
    replicate and size, never on the machine or the backend.

    Returns
    -------
    pandas.DataFrame
        Tidy rows (see :mod:`modelcollapse.results`).
    """
    G, R = chain.n_generations, n_replicates
    names = chain.metric_names()
    values = np.empty((G, R, len(names)))
    degenerate = np.zeros((G, R), dtype=bool)
    for start in range(0, R, CHUNK):
        size = min(CHUNK, R - start)
        block = _Block(chain, tree, first_replicate + start, size)
        _run_chunk(block, values[:, start:start + size], degenerate[:, start:start + size])
    replicates = np.arange(first_replicate, first_replicate + R)
    return frame_from_arrays(values, names, replicates, degenerate)


def _run_chunk(block: _Block, values: np.ndarray, degenerate: np.ndarray) -> None:
    """Run every generation of one chunk, writing into ``values`` and ``degenerate``."""
    chain, world, p = block.chain, block.world, block.p
    # MSE on the grid as a quadratic form around the grid's own least-squares
    # projection of the truth: no cancellation, and no (R, n_grid) array.
    grid_design = unit_vandermonde(to_unit_interval(world.grid, block.domain), p - 1)
    truth = world.true_function(world.grid)
    projection, *_ = np.linalg.lstsq(grid_design, truth, rcond=None)
    residual = float(np.mean((grid_design @ projection - truth) ** 2))
    grid_gram = grid_design.T @ grid_design / len(truth)
    to_monomial = unit_to_monomial_matrix(p, *block.domain)

    dead = np.zeros(block.R, dtype=bool)
    coef = np.zeros((p, block.R))
    for g in range(1, chain.n_generations + 1):
        gram, moments = block.training_statistics(g, coef)
        coef, singular = cholesky_solve(gram, moments)
        dead |= singular
        coef[:, dead] = np.nan
        degenerate[g - 1] = dead
        column = 0
        for metric in chain.metrics:
            if isinstance(metric, MSEToTruth):
                delta = coef - projection[:, np.newaxis]
                values[g - 1, :, column] = (
                    np.einsum("ir,ij,jr->r", delta, grid_gram, delta) + residual)
                column += 1
            else:  # Coefficients
                values[g - 1, :, column:column + p] = (to_monomial @ coef).T
                column += p
