"""Retrieval for the Gaussian family: the frozen fit's moments pooled with k retrieved items.

The mean becomes (Nμ̂ + Σx)/(N + k), the second moments likewise: a
conjugate update in which the frozen model counts as its N training items.
"""

from __future__ import annotations

from copy import copy

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.families.gaussian.model import GaussianModel
from modelcollapse.policies.retrieval import corrects

__all__ = ["pooled_moments"]


@corrects(GaussianModel)
def pooled_moments(model: GaussianModel, data: Dataset, weight: int, world) -> GaussianModel:
    """The model with its mean and covariance pooled with the retrieved items."""
    X = np.asarray(data.X, dtype=float).reshape(len(data), -1)
    total = weight + len(X)
    mean = (weight * model.mean_ + X.sum(axis=0)) / total
    second = (weight * (model.cov_ + np.outer(model.mean_, model.mean_)) + X.T @ X) / total
    corrected = copy(model)
    corrected.mean_, corrected.cov_ = mean, second - np.outer(mean, mean)
    return corrected
