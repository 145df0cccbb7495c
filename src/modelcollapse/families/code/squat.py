"""Squattable names: invented package names within a small edit distance of a popular package.

An attacker who registers an invented name that models keep writing
("slopsquatting") gains most when the name also looks like a popular real
package. :class:`SquatIndex` finds, for each invented name, the packages
among the top N by downloads within Damerau–Levenshtein distance ≤ k.

The distance is the optimal-string-alignment form of Damerau–Levenshtein
(insertions, deletions, substitutions and transpositions of adjacent
characters, each character edited at most once), the usual measure for
typosquatting. The search uses a symmetric-delete index: every string reachable
from a package name by deleting up to k characters points back to it. If two
names are within distance k, each edit costs at most one deletion on each
side (a substitution or a transposition: delete the changed character on both
sides; an insertion: delete it on the side that has it), so the names share a
deletion variant and the index finds every match a full scan would find.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np

from modelcollapse.families.code.real_names import PackageRegistry, normalize

__all__ = ["SquatIndex", "SquatMatch", "deletions", "naive_squat_search", "osa_distance"]


def osa_distance(a: str, b: str, limit: int | None = None) -> int:
    """Optimal-string-alignment (restricted Damerau–Levenshtein) distance.

    Parameters
    ----------
    a, b : str
        The two strings.
    limit : int or None
        If given, return ``limit + 1`` for any distance above it (stopping early
        once a whole row exceeds it: a transposition cannot undercut a row minimum).

    Examples
    --------
    >>> osa_distance("requests", "reqeusts"), osa_distance("numpy", "nump")
    (1, 1)
    """
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, previous2[j - 2] + 1)
            current[j] = best
        if limit is not None and min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1] if limit is None else min(previous[-1], limit + 1)


def deletions(name: str, k: int) -> set[str]:
    """Every string made from ``name`` by deleting at most ``k`` characters (``name`` included).

    >>> sorted(deletions("abc", 1))
    ['ab', 'abc', 'ac', 'bc']
    """
    variants = {name}
    level = {name}
    for _ in range(k):
        level = {word[:i] + word[i + 1:] for word in level for i in range(len(word))}
        variants |= level
    return variants


@dataclass(frozen=True, order=True)
class SquatMatch:
    """An invented name close to a popular real package.

    Parameters
    ----------
    name : str
        The invented name (normalised).
    package : str
        The real package it resembles.
    distance : int
        Their distance (1 … k).
    rank : int
        The real package's download rank (1 = most downloaded).
    """

    name: str
    package: str
    distance: int
    rank: int


@lru_cache(maxsize=256)
def _keep_patterns(length: int, max_deleted: int) -> list[np.ndarray]:
    """For each number of deletions d ≤ ``max_deleted``: the kept positions, shape (P_d, L − d)."""
    patterns = []
    for d in range(min(max_deleted, length) + 1):
        chosen = list(combinations(range(length), d))
        gone = np.array(chosen, dtype=np.intp).reshape(len(chosen), d)
        keep = np.ones((len(gone), length), dtype=bool)
        keep[np.arange(len(gone))[:, None], gone] = False
        patterns.append(np.nonzero(keep)[1].reshape(len(gone), length - d))
    return patterns


class _VariantHasher:
    """64-bit hashes of strings from random per-position weights (wrapping arithmetic).

    Equal strings always hash alike, so a lookup by hash never misses; the rare
    colliding candidates are dropped when their true distance is checked.
    """

    def __init__(self, max_length: int):
        weights = np.random.default_rng(20250101).integers(1, 2**63, size=2 * max_length + 2,
                                                           dtype=np.uint64)
        self.position = weights[:max_length + 1] | np.uint64(1)
        self.length = weights[max_length + 1:]

    def __call__(self, codes: np.ndarray) -> np.ndarray:
        """Hashes of equal-length strings as code points, shape (..., L) -> (...)."""
        length = codes.shape[-1]
        with np.errstate(over="ignore"):
            return (codes.astype(np.uint64) * self.position[:length]).sum(
                axis=-1, dtype=np.uint64) + self.length[length]


class SquatIndex:
    """Symmetric-delete index over the ``top`` most downloaded packages.

    Every deletion variant of every package is kept as a 64-bit hash in one
    sorted array, built with numpy a length at a time (about 1.8 million
    variants for the top 15,000); a query hashes its own variants, looks them
    up with a binary search and checks each candidate's true distance.

    Parameters
    ----------
    registry : PackageRegistry
        Real names and download ranks.
    top : int, default 15_000
        How many of the most downloaded packages an attacker would imitate.
    max_distance : int, default 2
        Largest edit distance that counts as squattable.
    """

    def __init__(self, registry: PackageRegistry, top: int = 15_000, max_distance: int = 2):
        if int(max_distance) != max_distance or max_distance < 1:
            raise ValueError(f"max_distance must be an integer >= 1, got {max_distance!r}")
        self.registry = registry
        self.max_distance = max_distance
        self.packages = registry.top(top)
        self._longest = max(map(len, self.packages))
        self._hash = _VariantHasher(self._longest + max_distance)
        by_length = defaultdict(list)
        for number, package in enumerate(self.packages):
            by_length[len(package)].append(number)
        hashes, owners = [], []
        for length, numbers in by_length.items():
            codes = np.frombuffer("".join(self.packages[i] for i in numbers).encode("ascii"),
                                  dtype=np.uint8).reshape(len(numbers), length)
            for keep in _keep_patterns(length, max_distance):
                hashes.append(self._hash(codes[:, keep]).ravel())   # (m, P_d)
                owners.append(np.repeat(np.asarray(numbers, dtype=np.int32), len(keep)))
        hashes, owners = np.concatenate(hashes), np.concatenate(owners)
        order = np.argsort(hashes)
        self._hashes, self._owners = hashes[order], owners[order]

    def matches(self, name: str) -> list[SquatMatch]:
        """Real top packages within ``max_distance`` of ``name`` (not ``name`` itself), sorted."""
        name = normalize(name)
        if len(name) > self._longest + self.max_distance:  # too long to be near any package
            return []
        codes = np.fromiter(map(ord, name), dtype=np.uint64, count=len(name))
        keys = np.concatenate([self._hash(codes[keep]).ravel()
                               for keep in _keep_patterns(len(name), self.max_distance)])
        left = np.searchsorted(self._hashes, keys, side="left")
        right = np.searchsorted(self._hashes, keys, side="right")
        candidates = {int(n) for a, b in zip(left, right, strict=True) if b > a
                      for n in self._owners[a:b]}
        found = []
        for number in candidates:
            package = self.packages[number]
            distance = osa_distance(name, package, self.max_distance)
            if 0 < distance <= self.max_distance:
                found.append(SquatMatch(name, package, distance, self.registry.ranks[package]))
        return sorted(found, key=lambda m: (m.distance, m.rank))

    def squattable(self, names) -> dict[str, list[SquatMatch]]:
        """Each of ``names`` that is not a real package and lies near a top package."""
        result = {}
        for name in names:
            if self.registry.distribution(name) is not None:
                continue
            found = self.matches(name)
            if found:
                result[normalize(name)] = found
        return result


def naive_squat_search(names, packages: list[str], ranks: dict[str, int],
                       max_distance: int = 2) -> dict[str, list[SquatMatch]]:
    """The plain all-pairs scan: every name against every package (reference for tests)."""
    result = {}
    for name in map(normalize, names):
        found = [SquatMatch(name, package, d, ranks[package]) for package in packages
                 if 0 < (d := osa_distance(name, package, max_distance)) <= max_distance]
        if found:
            result[name] = sorted(found, key=lambda m: (m.distance, m.rank))
    return result
