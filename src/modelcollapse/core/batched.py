"""The batched policy engine: any family with additive sufficient statistics.

A family describes its maths over a trailing replicate axis (every array is
``(..., R)``): how the world draws real items, how a fitted state writes
synthetic items, the additive sufficient statistics of a set of items, the
fit from those statistics, and its metrics. The engine supplies the rest —
every data policy, the seed tree's block streams, chunking, degenerate
replicates and tidy rows — so a family written once gets replace,
accumulate, accumulate-subsample, fresh real data, keep-original and the
web-scrape schedule for free.

Items are tuples of arrays with the item axis first: ``(n, ..., R)``.
Statistics are tuples of arrays that :meth:`BatchedFamily.combine` merges over
disjoint item sets (plain sums unless a family needs a stabler merge).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
import pyarrow as pa

from modelcollapse.core.results import wide_from_arrays
from modelcollapse.core.rng import Role, SeedTree
from modelcollapse.policies.training_sets import (
    Accumulate,
    AccumulateSubsample,
    FreshReal,
    KeepOriginal,
    Replace,
    WebScrape,
)

__all__ = ["CHUNK", "POLICIES", "BatchedFamily", "choose_without_replacement", "run_family"]

CHUNK = 4096
"""Replicates processed together: small enough that a generation's arrays stay in cache."""

POLICIES = (Replace, Accumulate, AccumulateSubsample, FreshReal, KeepOriginal, WebScrape)
"""The policies the kernels run: their recipes are what the engine reads. Others (the
staleness policies, which keep or re-use generation 1's model) run on the loop."""

Items = tuple[np.ndarray, ...]
Stats = tuple[np.ndarray, ...]


class BatchedFamily(ABC):
    """One family's maths for ``R`` replicates at once.

    Parameters
    ----------
    chain : Chain
        The chain being run (world, model, metrics, sizes).
    n_replicates : int
        Replicates in this chunk, ``R``.
    """

    def __init__(self, chain, n_replicates: int):
        self.chain = chain
        self.R = n_replicates

    @abstractmethod
    def real(self, n: int, rng: np.random.Generator) -> Items:
        """``n`` real items per replicate, drawn as the world draws them."""

    @abstractmethod
    def synthetic(self, state, n: int, inputs: np.random.Generator,
                  sample: np.random.Generator) -> Items:
        """``n`` items per replicate written by the fitted ``state``."""

    @abstractmethod
    def statistics(self, items: Items) -> Stats:
        """Additive sufficient statistics of ``items``."""

    def synthetic_statistics(self, state, n: int, inputs: np.random.Generator,
                             sample: np.random.Generator) -> Stats:
        """Statistics of ``n`` synthetic items; families may skip materialising them."""
        return self.statistics(self.synthetic(state, n, inputs, sample))

    def combine(self, a: Stats, b: Stats) -> Stats:
        """Statistics of the union of two disjoint item sets (plain sums by default)."""
        return tuple(x + y for x, y in zip(a, b, strict=True))

    @abstractmethod
    def fit(self, stats: Stats):
        """Return ``(state, singular)``: the fitted state and a bool (R,) of failed fits."""

    @abstractmethod
    def forget(self, state, dead: np.ndarray):
        """Return ``state`` with the replicates marked ``dead`` set to NaN."""

    @abstractmethod
    def measure(self, state, out: np.ndarray) -> None:
        """Write the chain's metrics, in ``chain.metric_names()`` order, into ``out`` (R, K)."""


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


def _take(items: Items, pick: np.ndarray) -> Items:
    """The items at ``pick`` (k, R), replicate by replicate."""
    return tuple(np.take_along_axis(a, pick.reshape(pick.shape[:1] + (1,) * (a.ndim - 2)
                                                    + pick.shape[1:]), axis=0) for a in items)


