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

from modelcollapse.code.registry import PackageRegistry, normalize

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


class SquatIndex:
    """Symmetric-delete index over the ``top`` most downloaded packages.

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
        # Most variants belong to one package: keep the first owner in a plain dict and
        # only the rare shared variants in lists (half the build time of lists for all).
        self._owner: dict[str, int] = {}
        self._shared: dict[str, list[int]] = defaultdict(list)
        for number, package in enumerate(self.packages):
            for variant in deletions(package, max_distance):
                if self._owner.setdefault(variant, number) != number:
                    self._shared[variant].append(number)

    def matches(self, name: str) -> list[SquatMatch]:
        """Real top packages within ``max_distance`` of ``name`` (not ``name`` itself), sorted."""
        name = normalize(name)
        candidates = set()
        for variant in deletions(name, self.max_distance):
            owner = self._owner.get(variant)
            if owner is not None:
                candidates.add(owner)
                candidates.update(self._shared.get(variant, ()))
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
