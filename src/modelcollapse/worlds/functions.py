"""Regression worlds: a true function observed with Gaussian noise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from modelcollapse.data import Dataset

__all__ = ["RegressionWorld", "cosine_world"]


@dataclass(frozen=True)
class RegressionWorld:
    """Inputs uniform on ``domain``, targets ``true_function(x) + N(0, noise**2)``.

    Parameters
    ----------
    true_function : callable
        Vectorised map from an array of inputs to the noise-free targets.
    noise : float
        Standard deviation of the observation noise.
    domain : tuple of float, default (0.0, 1.0)
        Interval the inputs are drawn from, uniformly.
    n_grid : int, default 100
        Number of evenly spaced points on ``domain`` where errors against the
        truth are measured.
    name : str, default "custom"
        Label used in results and figures.
    """

    true_function: Callable[[np.ndarray], np.ndarray]
    noise: float
    domain: tuple[float, float] = (0.0, 1.0)
    n_grid: int = 100
    name: str = "custom"

    def __post_init__(self) -> None:
        if not np.isfinite(self.noise) or self.noise < 0:
            raise ValueError(f"noise must be a finite number >= 0, got {self.noise}")
        low, high = self.domain
        if not low < high:
            raise ValueError(f"domain must be (low, high) with low < high, got {self.domain}")
        if self.n_grid < 2:
            raise ValueError(f"n_grid must be at least 2, got {self.n_grid}")

    @property
    def grid(self) -> np.ndarray:
        """Evaluation grid of shape (n_grid,)."""
        return np.linspace(*self.domain, self.n_grid)

    def draw_inputs(self, n: int, *, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n`` inputs uniformly on the domain, shape (n,)."""
        low, high = self.domain
        return low + (high - low) * rng.random(n)

    def label(self, X: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        """Label inputs with the true function plus observation noise."""
        return self.true_function(X) + self.noise * rng.standard_normal(len(X))

    def sample(self, n: int, *, rng: np.random.Generator) -> Dataset:
        """Draw ``n`` real labelled items."""
        X = self.draw_inputs(n, rng=rng)
        return Dataset.real(X, self.label(X, rng=rng))


def _cos_1_5_pi(x: np.ndarray) -> np.ndarray:
    return np.cos(1.5 * np.pi * x)


def cosine_world(noise: float = 0.1, n_grid: int = 100) -> RegressionWorld:
    """The post's world: x ~ U[0, 1], y = cos(1.5πx) + N(0, noise²)."""
    return RegressionWorld(_cos_1_5_pi, noise=noise, n_grid=n_grid, name="cosine")
