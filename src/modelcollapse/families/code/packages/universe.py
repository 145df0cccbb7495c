"""The names a package-writing model can write: real packages and the mistakes it makes of them.

A :class:`NameUniverse` is fixed when a world is built, so every replicate and
every generation indexes the same table: the ``n_packages`` most downloaded
real packages, then, for each, up to ``mistakes_per_name`` invented names made
from it by the edits of :mod:`.mistakes` (names that exist on PyPI or in the
standard library are never counted as invented). Each invented name remembers
the real package it imitates, the kind of edit, and whether it lies within
Damerau–Levenshtein distance 2 of a top package (squattable, as
:class:`~modelcollapse.families.code.squat.SquatIndex` judges it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import sparse

from modelcollapse.families.code.packages.mistakes import candidate_mistakes
from modelcollapse.families.code.real_names import PackageRegistry, load_registry
from modelcollapse.families.code.squat import SquatIndex, osa_distance

__all__ = ["NameUniverse", "name_universe"]

_CONFLATION_PARTNERS = 50
"""Real names a package may be conflated with: the most downloaded ones."""


@dataclass(frozen=True)
class NameUniverse:
    """Real package names followed by the invented names made from them.

    Attributes
    ----------
    names : tuple of str
        Every name, real ones first (most downloaded first), shape (V,).
    n_real : int
        How many of ``names`` are real; the rest are invented.
    root : ndarray of int of shape (V,)
        Index of the real package each name is (real) or imitates (invented).
    kind : tuple of str
        The edit that made each name (``"real"`` for real ones).
    squattable : ndarray of bool of shape (V,)
        Invented names within distance 2 of a top package.
    mistake_start, mistake_stop : ndarray of int of shape (n_real,)
        Real package i's invented names are ``names[mistake_start[i]:mistake_stop[i]]``,
        habitual mistake first.
    registry : PackageRegistry
        The snapshot real names were checked against.
    """

    names: tuple[str, ...]
    n_real: int
    root: np.ndarray
    kind: tuple[str, ...]
    squattable: np.ndarray
    mistake_start: np.ndarray
    mistake_stop: np.ndarray
    registry: PackageRegistry

    def __len__(self) -> int:
        return len(self.names)

    @property
    def invented(self) -> np.ndarray:
        """Whether each name is invented, shape (V,)."""
        flags = np.ones(len(self), dtype=bool)
        flags[:self.n_real] = False
        return flags

    def mistake_matrix(self, habit: float) -> sparse.csr_matrix:
        """Chance that a slip on real package i writes name v, sparse of shape (n_real, V).

        The habitual (first) mistake gets ``habit``; the others share the rest
        evenly. A package with one mistake always makes that one; a package
        with none is copied correctly (the slip leaves it unchanged).
        """
        rows, columns, chances = [], [], []
        for i, (start, stop) in enumerate(zip(self.mistake_start, self.mistake_stop,
                                              strict=True)):
            k = int(stop - start)
            rows += [i] * max(k, 1)
            columns += list(range(start, stop)) if k else [i]
            chances += ([1.0] if k <= 1 else [habit] + [(1.0 - habit) / (k - 1)] * (k - 1))
        return sparse.csr_matrix((chances, (rows, columns)), shape=(self.n_real, len(self)))


def _build(registry: PackageRegistry, n_packages: int, mistakes_per_name: int,
           seed: int) -> NameUniverse:
    real = registry.top(n_packages)
    partners = real[:_CONFLATION_PARTNERS]
    taken = set(real)
    invented: list[tuple[str, int, str]] = []
    start = np.zeros(len(real), dtype=np.int64)
    stop = np.zeros(len(real), dtype=np.int64)
    for i, name in enumerate(real):
        # One stream per package: its mistakes do not depend on how many packages are kept.
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,)))
        start[i] = len(real) + len(invented)
        for wrong, kind in candidate_mistakes(name, partners, rng):
            if len(real) + len(invented) - start[i] >= mistakes_per_name:
                break
            if wrong not in taken and not registry.is_real(wrong):
                taken.add(wrong)
                invented.append((wrong, i, kind))
        stop[i] = len(real) + len(invented)
    names = tuple(real) + tuple(w for w, _, _ in invented)
    root = np.concatenate([np.arange(len(real)), [r for _, r, _ in invented]]).astype(np.int64)
    # Most edits are one step from the package they imitate; only the others
    # (affixes, conflations) need the index over every top package.
    close = [osa_distance(w, real[r], limit=2) <= 2 for w, r, _ in invented]
    far = [w for (w, _, _), near in zip(invented, close, strict=True) if not near]
    near_other = SquatIndex(registry, top=min(15_000, len(registry.ranks))).squattable(far)
    squattable = np.array([False] * len(real) + [
        near or w in near_other for (w, _, _), near in zip(invented, close, strict=True)])
    return NameUniverse(names, len(real), root, ("real",) * len(real)
                        + tuple(k for _, _, k in invented), squattable, start, stop, registry)


@lru_cache(maxsize=4)
def name_universe(n_packages: int = 1000, mistakes_per_name: int = 8, seed: int = 0,
                  registry: str | None = None) -> NameUniverse:
    """The universe for these settings, built once per process.

    Parameters
    ----------
    n_packages : int, default 1000
        Real packages: the most downloaded ones in the registry snapshot.
    mistakes_per_name : int, default 8
        Invented names made from each real package (fewer where few edits invent one).
    seed : int, default 0
        Seed of the edits; the same seed always makes the same mistakes.
    registry : str or None
        Path of a registry snapshot; ``None`` for the shipped PyPI snapshot.
    """
    return _build(load_registry(registry), n_packages, mistakes_per_name, seed)
