"""Linear regression chains (fresh or fixed design, optional ridge), all replicates at once.

Statistics are the normal equations (XᵀX, Xᵀy); synthetic labels Xw + σε enter
as (XᵀX, XᵀX·w + σXᵀε) without being formed. Policies come from the engine,
:mod:`modelcollapse.core.batched`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from modelcollapse.core.batched import POLICIES, BatchedFamily, run_family
from modelcollapse.core.linalg import cholesky_solve
from modelcollapse.core.rng import SeedTree
from modelcollapse.families.linear.metrics import ExcessRisk
from modelcollapse.families.linear.model import LinearRegression
from modelcollapse.families.linear.world import LinearWorld

__all__ = ["LinearFamily", "run_block", "supports"]


def supports(chain) -> bool:
    """Whether this kernel can run ``chain``."""
    return (type(chain.world) is LinearWorld and type(chain.model) is LinearRegression
            and not chain.model.min_norm and type(chain.policy) in POLICIES
            and all(type(m) is ExcessRisk for m in chain.metrics))


class LinearFamily(BatchedFamily):
    """Least squares or ridge in d dimensions; the state is w, shape (d, R)."""

    def __init__(self, chain, n_replicates: int):
        super().__init__(chain, n_replicates)
        self.world = chain.world
        self.d = chain.world.dim
        self.ridge = chain.model.ridge
        self.noise = chain.model_noise
        self.truth = chain.world.weights[:, np.newaxis]
        self.design: np.ndarray | None = None   # generation 1's inputs, for a fixed design

    def _inputs(self, n: int, rng: np.random.Generator, *, tail: bool = False) -> np.ndarray:
        if self.design is None or not self.world.fixed_design:
            return rng.standard_normal((n, self.d, self.R))
        # Fixed design: synthetic items take the first rows, fresh real ones the last.
        return self.design[len(self.design) - n:] if tail else self.design[:n]

    def real(self, n, rng):  # noqa: D102
        X = self._inputs(n, rng, tail=True)
        if self.design is None:
            self.design = X
        y = np.einsum("nir,ir->nr", X, np.broadcast_to(self.truth, (self.d, self.R)))
        return X, y + self.world.noise * rng.standard_normal((n, self.R))

    def synthetic(self, state, n, inputs, sample):  # noqa: D102
        X = self._inputs(n, inputs)
        y = np.einsum("nir,ir->nr", X, state)
        return X, y + self.noise * sample.standard_normal((n, self.R))

    def synthetic_statistics(self, state, n, inputs, sample):  # noqa: D102
        X = self._inputs(n, inputs)
        gram = np.einsum("nir,njr->ijr", X, X)
        noise = self.noise * sample.standard_normal((n, self.R))
        return gram, np.einsum("ijr,jr->ir", gram, state) + np.einsum("nir,nr->ir", X, noise)

    def statistics(self, items):  # noqa: D102
        X, y = items
        return np.einsum("nir,njr->ijr", X, X), np.einsum("nir,nr->ir", X, y)

    def fit(self, stats):  # noqa: D102
        gram, moments = stats
        if self.ridge:
            gram = gram + self.ridge * np.eye(self.d)[:, :, np.newaxis]
        return cholesky_solve(gram, moments)

    def forget(self, state, dead):  # noqa: D102
        state[:, dead] = np.nan
        return state

    def measure(self, state, out):  # noqa: D102
        out[:, 0] = np.sum((state - self.truth) ** 2, axis=0)


def run_block(chain, tree: SeedTree, first_replicate: int, n_replicates: int) -> pd.DataFrame:
    """Run a block of replicates of a linear regression chain."""
    return run_family(LinearFamily, chain, tree, first_replicate, n_replicates)
