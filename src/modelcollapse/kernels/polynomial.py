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
    monomial_coefficients,
    to_unit_interval,
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
    chol = np.zeros_like(gram)
    singular = ~np.isfinite(scale)
    for j in range(p):
        pivot = gram[j, j] - np.einsum("kr,kr->r", chol[j, :j], chol[j, :j])
        singular |= ~(pivot > tol)
        chol[j, j] = np.sqrt(np.where(singular, 1.0, pivot))
        for i in range(j + 1, p):
            dot = np.einsum("kr,kr->r", chol[i, :j], chol[j, :j])
            chol[i, j] = (gram[i, j] - dot) / chol[j, j]
    z = np.empty((p, R))
    for i in range(p):
        z[i] = (moments[i] - np.einsum("kr,kr->r", chol[i, :i], z[:i])) / chol[i, i]
    coef = np.empty((p, R))
    for i in reversed(range(p)):
        tail = np.einsum("kr,kr->r", chol[i + 1:, i], coef[i + 1:])
        coef[i] = (z[i] - tail) / chol[i, i]
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


def _label(coef: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Evaluate the polynomials ``coef`` (p, R) at ``u`` (n, R) by Horner's rule."""
    y = np.empty_like(u)
    y[:] = coef[-1]
    for c in coef[-2::-1]:
        y *= u
        y += c
    return y


class _Block:
    """State of one block of replicates while the chain runs."""

    def __init__(self, chain, tree: SeedTree, first_replicate: int, n_replicates: int):
        self.chain = chain
        self.world = chain.world
        self.tree = tree
        self.first = first_replicate
        self.R = n_replicates
        self.p = chain.model.degree + 1
        self.domain = chain.model.domain
        self.noise = chain.model_noise
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

    def synthetic(self, n: int, generation: int, coef: np.ndarray):
        """Inputs from the world, labelled by the previous models plus noise."""
        low, high = self.world.domain
        x = low + (high - low) * self.stream(generation, Role.INPUTS).random((n, self.R))
        u = to_unit_interval(x, self.domain)
        y = _label(coef, u)
        y += self.noise * self.stream(generation, Role.SAMPLE).standard_normal((n, self.R))
        return u, y

    def add_to_pool(self, u: np.ndarray, y: np.ndarray, capacity: int) -> None:
        if self.pool_u is None:
            self.pool_u = np.empty((capacity, self.R))
            self.pool_y = np.empty((capacity, self.R))
        n = len(u)
        self.pool_u[self.pool_size:self.pool_size + n] = u
        self.pool_y[self.pool_size:self.pool_size + n] = y
        self.pool_size += n

    def training_statistics(self, generation: int, coef: np.ndarray):
        """Sufficient statistics of generation ``generation``'s training set."""
        chain, policy, N, p = self.chain, self.chain.policy, self.chain.n_samples, self.p
        if generation == 1:
            u, y = self.real(N, generation)
            self.original = (u, y)
            if isinstance(policy, AccumulateSubsample):
                capacity = N * chain.n_generations
                self.add_to_pool(u, y, capacity)
            stats = sufficient_statistics(u, y, p)
            self.running = stats
            return stats
        u, y = self.synthetic(policy.n_new_synthetic(N), generation, coef)
        if isinstance(policy, Replace):
            return sufficient_statistics(u, y, p)
        if isinstance(policy, Accumulate):
            gram, moments = sufficient_statistics(u, y, p)
            self.running = (self.running[0] + gram, self.running[1] + moments)
            return self.running
        if isinstance(policy, AccumulateSubsample):
            self.add_to_pool(u, y, 0)
            size = min(policy.budget or N, self.pool_size)
            pick = choose_without_replacement(self.stream(generation, Role.POLICY),
                                              self.pool_size, size, self.R)
            return sufficient_statistics(np.take_along_axis(self.pool_u, pick, axis=0),
                                         np.take_along_axis(self.pool_y, pick, axis=0), p)
        k = policy.n_real_items(N)
        if isinstance(policy, FreshReal):
            ur, yr = self.real(k, generation)
        else:  # KeepOriginal
            keys = self.stream(generation, Role.POLICY).random((N, self.R))
            pick = np.argsort(keys, axis=0)[:k]
            ur = np.take_along_axis(self.original[0], pick, axis=0)
            yr = np.take_along_axis(self.original[1], pick, axis=0)
        return sufficient_statistics(np.concatenate([ur, u]), np.concatenate([yr, y]), p)


def run_block(chain, tree: SeedTree, first_replicate: int, n_replicates: int) -> pd.DataFrame:
    """Run replicates ``first_replicate … first_replicate + n_replicates - 1`` of ``chain``.

    Returns
    -------
    pandas.DataFrame
        Tidy rows (see :mod:`modelcollapse.results`).
    """
    block = _Block(chain, tree, first_replicate, n_replicates)
    p, G, R = block.p, chain.n_generations, n_replicates
    world = chain.world

    # MSE on the grid as a quadratic form around the grid's own least-squares
    # projection of the truth: no cancellation, and no (R, n_grid) array.
    grid_design = unit_vandermonde(to_unit_interval(world.grid, block.domain), p - 1)
    truth = world.true_function(world.grid)
    projection, *_ = np.linalg.lstsq(grid_design, truth, rcond=None)
    residual = float(np.mean((grid_design @ projection - truth) ** 2))
    grid_gram = grid_design.T @ grid_design / len(truth)

    names = chain.metric_names()
    values = np.empty((G, R, len(names)))
    degenerate = np.zeros((G, R), dtype=bool)
    dead = np.zeros(R, dtype=bool)
    coef = np.zeros((p, R))
    for g in range(1, G + 1):
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
                values[g - 1, :, column:column + p] = monomial_coefficients(coef.T, block.domain)
                column += p
    replicates = np.arange(first_replicate, first_replicate + R)
    return frame_from_arrays(values, names, replicates, degenerate)
