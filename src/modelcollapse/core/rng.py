"""The seed tree: every random stream is addressed, none is global.

One root seed spawns a stream for each (replicate, generation, role), so any
generation of any replicate can be rebuilt alone, in any worker, in any order.
The batched kernels draw a whole block of replicates from one stream, addressed
by (first replicate, block size, generation, role).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

__all__ = ["Role", "SeedTree", "random_state_from"]

# Leading spawn-key word that keeps block streams apart from per-replicate streams.
_BLOCK_TAG = 0xB10C


class Role(IntEnum):
    """What a stream is used for inside one generation."""

    REAL = 0
    """Real data drawn from the world (generation 1 and fresh real data)."""
    INPUTS = 1
    """Inputs the world draws for a conditional model to label."""
    SAMPLE = 2
    """The model's own sampling noise."""
    POLICY = 3
    """Choices the data policy makes (subsets of the pool)."""
    FIT = 4
    """Randomness inside a fit (initialisation, minibatches)."""
    FILTER = 5
    """Curation decisions: detectors, verifiers, reviewers."""
    MEASURE = 6
    """Samples metrics draw from a fitted model (one child stream per metric)."""


@dataclass(frozen=True)
class SeedTree:
    """Addressed random streams derived from one root seed.

    Parameters
    ----------
    seed : int
        Non-negative root seed of the experiment.

    Examples
    --------
    >>> tree = SeedTree(0)
    >>> a = tree.stream(replicate=3, generation=7, role=Role.SAMPLE).random()
    >>> b = tree.stream(replicate=3, generation=7, role=Role.SAMPLE).random()
    >>> a == b
    True
    """

    seed: int

    def __post_init__(self) -> None:
        if not isinstance(self.seed, int | np.integer) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")

    def stream(self, replicate: int, generation: int, role: Role) -> np.random.Generator:
        """Return the generator of one replicate, generation and role."""
        key = (int(replicate), int(generation), int(role))
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))

    def block_stream(
        self, first_replicate: int, n_replicates: int, generation: int, role: Role
    ) -> np.random.Generator:
        """Return the generator a batched kernel uses for a block of replicates."""
        key = (_BLOCK_TAG, int(first_replicate), int(n_replicates), int(generation), int(role))
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))


def random_state_from(rng: np.random.Generator) -> np.random.RandomState:
    """A fresh legacy ``RandomState`` for scikit-learn, seeded from ``rng``."""
    return np.random.RandomState(rng.integers(2**32, dtype=np.uint64))
