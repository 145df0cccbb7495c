"""The linear family's metric: excess risk of the fitted weights."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ExcessRisk"]


@dataclass(frozen=True)
class ExcessRisk:
    """‖ŵ − w*‖²: the test error above the noise floor for x ~ N(0, I)."""

    name = "excess_risk"

    def names(self, model) -> tuple[str, ...]:  # noqa: D102
        return (self.name,)

    def applies(self, model, world) -> bool:  # noqa: D102
        return hasattr(model, "ridge") and hasattr(world, "weights")

    def measure(self, model, world, context=None) -> dict[str, float]:  # noqa: D102
        return {self.name: float(np.sum((model.coef_ - world.weights) ** 2))}
