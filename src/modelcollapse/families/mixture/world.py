"""A one-dimensional Gaussian mixture with a majority and a minority mode."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.core.data import Dataset

__all__ = ["MixtureWorld"]

HELD_OUT = 20_250_2  # seed of the held-out sample: fixed, apart from every chain's streams


@dataclass(frozen=True)
class MixtureWorld:
    """Items from Σₖ wₖ·N(mₖ, sₖ²) on the real line.

    Parameters
    ----------
    weights : tuple of float, default (0.8, 0.2)
        Mode weights (positive, summing to 1); the smallest is the minority.
    means : tuple of float, default (2.0, -2.0)
    sd : tuple of float, default (0.5, 0.5)
        Standard deviations of the modes.
    name : str, default "gaussian-mixture"
    """

    weights: tuple[float, ...] = (0.8, 0.2)
    means: tuple[float, ...] = (2.0, -2.0)
    sd: tuple[float, ...] = (0.5, 0.5)
    name: str = "gaussian-mixture"

    def __post_init__(self) -> None:
        if not len(self.weights) == len(self.means) == len(self.sd) >= 2:
            raise ValueError("weights, means and sd need one value per mode, at least two modes")
        if min(self.weights) <= 0 or not np.isclose(sum(self.weights), 1.0):
            raise ValueError(f"weights must be positive and sum to 1, got {self.weights}")
        if min(self.sd) <= 0:
            raise ValueError(f"sd must be positive, got {self.sd}")

    @property
    def minority(self) -> int:
        """Index of the mode with the smallest weight."""
        return int(np.argmin(self.weights))

    @property
    def majority(self) -> int:
        """Index of the mode with the largest weight."""
        return int(np.argmax(self.weights))

    @property
    def total_sd(self) -> float:
        """Standard deviation of the whole mixture."""
        w, m, s = (np.asarray(a, float) for a in (self.weights, self.means, self.sd))
        centre = w @ m
        return float(np.sqrt(w @ (s**2 + (m - centre) ** 2)))

    def sample(self, n: int, *, rng: np.random.Generator) -> Dataset:
        """``n`` real items, shape (n, 1)."""
        mode = rng.choice(len(self.weights), size=n, p=np.asarray(self.weights))
        x = np.asarray(self.means)[mode] + np.asarray(self.sd)[mode] * rng.standard_normal(n)
        return Dataset.real(x[:, np.newaxis])

    def held_out(self, n: int = 2000) -> np.ndarray:
        """The world's own held-out real sample, the same on every call, shape (n, 1)."""
        return self.sample(n, rng=np.random.default_rng(np.random.SeedSequence(HELD_OUT))).X
