"""The Gaussian family: a normal law refitted on its own samples, and imputation from it.

Variance shrinks under replace as Shumailov et al. (2024) prove; the closed
forms (``theory.py``), the batched kernel (``kernel.py``) and the retrieval
correction (``retrieval.py``) sit beside the world and the model.
"""

from __future__ import annotations

from functools import partial

from modelcollapse.core import registry
from modelcollapse.families.gaussian import retrieval, theory
from modelcollapse.families.gaussian.imputed import imputed_gaussian_world
from modelcollapse.families.gaussian.metrics import GAUSSIAN_METRICS, GaussianMetric
from modelcollapse.families.gaussian.model import GaussianModel
from modelcollapse.families.gaussian.world import gaussian_world

__all__ = ["retrieval", "theory"]

registry.worlds.register("gaussian")(gaussian_world)
registry.worlds.register("imputed-gaussian")(imputed_gaussian_world)
registry.models.register(
    "gaussian", example={"world": {"name": "gaussian", "dim": 2}, "samples": 20},
    metrics=["variance", "log_variance", "w2", "kl", "tail_mass"])(GaussianModel)
for _name in GAUSSIAN_METRICS:
    registry.metrics.register(_name)(partial(GaussianMetric, _name))
registry.theories.register("variance", "log_variance")(theory.chain_replace_theory)
registry.theories.register("variance")(theory.chain_self_correction_theory)
