"""Package-name chains, all replicates at once, with the squatter and the defences.

A model's state is its training set of names, ``(m, R)``; the policy engine
(:mod:`modelcollapse.core.batched`) builds it for every policy, because a
set of names is its own sufficient statistic (statistics concatenate). Each
generation the kernel fits, lets the squatter act, measures, and keeps the
published distribution the next generation's writes are drawn from:

1. W, the write distribution of every replicate's model (:mod:`.writing`);
2. the squatter, at his generations, registers the ``squatter_names``
   invented names with the most mass in W (he probes the model as attackers
   probe public assistants) that he has not registered yet;
3. the defences' acceptance A, given what is registered now, and the
   published distribution P ∝ W·A;
4. the metrics, then the next training set's writes drawn from P.

This works over the whole universe, (R, V) arrays. Chains with no squatter
and no defence, where P is W, run instead on
:class:`~.sparse.PlainPackageFamily`, whose cost follows the names written.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from modelcollapse.core.batched import POLICIES, BatchedFamily, run_family
from modelcollapse.core.rng import SeedTree
from modelcollapse.families.code.packages.defences import RegistryCheck, acceptance
from modelcollapse.families.code.packages.metrics import (
    Generation,
    PackageNameMetric,
    package_metrics,
    top_names,
)
from modelcollapse.families.code.packages.model import PackageWriter
from modelcollapse.families.code.packages.sparse import PlainPackageFamily
from modelcollapse.families.code.packages.world import PackageNameWorld
from modelcollapse.families.code.packages.writing import draw_names, name_counts
from modelcollapse.policies.training_sets import Accumulate, AccumulateSubsample

__all__ = ["KEEPS_ARTIFACTS", "RUNS_FILTERS", "loop_refusal", "run_block", "supports"]

RUNS_FILTERS = True
"""The defences are this family's filters; the kernel applies them itself."""

KEEPS_ARTIFACTS = True
"""Replicate 0's most published invented names are kept each generation."""

CHUNK = 256
"""Replicates per chunk: each (R, V) array of a 9,000-name universe stays near 20 MB."""


def supports(chain) -> bool:
    """Whether this kernel can run ``chain`` (every package-name chain with an engine policy)."""
    return (type(chain.world) is PackageNameWorld and type(chain.model) is PackageWriter
            and type(chain.policy) in POLICIES
            and all(type(m) is PackageNameMetric for m in chain.metrics))


def loop_refusal(chain) -> str | None:
    """Why the per-replicate loop cannot run ``chain``, or None if it can.

    The squatter's registrations and the defences' resampling live in the
    kernel; the loop runs plain package-name chains (used to check the kernel).
    """
    if chain.filters or chain.world.squatter_names:
        return ("package-name chains with a squatter or defences run only on the batched "
                "kernel; use engine 'auto'")
    return None


def contamination(policy, generation: int, n_samples: int) -> float:
    """Expected model-written share of generation ``generation``'s training set."""
    if generation == 1:
        return 0.0
    if isinstance(policy, Accumulate | AccumulateSubsample):
        return (generation - 1) / generation
    return 1.0 - policy.n_real_items(n_samples, generation) / n_samples


