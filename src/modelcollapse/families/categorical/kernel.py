"""Categorical refit chains, all replicates at once (the engine: core/batched.py).

A fitted law is kept on its support only. Counting gives probability zero to
every category its training set missed, and under replace such a category
never returns, so each replicate's law soon lives on a small part of the
vocabulary (Zipf, V = 1,000, 2,000 samples: about 420 categories after one
generation, 100 on average over 50). States and statistics are therefore
``(W, R)`` arrays of slots — a category index and a value (count or
probability) — with W the largest support in the chunk plus one, instead of
``(V, R)`` matrices, and sampling, fitting and measuring cost O(W), not O(V),
per replicate.

The slot layout:

- each column lists its replicate's categories of nonzero value in increasing
  order, with zero-valued slots among or after them (lost categories, or
  padding with category ``V - 1``);
- the last slot always holds category ``V - 1``, with value zero once it is lost.

numpy's multinomial draws one binomial per category, returns zero for a zero
probability without touching the generator, and gives the last category the
remainder; drawn over the slots it consumes the generator exactly as over the
vocabulary, and the decoding distribution is computed with the same sums in
the same order, so the counts drawn for a given seed are unchanged. The
metrics add the same terms in another order than the ``(V, R)`` version did
(which summed each replicate's column pairwise, zeros included), so they
agree with it to float rounding (within 2e-14 relative over every policy and
decoding setting tried); the lost mass is the truth's total less the kept
mass, equal to the sum over lost categories to about 2e-15 absolute.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from modelcollapse.core.batched import POLICIES, BatchedFamily, run_family
from modelcollapse.core.rng import SeedTree
from modelcollapse.families.categorical.metrics import (
    CATEGORICAL_METRICS,
    CategoricalMetric,
    rare_set,
)
from modelcollapse.families.categorical.model import (
    CategoricalModel,
    counts,
    decoding_distribution,
    sample_indices,
)
from modelcollapse.families.categorical.world import CategoricalWorld

__all__ = ["CategoricalFamily", "compact", "run_block", "support_metrics", "supports"]


def supports(chain) -> bool:
    """Whether this kernel can run ``chain``."""
    return (type(chain.world) is CategoricalWorld and type(chain.model) is CategoricalModel
            and type(chain.policy) in POLICIES
            and all(type(m) is CategoricalMetric for m in chain.metrics))


def compact(categories: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The slot layout of ``values`` narrowed to the widest column's nonzero slots.

    Parameters
    ----------
    categories : ndarray of int of shape (W, R)
        Slots in the layout described in the module docstring (a ``(V, R)``
        matrix is one, with ``categories[v] == v``).
    values : ndarray of float of shape (W, R)
        Non-negative counts or probabilities.

    Returns
    -------
    categories, values : ndarrays of shape (W', R)
        The nonzero slots of each column moved to the front, in order, and the
        last slot kept last; W' is the largest number of nonzero slots above the
        last, plus one. The inputs unchanged when that would save less than a
        quarter of the slots: a zero slot costs less than moving every slot.
    """
    kept = values[:-1] > 0
    width = int(kept.sum(axis=0).max(initial=0)) + 1
    if width > 0.75 * len(values):
        return categories, values
    order = np.argsort(~kept, axis=0, kind="stable")[:width - 1]   # kept slots, in order
    return (np.concatenate([np.take_along_axis(categories, order, axis=0), categories[-1:]]),
            np.concatenate([np.take_along_axis(values, order, axis=0), values[-1:]]))


def _dense(categories: np.ndarray, values: np.ndarray, V: int) -> np.ndarray:
    """The ``(V, R)`` matrix of slot ``values`` (padding and lost categories zero)."""
    out = np.zeros((V, values.shape[1]))
    rows, cols = np.nonzero(values)
    out[categories[rows, cols], cols] = values[rows, cols]
    return out


def _vocabulary(V: int, R: int) -> np.ndarray:
    """Slot categories of the full ``(V, R)`` layout."""
    return np.broadcast_to(np.arange(V)[:, np.newaxis], (V, R))


