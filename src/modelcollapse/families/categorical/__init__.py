"""Categorical laws: a Zipfian vocabulary resampled every generation, and low-background words.

Rare words vanish first (Dohmatob et al. 2024, "A Tale of Tails"); the closed
forms (``theory.py``), the batched kernel (``kernel.py``) and the retrieval
correction (``retrieval.py``) sit beside the world and the model.
"""

from __future__ import annotations

from functools import partial

from modelcollapse.core import registry
from modelcollapse.families.categorical import retrieval, theory
from modelcollapse.families.categorical.low_background import low_background_world
from modelcollapse.families.categorical.metrics import CATEGORICAL_METRICS, CategoricalMetric
from modelcollapse.families.categorical.model import CategoricalModel
from modelcollapse.families.categorical.world import zipf_world

__all__ = ["retrieval", "theory"]

registry.worlds.register("zipf")(zipf_world)
registry.worlds.register("low-background-words")(low_background_world)
registry.models.register("categorical", example={"world": {"name": "zipf", "vocabulary": 50},
                                                 "samples": 100},
                         metrics=["support_size", "entropy", "gini_simpson", "lost_mass",
                                  "rare_mass"])(CategoricalModel)
for _name in CATEGORICAL_METRICS:
    registry.metrics.register(_name)(partial(CategoricalMetric, _name))
registry.theories.register("gini_simpson", "rare_mass", "support_size")(theory.chain_replace_theory)
