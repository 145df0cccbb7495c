"""Categorical refit chains, all replicates at once (policies from :mod:`.engine`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from modelcollapse.kernels.engine import POLICIES, BatchedFamily, run_family
from modelcollapse.metrics.discrete import CategoricalMetric, categorical_metrics
from modelcollapse.models.categorical import (
    CategoricalModel,
    counts,
    decoding_distribution,
    sample_indices,
)
from modelcollapse.rng import SeedTree
from modelcollapse.worlds.discrete import CategoricalWorld

__all__ = ["CategoricalFamily", "run_block", "supports"]


def supports(chain) -> bool:
    """Whether this kernel can run ``chain``."""
    return (type(chain.world) is CategoricalWorld and type(chain.model) is CategoricalModel
            and type(chain.policy) in POLICIES
            and all(type(m) is CategoricalMetric for m in chain.metrics))


class CategoricalFamily(BatchedFamily):
    """Counting refits; the state is the (V, R) matrix of fitted probabilities."""

    def __init__(self, chain, n_replicates: int):
        super().__init__(chain, n_replicates)
        self.truth = chain.world.probabilities
        self.V = len(self.truth)
        self.model = chain.model
        self.names = chain.metric_names()

    def real(self, n, rng):  # noqa: D102
        truth = np.broadcast_to(self.truth[:, np.newaxis], (self.V, self.R))
        return (sample_indices(rng, truth, n),)

    def _decoding(self, state):
        alive = np.isfinite(state).all(axis=0)
        usable = np.where(alive, state, 1.0 / self.V)   # dead replicates draw, then stay dead
        return decoding_distribution(usable, self.model.temperature, self.model.top_k,
                                     self.model.top_p)

    def synthetic(self, state, n, inputs, sample):  # noqa: D102
        return (sample_indices(sample, self._decoding(state), n),)

    def synthetic_statistics(self, state, n, inputs, sample):  # noqa: D102
        # Counts straight from the multinomial: ten times faster than drawing items.
        return (sample.multinomial(n, self._decoding(state).T).T.astype(float),)

    def statistics(self, items):  # noqa: D102
        return (counts(items[0], self.V),)

    def fit(self, stats):  # noqa: D102
        (tally,) = stats
        total = tally.sum(axis=0)
        return tally / total, ~(total > 0)

    def forget(self, state, dead):  # noqa: D102
        state[:, dead] = np.nan
        return state

    def measure(self, state, out):  # noqa: D102
        values = categorical_metrics(state, self.truth, self.names)
        for column, name in enumerate(self.names):
            out[:, column] = values[name]


def run_block(chain, tree: SeedTree, first_replicate: int, n_replicates: int) -> pd.DataFrame:
    """Run a block of replicates of a categorical chain (see :func:`.engine.run_family`)."""
    return run_family(CategoricalFamily, chain, tree, first_replicate, n_replicates)
