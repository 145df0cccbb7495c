"""Gaussian mixtures and kernel density estimates refitted on their own samples.

Minority modes fade (Shumailov et al. 2024); ``theory.py`` holds the closed
form of the same erosion under a biased scorer (the selection-bias filter).
"""

from __future__ import annotations

from functools import partial

from modelcollapse.core import registry
from modelcollapse.families.mixture.density_metrics import DENSITY_METRICS, DensityMetric
from modelcollapse.families.mixture.metrics import MIXTURE_METRICS, MixtureMetric
from modelcollapse.families.mixture.model import GaussianMixtureModel, KernelDensityModel
from modelcollapse.families.mixture.world import MixtureWorld

registry.worlds.register("gaussian-mixture")(MixtureWorld)
registry.models.register(
    "gmm", example={"world": {"name": "gaussian", "dim": 2}, "model": {"n_components": 2},
                    "samples": 40},
    metrics=["spread", "component_spread", "held_out_ll"])(GaussianMixtureModel)
registry.models.register("kde", example={"world": "gaussian", "samples": 40},
                         metrics=["spread", "held_out_ll"])(KernelDensityModel)
for _name in MIXTURE_METRICS:
    registry.metrics.register(_name)(partial(MixtureMetric, _name))
for _name in DENSITY_METRICS:
    registry.metrics.register(_name)(partial(DensityMetric, _name))
