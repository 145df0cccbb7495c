"""One-parameter exponential-family chains, all replicates at once.

Items are the raw draws y and whether each is real, both shape (n, R); the
statistics are the sums of each item's statistic (y, or y² for a Gaussian
variance) and the counts, real and model-written apart (for the weighted mix),
so every policy of :mod:`modelcollapse.core.batched` applies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from modelcollapse.core.batched import POLICIES, BatchedFamily, run_family
from modelcollapse.core.rng import SeedTree
from modelcollapse.families.exponential.metrics import ParameterRisk
from modelcollapse.families.exponential.model import ExponentialFamilyModel
from modelcollapse.families.exponential.world import ExponentialFamilyWorld

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
        self.real_weight = chain.model.real_weight

    def _draw(self, theta, n: int, rng: np.random.Generator) -> np.ndarray:
        shape = (n, self.R)
        if self.family == "gaussian-mean":
            return theta + rng.standard_normal(shape)
        if self.family == "gaussian-variance":
            return np.sqrt(theta) * rng.standard_normal(shape)
        if self.family == "poisson":
            return rng.poisson(np.broadcast_to(theta, shape)).astype(float)
        return (rng.random(shape) < theta).astype(float)

    def real(self, n, rng):  # noqa: D102
        return self._draw(self.theta, n, rng), np.ones((n, self.R), dtype=bool)

    def synthetic(self, state, n, inputs, sample):  # noqa: D102
        return self._draw(state, n, sample), np.zeros((n, self.R), dtype=bool)

    def statistics(self, items):  # noqa: D102
        y, real = items
        values = y**2 if self.family == "gaussian-variance" else y
        return (np.where(real, values, 0.0).sum(axis=0), real.sum(axis=0).astype(float),
                np.where(real, 0.0, values).sum(axis=0), (~real).sum(axis=0).astype(float))

    def fit(self, stats):  # noqa: D102
        real_sum, n_real, synthetic_sum, n_synthetic = stats
        pooled = (real_sum + synthetic_sum) / (n_real + n_synthetic)
        if self.real_weight is None:
            return pooled, np.zeros(self.R, dtype=bool)
        both = (n_real > 0) & (n_synthetic > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            weighted = (self.real_weight * real_sum / n_real
                        + (1 - self.real_weight) * synthetic_sum / n_synthetic)
        return np.where(both, weighted, pooled), np.zeros(self.R, dtype=bool)

    def forget(self, state, dead):  # noqa: D102
        return np.where(dead, np.nan, state)

    def measure(self, state, out):  # noqa: D102
        out[:, 0] = (state - self.theta) ** 2


def run_block(chain, tree: SeedTree, first_replicate: int, n_replicates: int) -> pd.DataFrame:
    """Run a block of replicates of an exponential-family chain."""
    return run_family(ExponentialFamily, chain, tree, first_replicate, n_replicates)