def support_metrics(categories: np.ndarray, p: np.ndarray, truth: np.ndarray,
                    names) -> dict[str, np.ndarray]:
    """The requested metrics of laws given in the slot layout.

    Equal to :func:`~modelcollapse.families.categorical.metrics.categorical_metrics` of the
    same laws as ``(V, R)`` matrices to float rounding (see the module
    docstring). A replicate whose slots are NaN is dead and gets NaN, as there.

    Parameters
    ----------
    categories : ndarray of int of shape (W, R)
    p : ndarray of shape (W, R)
        Probabilities, NaN for dead replicates.
    truth : ndarray of shape (V,)
    names : iterable of str
        Keys of :data:`~modelcollapse.families.categorical.metrics.CATEGORICAL_METRICS`.

    Returns
    -------
    dict of str to ndarray of shape (R,)
    """
    dead = np.isnan(p).any(axis=0)
    dead_nan = np.where(dead, np.nan, 1.0)
    support = np.count_nonzero(p > 0, axis=0)
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
        for name in names:
            if name == "support_size":
                out[name] = np.where(dead, np.nan, support.astype(float))
            elif name == "entropy":
                out[name] = -plogp.sum(axis=0) * dead_nan
            elif name == "gini_simpson":
                out[name] = 1.0 - np.sum(p**2, axis=0)
            elif name == "kl_to_truth":
                out[name] = dead_nan * np.sum(
                    plogp - np.where(p > 0, p * np.log(truth)[categories], 0.0), axis=0)
            elif name == "lost_mass":
                # The total less the kept mass: lost categories have no slots to sum over.
                kept = np.where(p > 0, truth[categories], 0.0).sum(axis=0)
                lost = np.where(support == len(truth), 0.0, np.maximum(truth.sum() - kept, 0.0))
                out[name] = np.where(dead, np.nan, lost)
            elif name == "rare_mass":
                out[name] = np.sum(np.where(rare_set(truth)[categories], p, 0.0), axis=0)
            else:
                raise KeyError(f"unknown categorical metric {name!r}; known: "
                               f"{', '.join(CATEGORICAL_METRICS)}")
    return out


class CategoricalFamily(BatchedFamily):
    """Counting refits; states and statistics are (categories, values) in the slot layout.

    The state's values are the fitted probabilities; the statistics' are counts.
    """

    def __init__(self, chain, n_replicates: int):
        super().__init__(chain, n_replicates)
        self.truth = chain.world.probabilities
        self.V = len(self.truth)
        self.model = chain.model
        self.names = chain.metric_names()

    def real(self, n, rng):  # noqa: D102
        # sample_indices' arithmetic, one replicate at a time: its stacked search runs
        # over R shifted copies of the world's CDF (4 M numbers at V = 1,000) and misses
        # the cache on every draw; one copy stays in cache. Same sums, same comparisons,
        # so the same indices.
        cdf = np.cumsum(self.truth)
        cdf /= cdf[-1]
        shift = np.arange(self.R)
        draws = np.ascontiguousarray((rng.random((n, self.R)) + shift).T)   # (R, n)
        index = np.empty((self.R, n), dtype=np.intp)
        for r in range(self.R):
            index[r] = np.searchsorted(cdf + r, draws[r], side="right")
        # sample_indices clips only past its last replicate's end (a draw rounded up to R).
        np.minimum(index[-1], self.V - 1, out=index[-1])
        return (index.T,)

    def _decoding(self, state) -> tuple[np.ndarray, np.ndarray]:
        categories, p = state
        # Dead replicates draw uniformly, then stay dead; forget() has widened their chunk
        # to the whole vocabulary, so these draws use the generator as the (V, R) version.
        usable = np.where(np.isfinite(p).all(axis=0), p, 1.0 / self.V)
        return categories, decoding_distribution(usable, self.model.temperature,
                                                 self.model.top_k, self.model.top_p)

    def synthetic(self, state, n, inputs, sample):  # noqa: D102
        categories, q = self._decoding(state)
        return (np.take_along_axis(categories, sample_indices(sample, q, n), axis=0),)

    def synthetic_statistics(self, state, n, inputs, sample):  # noqa: D102
        # Counts straight from the multinomial: ten times faster than drawing items.
        categories, q = self._decoding(state)
        return compact(categories, sample.multinomial(n, q.T).T.astype(float))

    def statistics(self, items):  # noqa: D102
        return compact(_vocabulary(self.V, self.R), counts(items[0], self.V))

    def combine(self, a, b):  # noqa: D102
        return compact(_vocabulary(self.V, self.R), _dense(*a, self.V) + _dense(*b, self.V))

    def fit(self, stats):  # noqa: D102
        categories, tally = stats
        total = tally.sum(axis=0)
        return (categories, tally / total), ~(total > 0)

    def forget(self, state, dead):  # noqa: D102
        if not dead.any():
            return state
        categories, p = state
        p = _dense(categories, p, self.V)
        p[:, dead] = np.nan
        return _vocabulary(self.V, self.R), p

    def measure(self, state, out):  # noqa: D102
        values = support_metrics(*state, self.truth, self.names)
        for column, name in enumerate(self.names):
            out[:, column] = values[name]


def run_block(chain, tree: SeedTree, first_replicate: int, n_replicates: int) -> pd.DataFrame:
    """Run a block of replicates of a categorical chain (``core.batched.run_family``)."""
    return run_family(CategoricalFamily, chain, tree, first_replicate, n_replicates)
