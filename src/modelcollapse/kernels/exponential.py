"""One-parameter exponential-family chains, all replicates at once.

Items are the raw draws y, shape (n, R); the statistics are the sum of each
item's statistic (y, or y² for a Gaussian variance) and the item count, so
every policy of :mod:`.engine` applies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from modelcollapse.kernels.engine import POLICIES, BatchedFamily, run_family
from modelcollapse.metrics.exponential import ParameterRisk
from modelcollapse.models.exponential import ExponentialFamilyModel
from modelcollapse.rng import SeedTree
from modelcollapse.worlds.exponential import ExponentialFamilyWorld

__all__ = ["ExponentialFamily", "run_block", "supports"]


def supports(chain) -> bool:
    """Whether this kernel can run ``chain``."""
    return (type(chain.world) is ExponentialFamilyWorld
            and type(chain.model) is ExponentialFamilyModel
            and type(chain.policy) in POLICIES
            and all(type(m) is ParameterRisk for m in chain.metrics))


class ExponentialFamily(BatchedFamily):
    """θ̂ per replicate, shape (R,)."""

    def __init__(self, chain, n_replicates: int):
        super().__init__(chain, n_replicates)
        self.family = chain.world.family
        self.theta = chain.world.theta

    def _draw(self, theta, n: int, rng: np.random.Generator) -> tuple[np.ndarray]:
        shape = (n, self.R)
        if self.family == "gaussian-mean":
            return (theta + rng.standard_normal(shape),)
        if self.family == "gaussian-variance":
            return (np.sqrt(theta) * rng.standard_normal(shape),)
        if self.family == "poisson":
            return (rng.poisson(np.broadcast_to(theta, shape)).astype(float),)
        return ((rng.random(shape) < theta).astype(float),)

    def real(self, n, rng):  # noqa: D102
        return self._draw(self.theta, n, rng)

    def synthetic(self, state, n, inputs, sample):  # noqa: D102
        return self._draw(state, n, sample)

    def statistics(self, items):  # noqa: D102
        (y,) = items
        values = y**2 if self.family == "gaussian-variance" else y
        return values.sum(axis=0), np.full(self.R, float(len(y)))

    def fit(self, stats):  # noqa: D102
        total, count = stats
        return total / count, np.zeros(self.R, dtype=bool)

    def forget(self, state, dead):  # noqa: D102
        return np.where(dead, np.nan, state)

    def measure(self, state, out):  # noqa: D102
        out[:, 0] = (state - self.theta) ** 2


def run_block(chain, tree: SeedTree, first_replicate: int, n_replicates: int) -> pd.DataFrame:
    """Run a block of replicates of an exponential-family chain."""
    return run_family(ExponentialFamily, chain, tree, first_replicate, n_replicates)
