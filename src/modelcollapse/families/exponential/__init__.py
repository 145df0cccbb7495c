"""One-parameter exponential families, and the best weight to mix real with synthetic data.

Parameter risk has closed forms under replace, accumulate and a weighted mix
of fresh real with synthetic items (``theory.py``); ``kernel.py`` runs many
replicates as one array program.
"""

from __future__ import annotations

from modelcollapse.core import registry
from modelcollapse.families.exponential import theory
from modelcollapse.families.exponential.metrics import ParameterRisk
from modelcollapse.families.exponential.model import ExponentialFamilyModel
from modelcollapse.families.exponential.world import ExponentialFamilyWorld

__all__ = ["theory"]

registry.worlds.register("exponential-family")(ExponentialFamilyWorld)


@registry.models.register("exponential-family",
                          example={"world": "exponential-family", "samples": 30},
                          metrics=["parameter_risk"])
def _exponential_family(real_weight: float | None = None) -> ExponentialFamilyModel:
    """The maximum-likelihood parameter; with ``real_weight`` a weighted real/synthetic mean."""
    return ExponentialFamilyModel(real_weight=real_weight)


registry.metrics.register("parameter_risk")(ParameterRisk)
registry.theories.register("parameter_risk")(theory.chain_parameter_risk_theory)
