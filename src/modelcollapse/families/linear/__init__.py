"""Linear regression in d dimensions: replace, accumulate, drift and fresh designs.

Excess risk has closed forms under replace, accumulate and a frozen model in
a drifting world (``theory.py``), and Theorem 4.1 of Dohmatob et al. (2024)
for a downstream model trained on generated labels (``downstream.py``).
"""

from __future__ import annotations

from modelcollapse.core import registry
from modelcollapse.families.linear import retrieval, theory
from modelcollapse.families.linear.downstream import DownstreamRisk
from modelcollapse.families.linear.metrics import ExcessRisk
from modelcollapse.families.linear.model import LinearRegression
from modelcollapse.families.linear.world import LinearWorld

__all__ = ["retrieval", "theory"]

registry.worlds.register("linear")(LinearWorld)
registry.models.register("linear", example={"world": {"name": "linear", "dim": 3}, "samples": 20},
                         metrics=["excess_risk"])(LinearRegression)
registry.metrics.register("excess_risk")(ExcessRisk)
registry.metrics.register("downstream_excess_risk")(DownstreamRisk)
registry.theories.register("excess_risk")(theory.chain_excess_risk_theory)
registry.theories.register("downstream_excess_risk")(theory.chain_downstream_theory)
