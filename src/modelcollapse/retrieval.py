"""Correcting a frozen model at prediction time with k retrieved real items.

The frozen model counts as ``weight`` items of evidence (its training-set
size); the k items retrieved from the current world are added to that
evidence in closed form, as a conjugate update would: the model is never
refitted, and the correction of one generation is not carried to the next.

- Gaussian: first and second moments pooled, mean (Nμ̂ + Σx)/(N + k).
- Categorical: counts pooled, p = (Np̂ + counts)/(N + k), so words the frozen
  model never saw get mass once retrieved.
- Polynomial and linear regression: least squares with the frozen fit as a
  prior of N items, β = (N·G + ΦᵀΦ)⁻¹(N·G·β̂ + Φᵀy), G the second moments of
  the features under the input law (the world's grid for polynomials, I for
  x ~ N(0, I)).
"""

from __future__ import annotations

from copy import copy

import numpy as np

from modelcollapse.data import Dataset
from modelcollapse.models.categorical import CategoricalModel
from modelcollapse.models.density import GaussianModel
from modelcollapse.models.linear import LinearRegression
from modelcollapse.models.regression import (
    PolynomialRegression,
    to_unit_interval,
    unit_vandermonde,
)

__all__ = ["correct", "supports_retrieval"]


def _gaussian(model: GaussianModel, data: Dataset, weight: int, world) -> GaussianModel:
    X = np.asarray(data.X, dtype=float).reshape(len(data), -1)
    total = weight + len(X)
    mean = (weight * model.mean_ + X.sum(axis=0)) / total
    second = (weight * (model.cov_ + np.outer(model.mean_, model.mean_)) + X.T @ X) / total
    corrected = copy(model)
    corrected.mean_, corrected.cov_ = mean, second - np.outer(mean, mean)
    return corrected


def _categorical(model: CategoricalModel, data: Dataset, weight: int, world) -> CategoricalModel:
    items = np.asarray(data.X, dtype=np.int64)
    size = max(len(model.probabilities_), int(items.max()) + 1 if len(items) else 0)
    evidence = np.zeros(size)
    evidence[:len(model.probabilities_)] = weight * model.probabilities_
    evidence += np.bincount(items, minlength=size)
    corrected = copy(model)
    corrected.probabilities_ = evidence / evidence.sum()
    return corrected


def _with_prior(coef: np.ndarray, prior_gram: np.ndarray, design: np.ndarray, y: np.ndarray,
                weight: int) -> np.ndarray:
    """Least squares on ``design``, ``y`` with a prior of ``weight`` items centred on ``coef``."""
    gram = weight * prior_gram + design.T @ design
    return np.linalg.solve(gram, weight * prior_gram @ coef + design.T @ y)


def _polynomial(model: PolynomialRegression, data: Dataset, weight: int,
                world) -> PolynomialRegression:
    def features(x):
        return unit_vandermonde(to_unit_interval(np.asarray(x, float), model.domain),
                                model.degree)
    grid = features(world.grid)
    corrected = copy(model)
    corrected.coef_unit_ = _with_prior(model.coef_unit_, grid.T @ grid / len(grid),
                                       features(data.X), np.asarray(data.y, float), weight)
    return corrected


def _linear(model: LinearRegression, data: Dataset, weight: int, world) -> LinearRegression:
    X = np.asarray(data.X, float)
    corrected = copy(model)
    corrected.coef_ = _with_prior(model.coef_, np.eye(X.shape[1]), X,
                                  np.asarray(data.y, float), weight)
    return corrected


_CORRECTIONS = {
    GaussianModel: _gaussian,
    CategoricalModel: _categorical,
    PolynomialRegression: _polynomial,
    LinearRegression: _linear,
}


def supports_retrieval(model) -> bool:
    """Whether a closed-form retrieval correction exists for ``model``'s family."""
    return type(model) in _CORRECTIONS


def correct(model, data: Dataset, *, weight: int, world):
    """A copy of the fitted ``model`` corrected by the retrieved real items ``data``.

    Parameters
    ----------
    model : GaussianModel, CategoricalModel, PolynomialRegression or LinearRegression
        A fitted model; left unchanged.
    data : Dataset
        The k retrieved items, drawn from the current world.
    weight : int
        How many items the frozen model's fit is worth (its training-set size).
    world : object
        The current world (the polynomial correction weights errors on its grid).
    """
    return _CORRECTIONS[type(model)](model, data, weight, world)