class _PolicyBlock:
    """Builds each generation's training statistics for one chunk, policy by policy."""

    def __init__(self, family: BatchedFamily, chain, tree: SeedTree, first: int):
        self.family = family
        self.chain = chain
        self.tree = tree
        self.first = first
        self.original: Items | None = None
        self.running: Stats | None = None
        self.pool: Items | None = None
        self.pool_size = 0

    def stream(self, generation: int, role: Role) -> np.random.Generator:
        return self.tree.block_stream(self.first, self.family.R, generation, role)

    def _synthetic_streams(self, generation: int):
        return self.stream(generation, Role.INPUTS), self.stream(generation, Role.SAMPLE)

    def _add_to_pool(self, items: Items) -> None:
        if self.pool is None:
            capacity = self.chain.n_samples * self.chain.n_generations
            self.pool = tuple(np.empty((capacity, *a.shape[1:]), dtype=a.dtype) for a in items)
        n = len(items[0])
        for store, a in zip(self.pool, items, strict=True):
            store[self.pool_size:self.pool_size + n] = a
        self.pool_size += n

    def training_statistics(self, generation: int, state) -> Stats:
        """Sufficient statistics of generation ``generation``'s training set.

        Read from the policy's :class:`~modelcollapse.policies.Recipe`, as the
        loop's :meth:`~modelcollapse.policies.Policy.build` reads it.
        """
        family, policy, N = self.family, self.chain.policy, self.chain.n_samples
        if generation == 1:
            self.original = family.real(N, self.stream(generation, Role.REAL))
            later = policy.recipe(N)
            if later.pool == "everything" and later.pool_draw is not None:  # drawn from later
                self._add_to_pool(self.original)
            self.running = family.statistics(self.original)
            return self.running
        recipe = policy.recipe(N, generation)
        if recipe.pool_draw is not None:
            # A draw from the pool: it holds every item (or only what models published),
            # so this generation's written items are kept as items, not statistics.
            self._add_to_pool(family.synthetic(state, recipe.new_synthetic,
                                               *self._synthetic_streams(generation)))
            items = []
            if recipe.fresh_real:
                items.append(family.real(recipe.fresh_real, self.stream(generation, Role.REAL)))
            size = min(recipe.pool_draw, self.pool_size)
            pick = choose_without_replacement(self.stream(generation, Role.POLICY),
                                              self.pool_size, size, family.R)
            pool = tuple(a[:self.pool_size] for a in self.pool)
            return self._statistics_of(*items, _take(pool, pick))
        parts = []
        if recipe.new_synthetic:
            parts.append(family.synthetic_statistics(state, recipe.new_synthetic,
                                                     *self._synthetic_streams(generation)))
        if recipe.pool == "everything":  # all of it: running sums, no items kept
            self.running = family.combine(self.running, parts[0])
            return self.running
        if recipe.fresh_real:
            parts.append(family.statistics(family.real(recipe.fresh_real,
                                                       self.stream(generation, Role.REAL))))
        if recipe.kept_original:  # k of generation 1's items, without replacement
            keys = self.stream(generation, Role.POLICY).random((N, family.R))
            parts.append(family.statistics(_take(self.original,
                                                 np.argsort(keys, axis=0)[:recipe.kept_original])))
        return self._combine(parts)

    def _statistics_of(self, *parts: Items) -> Stats:
        """Combined statistics of the non-empty item sets among ``parts``."""
        return self._combine([self.family.statistics(items) for items in parts
                              if len(items[0])])

    def _combine(self, stats: list[Stats]) -> Stats:
        total = stats[0]
        for more in stats[1:]:
            total = self.family.combine(total, more)
        return total


def run_family(family_type: type[BatchedFamily], chain, tree: SeedTree, first_replicate: int,
               n_replicates: int) -> pa.Table:
    """Run replicates ``first_replicate … first_replicate + n_replicates - 1`` of ``chain``.

    The block is processed in chunks of :data:`CHUNK` replicates, each drawing
    from its own block stream, so results depend on the block's first
    replicate and size, never on the machine or the backend.

    Returns
    -------
    pyarrow.Table
        The wide table of the block (see :mod:`modelcollapse.core.results`).
    """
    G, R = chain.n_generations, n_replicates
    names = chain.metric_names()
    # Metric by metric, each a (replicate, generation) slab: the wide table's columns, uncopied.
    values = np.empty((len(names), R, G))
    degenerate = np.zeros((R, G), dtype=bool)
    chunk = getattr(family_type, "chunk", CHUNK)   # families with wide states chunk finer
    for start in range(0, R, chunk):
        size = min(chunk, R - start)
        family = family_type(chain, size)
        block = _PolicyBlock(family, chain, tree, first_replicate + start)
        dead = np.zeros(size, dtype=bool)
        state = None
        for g in range(1, G + 1):
            state, singular = family.fit(block.training_statistics(g, state))
            dead |= singular
            state = family.forget(state, dead)
            degenerate[start:start + size, g - 1] = dead
            family.measure(state, values[:, start:start + size, g - 1].T)
    replicates = np.arange(first_replicate, first_replicate + R)
    return wide_from_arrays(values, names, replicates, degenerate)
