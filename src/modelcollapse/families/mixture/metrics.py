"""What a fitted 1-D mixture kept of a mixture world: the minority's weight and the spread."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from modelcollapse.core.named_metric import NamedMetric

__all__ = ["MIXTURE_METRICS", "MixtureMetric", "minority_region", "mixture_figures"]

MIXTURE_METRICS = {
    "minority_weight": "model mass in the world's minority region (the points nearer the "
                       "minority mode than the mode next to it)",
    "dispersion_ratio": "standard deviation of the fitted mixture over the world's",
}


def minority_region(world) -> tuple[float, float]:
    """The minority region of ``world`` as ``(boundary, side)``: x·side > boundary·side.

    The boundary is the midpoint between the minority mode and the mode next to it,
    so the region holds the points nearer the minority mode. A region, unlike a
    fitted component, means the same thing when a refit splits the majority
    mode in two after the minority has gone.
    """
    means = np.asarray(world.means, float)
    minority = means[world.minority]
    others = np.delete(means, world.minority)
    neighbour = others[np.argmin(np.abs(others - minority))]
    return float((minority + neighbour) / 2), float(np.sign(minority - neighbour))


def mixture_figures(weights: np.ndarray, means: np.ndarray, variances: np.ndarray,
                    world) -> dict[str, float]:
    """Both figures of a 1-D mixture given by its parameters, against ``world``."""
    boundary, side = minority_region(world)
    mass = weights @ ndtr(side * (means - boundary) / np.sqrt(variances))
    centre = weights @ means
    sd = np.sqrt(weights @ (variances + (means - centre) ** 2))
    return {"minority_weight": float(mass), "dispersion_ratio": float(sd / world.total_sd)}


@dataclass(frozen=True)
class MixtureMetric(NamedMetric):
    """One figure of a fitted Gaussian mixture (a key of :data:`MIXTURE_METRICS`)."""

    known = MIXTURE_METRICS
    family = "mixture"

    def applies(self, model, world) -> bool:  # noqa: D102
        return hasattr(model, "n_components") and hasattr(world, "minority")

    def measure(self, model, world, context=None) -> dict[str, float]:  # noqa: D102
        m = model.mixture_
        figures = mixture_figures(m.weights_, m.means_[:, 0], model.component_variances(),
                                  world)
        return {self.name: figures[self.name]}
