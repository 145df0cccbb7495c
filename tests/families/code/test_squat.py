"""The squattable-name search finds exactly what a naive all-pairs scan finds."""

import string

import numpy as np
import pytest

from modelcollapse.families.code import SquatIndex, naive_squat_search, osa_distance
from modelcollapse.families.code.real_names import PackageRegistry
from modelcollapse.families.code.squat import deletions

TOP = 400  # the naive scan is slow; the index is built the same way at any size


@pytest.fixture(scope="module")
def registry():
    from modelcollapse.families.code import default_registry

    return default_registry()


@pytest.fixture(scope="module")
def index(registry):
    return SquatIndex(registry, top=TOP)


def naive_osa(a: str, b: str) -> int:
    """Textbook OSA recursion with memoisation, independent of the library's table."""
    from functools import cache

    @cache
    def d(i, j):
        if min(i, j) == 0:
            return max(i, j)
        best = min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] != b[j - 1]))
        if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
            best = min(best, d(i - 2, j - 2) + 1)
        return best

    return d(len(a), len(b))


def test_distance_against_the_recursion():
    rng = np.random.default_rng(0)
    alphabet = "abc-"
    for _ in range(500):
        a = "".join(rng.choice(list(alphabet), rng.integers(0, 7)))
        b = "".join(rng.choice(list(alphabet), rng.integers(0, 7)))
        assert osa_distance(a, b) == naive_osa(a, b), (a, b)
        limited = osa_distance(a, b, limit=2)
        assert limited == min(naive_osa(a, b), 3), (a, b)


def test_known_distances():
    assert osa_distance("requests", "reqeusts") == 1      # one transposition
    assert osa_distance("requests", "request") == 1
    assert osa_distance("numpy", "numpyy") == 1
    assert osa_distance("ca", "abc") == 3                 # OSA, not unrestricted DL (2)
    assert deletions("ab", 2) == {"ab", "a", "b", ""}


def edits(name: str, k: int, rng) -> str:
    """Apply k random edits (insert, delete, substitute, transpose)."""
    letters = string.ascii_lowercase + string.digits + "-"
    for _ in range(k):
        op = rng.integers(4)
        i = int(rng.integers(len(name) + 1))
        if op == 0:
            name = name[:i] + rng.choice(list(letters)) + name[i:]
        elif op == 1 and len(name) > 1:
            i = min(i, len(name) - 1)
            name = name[:i] + name[i + 1:]
        elif op == 2 and name:
            i = min(i, len(name) - 1)
            name = name[:i] + rng.choice(list(letters)) + name[i + 1:]
        elif len(name) > 1:
            i = min(i, len(name) - 2)
            name = name[:i] + name[i + 1] + name[i] + name[i + 2:]
    return name


def test_index_equals_naive_scan_on_random_and_adversarial_names(registry, index):
    rng = np.random.default_rng(1)
    top = index.packages
    adversarial = [edits(top[int(rng.integers(len(top)))], int(rng.integers(1, 4)), rng)
                   for _ in range(150)]
    adversarial += ["a", "ab", "", "-", "--", "x" * 40, "py", "aws", "boto", "six0", "sx",
                    "requests-", "reqeusts", "nmupy", "pandsa", "djnago", "colorama-",
                    "réquests", "nümpy", "☃", "boto3" + "x" * 60]
    random_names = ["".join(rng.choice(list("abcdefghij-"), int(rng.integers(1, 9))))
                    for _ in range(60)]
    names = [n for n in adversarial + random_names if registry.distribution(n) is None]
    fast = index.squattable(names)
    slow = naive_squat_search(names, top, registry.ranks)
    assert fast == slow
    assert len(fast) > 50   # the adversarial names really sit near popular packages
    assert any(m.distance == 2 for ms in fast.values() for m in ms)


def test_real_packages_are_never_squattable(registry, index):
    assert index.squattable(["requests", "numpy", "typing_extensions"]) == {}


def test_small_registry_by_hand():
    registry = PackageRegistry(frozenset({"requests", "numpy", "rich"}),
                               {"requests": 1, "numpy": 2, "rich": 3})
    found = SquatIndex(registry, top=3).squattable(["reqeusts", "nunpy", "xyz", "ric", "riche"])
    assert {name: [(m.package, m.distance) for m in ms] for name, ms in found.items()} == {
        "reqeusts": [("requests", 1)], "nunpy": [("numpy", 1)], "ric": [("rich", 1)],
        "riche": [("rich", 1)]}
