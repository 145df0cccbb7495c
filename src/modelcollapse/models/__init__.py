"""Models: ``fit(data, *, rng) -> self`` and ``sample(n, *, rng, X=None) -> Dataset``."""

from modelcollapse.models.regression import DegenerateFitError, PolynomialRegression

__all__ = ["DegenerateFitError", "PolynomialRegression"]
