"""Metrics: ``measure(model, world) -> {name: float}`` after every generation."""

from modelcollapse.metrics.predictive import Coefficients, Metric, MSEToTruth

__all__ = ["Coefficients", "MSEToTruth", "Metric"]
