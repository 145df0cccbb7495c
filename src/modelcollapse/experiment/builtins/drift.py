"""A world that changes: frozen, retrieval and fresh-only policies; distillation and imputation.

Drift itself is a setting of the classical worlds (``gaussian``, ``zipf``,
``linear``: ``drift = …``); this module adds the ways to keep a model in a
drifting world and the two legitimate uses of synthetic data.
"""

from __future__ import annotations

from modelcollapse import staleness
from modelcollapse.experiment.registry import models, policies, worlds
from modelcollapse.models import PolynomialRegression
from modelcollapse.models.distillation import Distillation
from modelcollapse.worlds.imputed import imputed_gaussian_world

policies.register("frozen")(staleness.Frozen)
policies.register("retrieval")(staleness.Retrieval)
policies.register("fresh-only")(staleness.FreshOnly)
policies.register("distill")(staleness.Distill)

worlds.register("imputed-gaussian")(imputed_gaussian_world)


@models.register("distillation", example={"world": "cosine", "samples": 30},
                 metrics=["mse_to_truth"])
def _distillation(teacher_degree: int = 5, student_degree: int = 3,
                  noise: float | None = None):
    """A polynomial teacher on real data, a smaller polynomial student on model-written data."""
    return Distillation(PolynomialRegression(teacher_degree, noise),
                        PolynomialRegression(student_degree, noise))
