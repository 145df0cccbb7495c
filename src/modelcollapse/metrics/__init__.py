"""Metrics: ``measure(model, world) -> {name: float}`` after every generation."""

from modelcollapse.metrics.predictive import Coefficients, ExcessRisk, Metric, MSEToTruth

__all__ = ["Coefficients", "ExcessRisk", "MSEToTruth", "Metric"]
