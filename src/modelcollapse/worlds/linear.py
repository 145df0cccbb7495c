"""Linear-Gaussian regression worlds: y = xᵀw* + N(0, σ²) with x ~ N(0, I_d).

``design="fresh"`` draws new inputs every generation (Dohmatob, Feng & Kempe
2024); ``design="fixed"`` relabels generation 1's inputs every generation
(Gerstgrasser et al. 2024).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.data import Dataset

__all__ = ["LinearWorld"]

DESIGNS = ("fresh", "fixed")


@dataclass(frozen=True)
class LinearWorld:
    """Isotropic Gaussian inputs, a linear truth and Gaussian label noise.

    Parameters
    ----------
    dim : int, default 10
        Input dimension d.
    noise : float, default 1.0
        Label noise σ.
    design : {"fresh", "fixed"}, default "fresh"
        New inputs every generation, or generation 1's inputs relabelled.
    name : str, default "linear"

    Attributes
    ----------
    weights : ndarray of shape (d,)
        The true w*, all ones divided by √d (so ‖w*‖ = 1).
    """

    dim: int = 10
    noise: float = 1.0
    design: str = "fresh"
    name: str = "linear"

    def __post_init__(self) -> None:
        if int(self.dim) != self.dim or self.dim < 1:
            raise ValueError(f"dim must be an integer >= 1, got {self.dim}")
        if not np.isfinite(self.noise) or self.noise < 0:
            raise ValueError(f"noise must be a finite number >= 0, got {self.noise}")
        if self.design not in DESIGNS:
            raise ValueError(f"design must be 'fresh' or 'fixed', got {self.design!r}")

    @property
    def fixed_design(self) -> bool:
        """Whether every generation relabels generation 1's inputs."""
        return self.design == "fixed"

    @property
    def weights(self) -> np.ndarray:
        """The true coefficients w*."""
        return np.full(self.dim, 1.0 / np.sqrt(self.dim))

    def true_function(self, X: np.ndarray) -> np.ndarray:
        """The noise-free labels Xw*."""
        return X @ self.weights

    def draw_inputs(self, n: int, *, rng: np.random.Generator) -> np.ndarray:
        """``n`` inputs from N(0, I_d), shape (n, d)."""
        return rng.standard_normal((n, self.dim))

    def label(self, X: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        """Noisy true labels of ``X``."""
        return self.true_function(X) + self.noise * rng.standard_normal(len(X))

    def sample(self, n: int, *, rng: np.random.Generator) -> Dataset:
        """``n`` real labelled items."""
        X = self.draw_inputs(n, rng=rng)
        return Dataset.real(X, self.label(X, rng=rng))
