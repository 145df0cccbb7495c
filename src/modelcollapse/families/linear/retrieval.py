"""Retrieval for linear regression: least squares with the frozen fit as a prior of N items.

β = (N·I + XᵀX)⁻¹(N·β̂ + Xᵀy): the features' second moments are I for
x ~ N(0, I).
"""

from __future__ import annotations

from copy import copy

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.core.linalg import least_squares_with_prior
from modelcollapse.families.linear.model import LinearRegression
from modelcollapse.policies.retrieval import corrects

__all__ = ["with_prior"]


@corrects(LinearRegression)
def with_prior(model: LinearRegression, data: Dataset, weight: int, world) -> LinearRegression:
    """The fit with the retrieved items added to the frozen fit as prior evidence."""
    X = np.asarray(data.X, float)
    corrected = copy(model)
    corrected.coef_ = least_squares_with_prior(model.coef_, np.eye(X.shape[1]), X,
                                  np.asarray(data.y, float), weight)
    return corrected
