"""Metrics of conditional (regression) models against the world's truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Coefficients", "MSEToTruth"]


@dataclass(frozen=True)
class MSEToTruth:
    """Mean squared error between the fitted curve and the true function on the world's grid."""

    name = "mse_to_truth"

    def names(self, model) -> tuple[str, ...]:  # noqa: D102
        return (self.name,)

    def applies(self, model, world) -> bool:  # noqa: D102
        return (hasattr(model, "predict") and hasattr(world, "true_function")
                and hasattr(world, "grid"))

    def measure(self, model, world, context=None) -> dict[str, float]:  # noqa: D102
        grid = world.grid
        error = model.predict(grid) - world.true_function(grid)
        return {self.name: float(np.mean(error**2))}


@dataclass(frozen=True)
class Coefficients:
    """The fitted coefficients of 1, x, x², … as ``coef_0``, ``coef_1`` and so on."""

    name = "coefficients"

    def names(self, model) -> tuple[str, ...]:  # noqa: D102
        return tuple(f"coef_{k}" for k in range(model.degree + 1))

    def applies(self, model, world) -> bool:  # noqa: D102
        return hasattr(model, "degree")

    def measure(self, model, world, context=None) -> dict[str, float]:  # noqa: D102
        return {f"coef_{k}": float(c) for k, c in enumerate(model.coef_)}


