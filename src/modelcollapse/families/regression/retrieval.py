"""Retrieval for the polynomial: least squares with the frozen fit as a prior of N items.

β = (N·G + ΦᵀΦ)⁻¹(N·G·β̂ + Φᵀy), G the second moments of the features on
the world's grid.
"""

from __future__ import annotations

from copy import copy

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.core.linalg import least_squares_with_prior
from modelcollapse.families.regression.model import (
    PolynomialRegression,
    to_unit_interval,
    unit_vandermonde,
)
from modelcollapse.policies.retrieval import corrects

__all__ = ["with_prior"]


@corrects(PolynomialRegression)
def with_prior(model: PolynomialRegression, data: Dataset, weight: int,
                world) -> PolynomialRegression:
    """The fit with the retrieved items added to the frozen fit as prior evidence."""
    def features(x):
        return unit_vandermonde(to_unit_interval(np.asarray(x, float), model.domain),
                                model.degree)
    grid = features(world.grid)
    corrected = copy(model)
    corrected.coef_unit_ = least_squares_with_prior(model.coef_unit_, grid.T @ grid / len(grid),
                                       features(data.X), np.asarray(data.y, float), weight)
    return corrected
