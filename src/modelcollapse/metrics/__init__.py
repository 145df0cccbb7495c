"""Metrics: ``measure(model, world, context) -> {name: float}`` after every generation."""

from modelcollapse.metrics.base import MeasureContext, Metric
from modelcollapse.metrics.predictive import Coefficients, ExcessRisk, MSEToTruth

__all__ = ["Coefficients", "ExcessRisk", "MSEToTruth", "MeasureContext", "Metric"]
