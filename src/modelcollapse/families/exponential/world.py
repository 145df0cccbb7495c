"""One-parameter exponential families, for the π²/6 bound across families (Dey & Donoho 2024).

Each family is estimated by the mean of one statistic per item, whose mean is
the parameter θ and whose variance given θ is a quadratic c₀ + c₁θ + c₂θ²:

| family | item | statistic | θ | variance of the statistic |
|---|---|---|---|---|
| ``gaussian-mean`` | N(θ, 1) | y | mean | 1 |
| ``gaussian-variance`` | N(0, θ) | y² | variance | 2θ² |
| ``poisson`` | Poisson(θ) | y | rate | θ |
| ``bernoulli`` | Bernoulli(θ) | y | probability | θ − θ² |
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.core.data import Dataset

__all__ = ["FAMILIES", "ExponentialFamilyWorld", "draw", "statistic"]

FAMILIES = {  # name: (c₀, c₁, c₂) of the statistic's variance given θ
    "gaussian-mean": (1.0, 0.0, 0.0),
    "gaussian-variance": (0.0, 0.0, 2.0),
    "poisson": (0.0, 1.0, 0.0),
    "bernoulli": (0.0, 1.0, -1.0),
}


def draw(family: str, theta: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` items of ``family`` with parameter ``theta``, shape (n, 1)."""
    if family == "gaussian-mean":
        y = theta + rng.standard_normal(n)
    elif family == "gaussian-variance":
        y = np.sqrt(theta) * rng.standard_normal(n)
    elif family == "poisson":
        y = rng.poisson(theta, n).astype(float)
    else:
        y = (rng.random(n) < theta).astype(float)
    return y[:, np.newaxis]


def statistic(family: str, X: np.ndarray) -> np.ndarray:
    """Each item's statistic, whose mean estimates θ: y, or y² for the variance."""
    y = np.asarray(X, float)[:, 0]
    return y**2 if family == "gaussian-variance" else y


@dataclass(frozen=True)
class ExponentialFamilyWorld:
    """Real data from one family with a known parameter.

    Parameters
    ----------
    family : {"gaussian-mean", "gaussian-variance", "poisson", "bernoulli"}, default "poisson"
    theta : float, default 1.0
        The true parameter θ: a mean, a variance (> 0), a rate (> 0) or a
        probability (in (0, 1)).
    name : str, default "exponential-family"
    """

    family: str = "poisson"
    theta: float = 1.0
    name: str = "exponential-family"

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"family must be one of {', '.join(FAMILIES)}, got {self.family!r}")
        if not np.isfinite(self.theta):
            raise ValueError(f"theta must be finite, got {self.theta}")
        if self.family in ("gaussian-variance", "poisson") and self.theta <= 0:
            raise ValueError(f"theta of the {self.family} family must be > 0, got {self.theta}")
        if self.family == "bernoulli" and not 0 < self.theta < 1:
            raise ValueError(f"theta of the bernoulli family must lie in (0, 1), "
                             f"got {self.theta}")

    def sample(self, n: int, *, rng: np.random.Generator) -> Dataset:
        """``n`` real items, shape (n, 1)."""
        return Dataset.real(draw(self.family, self.theta, n, rng))
