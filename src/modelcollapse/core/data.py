"""Datasets with provenance and the pool of everything produced so far."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Dataset", "Pool"]

REAL = 0
"""The origin of human (real-world) data; origin g means produced by model g."""


@dataclass(frozen=True)
class Dataset:
    """Inputs, targets and the origin of every item.

    Parameters
    ----------
    X : ndarray of shape (n_items, ...)
        Inputs, or the items themselves for unconditional families.
    y : ndarray of shape (n_items, ...) or None
        Targets of conditional families; ``None`` for unconditional ones.
    origin : ndarray of int of shape (n_items,)
        0 for real data, g for data produced by the model of generation g.
    """

    X: np.ndarray
    y: np.ndarray | None
    origin: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.X)
        if self.y is not None and len(self.y) != n:
            raise ValueError(f"X has {n} items but y has {len(self.y)}")
        if len(self.origin) != n:
            raise ValueError(f"X has {n} items but origin has {len(self.origin)}")

    @classmethod
    def real(cls, X: np.ndarray, y: np.ndarray | None = None) -> Dataset:
        """Wrap real (human) data."""
        return cls(X, y, np.full(len(X), REAL, dtype=np.int64))

    @classmethod
    def synthetic(cls, X: np.ndarray, y: np.ndarray | None, generation: int) -> Dataset:
        """Wrap data produced by the model of ``generation``."""
        return cls(X, y, np.full(len(X), generation, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.X)

    def take(self, index: np.ndarray) -> Dataset:
        """Return the items at ``index``."""
        y = None if self.y is None else self.y[index]
        return Dataset(self.X[index], y, self.origin[index])

    @staticmethod
    def concat(parts: list[Dataset]) -> Dataset:
        """Concatenate datasets of one family, keeping every item's origin."""
        parts = [p for p in parts if len(p)]
        if not parts:
            raise ValueError("cannot concatenate an empty list of datasets")
        y = None if parts[0].y is None else np.concatenate([p.y for p in parts])
        return Dataset(
            np.concatenate([p.X for p in parts]),
            y,
            np.concatenate([p.origin for p in parts]),
        )


@dataclass
class Pool:
    """Everything a chain has produced, batch by batch, with provenance.

    ``batches[i]`` was added in generation ``added[i]``. The first batch is the
    real training data of generation 1.
    """

    batches: list[Dataset] = field(default_factory=list)
    added: list[int] = field(default_factory=list)

    def add(self, data: Dataset, generation: int) -> None:
        """Add a batch produced (or drawn) for ``generation``."""
        self.batches.append(data)
        self.added.append(generation)

    @property
    def original(self) -> Dataset:
        """The real training data of generation 1."""
        return self.batches[0]

    def everything(self) -> Dataset:
        """All items in the pool."""
        return Dataset.concat(self.batches)

    def synthetic(self) -> Dataset:
        """Every item a model wrote (origin > 0)."""
        return Dataset.concat([b for b in self.batches if len(b) and b.origin[0] != REAL])
