"""The world of package names: which packages people import, and which names exist.

Human code names real packages with a heavy-tailed popularity: the world
draws names from the ``n_packages`` most downloaded PyPI packages with
chance proportional to rank^−``exponent`` (a Zipf law over download rank, an
assumption: the snapshot holds ranks, not counts). The registry of names
that exist is the PyPI snapshot; a **squatter** can add to it: every
``squatter_every`` generations he registers the ``squatter_names`` invented
names the current model writes most, and from then on they exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.families.code.packages.universe import NameUniverse, name_universe

__all__ = ["PackageNameWorld"]


def _positive_integer(name: str, value, minimum: int = 1) -> None:
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


@dataclass(frozen=True)
class PackageNameWorld:
    """Real package names drawn by popularity; a registry a squatter can write to.

    Parameters
    ----------
    n_packages : int, default 1000
        Real packages in the world: the most downloaded ones.
    exponent : float, default 1.0
        Popularity ∝ rank^−exponent.
    mistakes_per_name : int, default 8
        Invented names a model can make of each package.
    squatter_names : int, default 0
        Names the squatter registers each time he acts (0: no squatter).
    squatter_every : int, default 1
        He acts at generations ``squatter_every``, 2·``squatter_every``, …
    registry : str or None
        Path of a registry snapshot (``name<TAB>rank``); ``None`` for the shipped one.
    seed : int, default 0
        Seed of the mistakes (the universe of names), not of any run.
    """

    n_packages: int = 1000
    exponent: float = 1.0
    mistakes_per_name: int = 8
    squatter_names: int = 0
    squatter_every: int = 1
    registry: str | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        _positive_integer("n_packages", self.n_packages, 2)
        _positive_integer("mistakes_per_name", self.mistakes_per_name)
        _positive_integer("squatter_names", self.squatter_names, 0)
        _positive_integer("squatter_every", self.squatter_every)
        _positive_integer("seed", self.seed, 0)
        if not 0.0 <= self.exponent <= 5.0:
            raise ValueError(f"exponent must lie in [0, 5], got {self.exponent}")

    @cached_property
    def universe(self) -> NameUniverse:
        """Every name a model can write (real first, then invented)."""
        universe = name_universe(self.n_packages, self.mistakes_per_name, self.seed,
                                 self.registry)
        if universe.n_real < self.n_packages:
            raise ValueError(f"the registry ranks only {universe.n_real} packages; lower "
                             f"n_packages to at most {universe.n_real}")
        return universe

    @cached_property
    def probabilities(self) -> np.ndarray:
        """The human law over the universe, shape (V,): zero on every invented name."""
        rank = np.arange(1, self.n_packages + 1, dtype=float)
        q = np.zeros(len(self.universe))
        q[:self.n_packages] = rank ** -self.exponent
        return q / q.sum()

    def is_correct(self, data: Dataset) -> np.ndarray:
        """Whether each written name names a package that existed before the chain began."""
        return ~self.universe.invented[np.asarray(data.X, dtype=np.int64)]

    def sample(self, n: int, *, rng: np.random.Generator) -> Dataset:
        """``n`` names people import, as indices into the universe."""
        names = rng.choice(len(self.probabilities), size=n, p=self.probabilities)
        return Dataset.real(names.astype(np.int64))
