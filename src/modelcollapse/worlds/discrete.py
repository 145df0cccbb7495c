"""Discrete worlds: a categorical law over a vocabulary, Zipfian by default."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.data import Dataset

__all__ = ["CategoricalWorld", "zipf_world"]


@dataclass(frozen=True)
class CategoricalWorld:
    """Real data: category indices drawn from ``probabilities``.

    Parameters
    ----------
    probabilities : array-like of shape (V,)
        Non-negative, summing to one; category ``v`` has probability ``p[v]``.
    name : str, default "categorical"
    """

    probabilities: np.ndarray
    name: str = "categorical"

    def __post_init__(self) -> None:
        p = np.asarray(self.probabilities, dtype=float)
        if p.ndim != 1 or len(p) < 2:
            raise ValueError("probabilities must be a 1-D array over at least 2 categories")
        if np.any(p < 0) or not np.isclose(p.sum(), 1.0):
            raise ValueError("probabilities must be non-negative and sum to 1")
        object.__setattr__(self, "probabilities", p)

    @property
    def vocabulary(self) -> int:
        """Number of categories V."""
        return len(self.probabilities)

    def sample(self, n: int, *, rng: np.random.Generator) -> Dataset:
        """Draw ``n`` category indices, shape (n,)."""
        return Dataset.real(rng.choice(self.vocabulary, size=n, p=self.probabilities))


def zipf_world(vocabulary: int = 1000, exponent: float = 1.1) -> CategoricalWorld:
    """Zipf's law: p(rank k) ∝ k^(−exponent), k = 1 … vocabulary."""
    if int(vocabulary) != vocabulary or vocabulary < 2:
        raise ValueError(f"vocabulary must be an integer >= 2, got {vocabulary}")
    if not exponent >= 0:
        raise ValueError(f"exponent must be >= 0, got {exponent}")
    weights = np.arange(1, vocabulary + 1, dtype=float) ** -float(exponent)
    return CategoricalWorld(weights / weights.sum(), name="zipf")
