"""The squared error of a fitted exponential-family parameter."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ParameterRisk"]


@dataclass(frozen=True)
class ParameterRisk:
    """(θ̂ − θ)², the risk Dey & Donoho (2024) bound across families."""

    name = "parameter_risk"

    def names(self, model) -> tuple[str, ...]:  # noqa: D102
        return (self.name,)

    def applies(self, model, world) -> bool:  # noqa: D102
        return hasattr(world, "theta") and hasattr(model, "for_world") and hasattr(
            world, "family")

    def measure(self, model, world, context=None) -> dict[str, float]:  # noqa: D102
        return {self.name: (model.theta_ - world.theta) ** 2}
