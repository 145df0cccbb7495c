"""The maths of a package-writing model, for one replicate or many (a trailing replicate axis).

A model fitted on a training set of names (the items, shape (m, R), ``-1``
for none) writes a name by copying one at random from what it was trained
on, or, with probability h (the hallucination rate), by slipping: writing a
mistake of the real package behind the name it meant instead. Its write
distribution over the universe is therefore, per replicate,

    W(v) = (1 − h)·c(v)/m + h·Σ_i b(i)/m · K(i, v),

with c the counts of name v in the training set, b(i) the counts of names
whose real package is i, and K the mistake matrix of
:meth:`~.universe.NameUniverse.mistake_matrix`. Defences accept name v with
probability A(v); a rejected suggestion is replaced by a fresh one, so what
is published follows P = W·A / Σ W·A.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from modelcollapse.models.categorical import counts

__all__ = ["WritingModel", "published"]


class WritingModel:
    """The fixed parts of the write distribution: universe, hallucination rate, habit.

    Parameters
    ----------
    universe : NameUniverse
    hallucination_rate : float
        h, the chance one write slips.
    habit : float
        The chance a slip is the package's habitual mistake.
    """

    def __init__(self, universe, hallucination_rate: float, habit: float):
        self.universe = universe
        self.h = hallucination_rate
        V = len(universe)
        # (V, n_real): name -> its real package; (V, n_real): mistake chances, transposed.
        self.to_root = sparse.csr_matrix(
            (np.ones(V), (np.arange(V), universe.root)), shape=(V, universe.n_real)).T.tocsr()
        self.slips = universe.mistake_matrix(habit).T.tocsr()

    def write_mass(self, items: np.ndarray) -> np.ndarray:
        """W for training sets ``items`` (m, R) of name indices (``-1`` = none), shape (V, R).

        A replicate with no items gets a zero column.
        """
        V = len(self.universe)
        valid = items >= 0
        tally = counts(np.where(valid, items, V), V + 1)[:V]     # index V collects the -1s
        size = np.maximum(valid.sum(axis=0), 1)
        copied = tally / size
        return (1.0 - self.h) * copied + self.h * (self.slips @ (self.to_root @ copied))


def published(mass: np.ndarray, acceptance: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """The published distribution P (V, R) and the accepted share Z (R,) of the writes.

    Replicates whose every write is rejected get a zero column and Z = 0.
    """
    accepted = mass * acceptance
    share = accepted.sum(axis=0)
    return accepted / np.where(share > 0, share, 1.0), share
