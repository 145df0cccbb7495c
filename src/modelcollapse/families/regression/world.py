"""Regression worlds: a true function observed with Gaussian noise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.core.drift import check_drift

__all__ = ["RegressionWorld", "ShiftedFunction", "cosine_world"]


@dataclass(frozen=True)
class ShiftedFunction:
    """``function(x − shift)``: a true function moved right by ``shift``."""

    function: Callable[[np.ndarray], np.ndarray]
    shift: float

    def __call__(self, x: np.ndarray) -> np.ndarray:  # noqa: D102
        return self.function(np.asarray(x) - self.shift)


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
    drift : float, default 0.0
        How far the truth moves right per generation, in units of the input:
        generation g's truth is f(x − drift·(g − 1)) (a phase shift for a
        periodic f). Inputs stay uniform on the domain.
    generation : int, default 1
        The generation whose truth this is; :meth:`at` sets it.
    """

    true_function: Callable[[np.ndarray], np.ndarray]
    noise: float
    domain: tuple[float, float] = (0.0, 1.0)
    n_grid: int = 100
    name: str = "custom"
    drift: float = 0.0
    generation: int = 1

    def __post_init__(self) -> None:
        if not np.isfinite(self.noise) or self.noise < 0:
            raise ValueError(f"noise must be a finite number >= 0, got {self.noise}")
        low, high = self.domain
        if not low < high:
            raise ValueError(f"domain must be (low, high) with low < high, got {self.domain}")
        if self.n_grid < 2:
            raise ValueError(f"n_grid must be at least 2, got {self.n_grid}")
        check_drift(self.drift, "input units")

    def at(self, generation: int) -> RegressionWorld:
        """The world of ``generation``: the truth moved by drift·(generation − 1)."""
        if not self.drift:
            return self
        base = self.true_function
        if isinstance(base, ShiftedFunction):
            base = base.function
        shift = self.drift * (generation - 1)
        return replace(self, true_function=ShiftedFunction(base, shift) if shift else base,
                       generation=generation)

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


def cosine_world(noise: float = 0.1, n_grid: int = 100, drift: float = 0.0) -> RegressionWorld:
    """The post's world: x ~ U[0, 1], y = cos(1.5πx) + N(0, noise²).

    With ``drift`` the curve slides right by ``drift`` a generation: a phase
    lag of 1.5π·drift radians per generation.
    """
    return RegressionWorld(_cos_1_5_pi, noise=noise, n_grid=n_grid, name="cosine", drift=drift)
