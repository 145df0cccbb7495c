"""Classification worlds: scikit-learn's bundled digits, and two Gaussian classes.

Each world draws real labelled items, draws unlabelled inputs for a model to
label (self-training), and owns a fixed held-out test set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy.special import ndtr

from modelcollapse.core.data import Dataset

__all__ = ["DigitsWorld", "TwoClassWorld"]

SPLIT = 0xD1617
"""Entropy of the fixed train / held-out split (apart from any experiment's seed tree)."""


@dataclass(frozen=True)
class DigitsWorld:
    """scikit-learn's 8×8 digits (1,797 images, 10 classes), pixel values scaled to [0, 1].

    Parameters
    ----------
    test_fraction : float, default 0.3
        Share held out, by a fixed stratified-by-chance split.
    """

    test_fraction: float = 0.3
    name = "digits"
    n_classes = 10

    def __post_init__(self) -> None:
        if not 0 < self.test_fraction < 1:
            raise ValueError(f"test_fraction must lie in (0, 1), got {self.test_fraction}")

    @cached_property
    def _split(self):
        from sklearn.datasets import load_digits

        digits = load_digits()
        X, y = digits.data / 16.0, digits.target
        order = np.random.default_rng(np.random.SeedSequence(SPLIT)).permutation(len(y))
        n_test = round(self.test_fraction * len(y))
        test, train = order[:n_test], order[n_test:]
        return X[train], y[train], X[test], y[test]

    @property
    def supply(self) -> int:
        """Distinct real training images: budgets beyond it would only repeat them."""
        return len(self._split[1])

    def sample(self, n: int, *, rng: np.random.Generator) -> Dataset:
        """``n`` labelled training images drawn without replacement (with, past the pool)."""
        X, y, _, _ = self._split
        index = rng.choice(len(y), size=n, replace=n > len(y))
        return Dataset.real(X[index], y[index])

    def draw_inputs(self, n: int, *, rng: np.random.Generator) -> np.ndarray:
        """``n`` unlabelled training images for a model to label."""
        X, _, _, _ = self._split
        return X[rng.choice(len(X), size=n, replace=n > len(X))]

    def held_out_labelled(self) -> tuple[np.ndarray, np.ndarray]:
        """The fixed test images and their labels."""
        _, _, X, y = self._split
        return X, y

    @cached_property
    def _label_of(self) -> dict[bytes, int]:
        X, y, _, _ = self._split
        return {row.tobytes(): int(label) for row, label in zip(X, y, strict=True)}

    def true_labels(self, X: np.ndarray) -> np.ndarray:
        """The real label of each training image in ``X`` (the images a model is asked to label)."""
        return np.array([self._label_of[row.tobytes()] for row in np.asarray(X, dtype=float)])


@dataclass(frozen=True)
class TwoClassWorld:
    """Two equally likely classes, N(±(separation/2)·e₁, I) in ``dim`` dimensions.

    The Bayes classifier thresholds the first coordinate at 0, with error
    Φ(−separation/2).
    """

    separation: float = 2.0
    dim: int = 2
    name = "two-class"
    n_classes = 2
    _held_out: tuple = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        if not self.separation >= 0:
            raise ValueError(f"separation must be >= 0, got {self.separation}")
        if int(self.dim) != self.dim or self.dim < 1:
            raise ValueError(f"dim must be an integer >= 1, got {self.dim}")

    @property
    def bayes_error(self) -> float:
        """The smallest error any classifier can reach."""
        return float(ndtr(-self.separation / 2))

    def sample(self, n: int, *, rng: np.random.Generator) -> Dataset:
        """``n`` labelled items."""
        y = rng.integers(2, size=n)
        X = rng.standard_normal((n, self.dim))
        X[:, 0] += np.where(y == 1, 1.0, -1.0) * self.separation / 2
        return Dataset.real(X, y)

    def draw_inputs(self, n: int, *, rng: np.random.Generator) -> np.ndarray:
        """``n`` unlabelled inputs from the same mixture."""
        return self.sample(n, rng=rng).X

    def true_labels(self, X: np.ndarray) -> np.ndarray:
        """The Bayes label of each input: the class whose density is larger there."""
        return (np.asarray(X)[:, 0] > 0).astype(int)

    def held_out_labelled(self, n: int = 5000) -> tuple[np.ndarray, np.ndarray]:
        """A fixed labelled test sample."""
        data = self.sample(n, rng=np.random.default_rng(np.random.SeedSequence(SPLIT)))
        return data.X, data.y
