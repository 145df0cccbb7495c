"""Linear-Gaussian regression worlds: y = xᵀw* + N(0, σ²) with x ~ N(0, I_d).

``design="fresh"`` draws new inputs every generation (Dohmatob, Feng & Kempe
2024); ``design="fixed"`` relabels generation 1's inputs every generation
(Gerstgrasser et al. 2024).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.core.drift import check_drift

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
    drift : float, default 0.0
        Distance w* moves per generation, along (e₁ − e₂)/√2 (orthogonal to
        the first w*; along e₁ when d = 1).
    generation : int, default 1
        The generation whose truth this is; :meth:`at` sets it.

    Attributes
    ----------
    weights : ndarray of shape (d,)
        The true w*: in generation 1 all ones divided by √d (so ‖w*‖ = 1).
    """

    dim: int = 10
    noise: float = 1.0
    design: str = "fresh"
    name: str = "linear"
    drift: float = 0.0
    generation: int = 1

    def __post_init__(self) -> None:
        if int(self.dim) != self.dim or self.dim < 1:
            raise ValueError(f"dim must be an integer >= 1, got {self.dim}")
        if not np.isfinite(self.noise) or self.noise < 0:
            raise ValueError(f"noise must be a finite number >= 0, got {self.noise}")
        if self.design not in DESIGNS:
            raise ValueError(f"design must be 'fresh' or 'fixed', got {self.design!r}")
        check_drift(self.drift, "distance")

    def at(self, generation: int) -> LinearWorld:
        """The world of ``generation``: w* moved by drift·(generation − 1)."""
        return replace(self, generation=generation) if self.drift else self

    @property
    def fixed_design(self) -> bool:
        """Whether every generation relabels generation 1's inputs."""
        return self.design == "fixed"

    @property
    def weights(self) -> np.ndarray:
        """The true coefficients w* of this generation."""
        weights = np.full(self.dim, 1.0 / np.sqrt(self.dim))
        direction = np.zeros(self.dim)
        direction[0] = 1.0
        if self.dim > 1:
            direction[:2] = np.sqrt(0.5), -np.sqrt(0.5)
        return weights + self.drift * (self.generation - 1) * direction

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
