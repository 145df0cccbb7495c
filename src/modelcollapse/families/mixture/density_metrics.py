"""Metrics of scikit-learn density models: spreads and held-out log-likelihood."""

from __future__ import annotations

from dataclasses import dataclass

from modelcollapse.core.named_metric import NamedMetric

__all__ = ["DENSITY_METRICS", "DensityMetric"]

DENSITY_METRICS = {
    "spread": "average variance per dimension of the model's distribution",
    "component_spread": "average variance per dimension of a mixture's components (a "
                        "variance: square of a standard deviation)",
    "component_sd": "average standard deviation per dimension of a mixture's components, "
                    "the units Shumailov et al. report",
    "held_out_ll": "mean log-density of the world's held-out real sample",
}


@dataclass(frozen=True)
class DensityMetric(NamedMetric):
    """One metric of a fitted mixture or kernel density (a key of :data:`DENSITY_METRICS`)."""

    known = DENSITY_METRICS
    family = "density"

    def applies(self, model, world) -> bool:  # noqa: D102
        if not hasattr(model, "score"):
            return False
        if self.name in ("component_spread", "component_sd"):
            return hasattr(model, "n_components")
        return self.name != "held_out_ll" or hasattr(world, "held_out")

    def measure(self, model, world, context=None) -> dict[str, float]:  # noqa: D102
        if self.name == "held_out_ll":
            return {self.name: model.score(world.held_out())}
        return {self.name: getattr(model, self.name)()}
