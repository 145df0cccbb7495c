"""The maths of a package-writing model, for many replicates at once (a leading replicate axis).

A model fitted on a training set of names writes a name by copying one at
random from what it was trained on, or, with probability h (the
hallucination rate), by slipping: writing a mistake of the real package
behind the name it meant. Its write distribution over the universe is, per
replicate,

    W(v) = (1 − h)·c(v)/m + h·b(root v)/m·k(v),

with c(v) the count of name v among the m training names, b(i) the count of
training names whose real package is i, and k(v) the chance that a slip on
v's package writes v (:meth:`~.universe.NameUniverse.mistake_matrix`; a
package with no mistake is written unchanged). Defences accept name v with
probability A(v); a rejected suggestion is replaced by a fresh one, so what
is published follows P = W·A / Z with Z = Σ W·A, the accepted share.

Arrays are ``(R, V)``, replicate-major, so every per-replicate sum and the
inverse-CDF draw run over contiguous memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Generation", "WritingModel", "draw_names", "name_counts"]


def name_counts(items: np.ndarray, V: int) -> np.ndarray:
    """How often each name occurs in each replicate's items (m, R) (``-1`` = none), (R, V)."""
    R = items.shape[1]
    flat = np.where(items >= 0, items + np.arange(R) * V, R * V).T.ravel()
    return np.bincount(flat, minlength=R * V + 1)[:R * V].reshape(R, V)


def draw_names(rng: np.random.Generator, P: np.ndarray, n: int) -> np.ndarray:
    """``n`` names drawn from each row of P (R, V) by inverse CDF, shape (n, R).

    The uniforms are sorted within each replicate before the search: the items
    of a training set are exchangeable, so their order carries nothing, and a
    sorted search runs several times faster over a large universe.
    """
    R, V = P.shape
    cdf = np.cumsum(P, axis=1)
    total = cdf[:, -1:]
    cdf /= np.where(total > 0, total, 1.0)
    cdf += np.arange(R)[:, np.newaxis]                      # replicate r's CDF in [r, r + 1]
    draws = np.sort(rng.random((R, n)), axis=1) + np.arange(R)[:, np.newaxis]
    index = np.minimum(np.searchsorted(cdf.ravel(), draws.ravel(), side="right"), V * R - 1)
    return (index.reshape(R, n) - np.arange(R)[:, np.newaxis] * V).T


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
        n_real = universe.n_real
        slips = universe.mistake_matrix(habit).tocsc()
        chance = np.asarray(slips.sum(axis=0)).ravel()       # each name has one package
        self.root_of_invented = universe.root[n_real:]
        self.slip_to_invented = chance[n_real:]
        self.slip_to_itself = chance[:n_real]                # packages with no mistake

    def write_mass(self, items: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """W (R, V) of training sets ``items`` (m, R) whose name counts are ``counts`` (R, V).

        Rows of empty training sets are zero.
        """
        n_real = self.universe.n_real
        size = counts.sum(axis=1, keepdims=True)
        per_item = 1.0 / np.where(size > 0, size, 1)
        packages = np.where(items >= 0, self.universe.root[np.maximum(items, 0)], -1)
        by_package = name_counts(packages, n_real)              # b(i), per replicate
        mass = counts * ((1.0 - self.h) * per_item)
        mass[:, n_real:] += (self.h * per_item) * by_package[:, self.root_of_invented] \
            * self.slip_to_invented
        if self.slip_to_itself.any():
            mass[:, :n_real] += (self.h * per_item) * by_package * self.slip_to_itself
        return mass


@dataclass
class Generation:
    """One generation of R fitted models: what they know, write and publish.

    Attributes
    ----------
    counts : ndarray of int of shape (R, V)
        Training-name counts.
    mass : ndarray of shape (R, V)
        W, the write distribution.
    accepted : ndarray of shape (R, V)
        W·A, the writes the defences let through (``mass`` itself without defences).
    share : ndarray of shape (R,)
        Z, the accepted share of the writes (0 for a replicate with nothing to publish).
    squatted : ndarray of bool of shape (R, V - n_real) or None
        Invented names registered by the squatter (None: no squatter).
    first_seen : ndarray of int of shape (R, V - n_real) or None
        Generation each invented name first entered a training set (0 = never);
        None where no history is kept.
    generation : int
    """

    counts: np.ndarray
    mass: np.ndarray
    accepted: np.ndarray
    share: np.ndarray
    squatted: np.ndarray | None
    first_seen: np.ndarray | None
    generation: int

    @classmethod
    def plain(cls, writer, items: np.ndarray) -> Generation:
        """Models with no defence, squatter or history (the per-replicate loop)."""
        counts = name_counts(items, len(writer.universe))
        mass = writer.write_mass(items, counts)
        return cls(counts, mass, mass, mass.sum(axis=1), None, None, 0)