class PackageFamily(BatchedFamily):
    """Training sets of names as state; W, the squatter, acceptance and metrics each generation."""

    chunk = CHUNK

    def __init__(self, chain, n_replicates: int, artifacts=None):
        super().__init__(chain, n_replicates)
        world = chain.world
        self.universe = world.universe
        self.n_real = self.universe.n_real
        self.writer = chain.model.writer
        self.truth = np.broadcast_to(world.probabilities, (self.R, len(self.universe)))
        self.names = [n for m in chain.metrics for n in m.names(chain.model)]
        n_invented = len(self.universe) - self.n_real
        self.squatted = (np.zeros((self.R, n_invented), dtype=bool)
                         if world.squatter_names else None)
        self.first_seen = np.zeros((self.R, n_invented), dtype=np.int32)
        self.defences = [(curation, acceptance(curation, self.universe, chain.n_samples),
                          isinstance(curation, RegistryCheck) and curation.registry == "live")
                         for curation in chain.filters]
        self.generation = 0
        self.published = None
        self.artifacts = artifacts

    def real(self, n, rng):
        return (draw_names(rng, self.truth, n),)

    def synthetic(self, state, n, inputs, sample):
        accepted, alive = self.published
        usable = np.where(alive[:, np.newaxis], accepted, self.truth)   # dead ones stay dead
        return (np.where(alive, draw_names(sample, usable, n), -1),)

    def statistics(self, items):
        return (items[0],)

    def combine(self, a, b):
        return (np.concatenate([a[0], b[0]]),)

    def fit(self, stats):
        (items,) = stats
        self.generation += 1
        return items, ~(items >= 0).any(axis=0)

    def forget(self, state, dead):
        state[:, dead] = -1
        return state

    def _squat(self, mass: np.ndarray) -> None:
        """The squatter registers the invented names the models write most."""
        world = self.chain.world
        if self.squatted is None or self.generation % world.squatter_every:
            return
        candidates = np.where(self.squatted, 0.0, mass[:, self.n_real:])
        m = min(world.squatter_names, candidates.shape[1])
        best = np.argpartition(-candidates, m - 1, axis=1)[:, :m]
        chosen = np.take_along_axis(candidates, best, axis=1) > 0
        rows = np.broadcast_to(np.arange(self.R)[:, np.newaxis], best.shape)
        self.squatted[rows[chosen], best[chosen]] = True

    def _defend(self, mass: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """W·A and each defence's figures (what share of the writes it rejects)."""
        figures: dict[str, np.ndarray] = {}
        if not self.defences:
            return mass, figures
        overall = np.ones_like(mass)
        n_writes = self.chain.n_samples
        for curation, chance, live in self.defences:
            accepts = np.broadcast_to(chance, mass.shape).copy()
            if live and self.squatted is not None:   # what he registered now exists
                accepts[:, self.n_real:] = self.squatted
            rejected = (mass * (1.0 - accepts)).sum(axis=1)
            if isinstance(curation, RegistryCheck):
                figures["registry_check_rejected"] = rejected
            else:   # human review: reads budget writes, drops what it judges invented
                figures["review_reviewed"] = np.full(self.R, float(min(curation.budget,
                                                                       n_writes)))
                figures["review_dropped"] = rejected * n_writes
            overall *= accepts
        return mass * overall, figures

    def measure(self, state, out):
        counts = name_counts(state, len(self.universe))
        mass = self.writer.write_mass(state, counts)
        fresh = (counts[:, self.n_real:] > 0) & (self.first_seen == 0)
        self.first_seen[fresh] = self.generation
        self._squat(mass)
        accepted, figures = self._defend(mass)
        share = accepted.sum(axis=1)
        values = package_metrics(self.names, self.universe, Generation(
            counts, mass, accepted, share, self.squatted, self.first_seen, self.generation))
        self.published = (accepted, share > 0)
        if self.chain.filters:
            figures["contamination"] = np.full(self.R, contamination(
                self.chain.policy, self.generation, self.chain.n_samples))
        values |= figures
        for column, name in enumerate(self.chain.metric_names()):
            out[:, column] = np.where(share > 0, values[name], np.nan)
        if self.artifacts is not None:
            sink = self.artifacts.sink(0, self.generation)
            if sink is not None:
                squatted = (np.zeros(len(self.universe) - self.n_real, dtype=bool)
                            if self.squatted is None else self.squatted[0])
                sink.json("top_invented_names", top_names(
                    self.universe, accepted[0] / max(share[0], 1e-300), squatted))


def run_block(chain, tree: SeedTree, first_replicate: int, n_replicates: int,
              artifacts=None) -> pd.DataFrame:
    """Run a block of replicates of a package-name chain (``core.batched.run_family``).

    A chain with no squatter and no defence runs on
    :class:`~.sparse.PlainPackageFamily`, whose cost follows the names written;
    the others on :class:`PackageFamily`, over the whole universe.
    ``artifacts`` keeps replicate 0's most published invented names each generation.
    """
    plain = not chain.filters and not chain.world.squatter_names
    kind = PlainPackageFamily if plain else PackageFamily
    kept = [artifacts if first_replicate == 0 else None]

    def family(chain, size):
        return kind(chain, size, kept.pop() if kept else None)   # first chunk only

    family.chunk = kind.chunk
    return run_family(family, chain, tree, first_replicate, n_replicates)
