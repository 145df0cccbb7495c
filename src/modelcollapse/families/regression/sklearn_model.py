"""Any scikit-learn regressor as a chain model, with a Gaussian noise model for sampling."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.core.model import DegenerateFitError, Model
from modelcollapse.core.rng import random_state_from
from modelcollapse.core.sklearn_lookup import build_sklearn

__all__ = ["SklearnRegressor", "sklearn_estimator"]


def sklearn_estimator(path: str, params: dict | None = None):
    """Build a scikit-learn regressor from its path under ``sklearn`` (see build_sklearn)."""
    return build_sklearn("regressor", path, params)


@dataclass
class SklearnRegressor(Model):
    """A scikit-learn regressor refitted each generation; its samples add Gaussian noise.

    Every fit works on a fresh clone, and an estimator with a ``random_state``
    gets a new ``RandomState`` drawn from the chain's stream each time, never an
    integer (which would replay the same randomness every generation).

    Parameters
    ----------
    estimator : sklearn regressor
        The unfitted template.
    noise : float or None, default None
        Noise added when the model labels inputs; ``None`` uses the world's.
    """

    estimator: object
    noise: float | None = None
    fitted_: object = field(init=False, repr=False, compare=False)

    conditional = True

    def __post_init__(self) -> None:
        if self.noise is not None and (not np.isfinite(self.noise) or self.noise < 0):
            raise ValueError(f"noise must be a finite number >= 0, got {self.noise}")

    def fit(self, data: Dataset, *, rng: np.random.Generator) -> SklearnRegressor:
        """Fit a fresh clone of the estimator."""
        from sklearn.base import clone

        estimator = clone(self.estimator)
        if "random_state" in estimator.get_params():
            estimator.set_params(random_state=random_state_from(rng))
        X = np.asarray(data.X, dtype=float).reshape(len(data), -1)
        try:
            self.fitted_ = estimator.fit(X, np.asarray(data.y, dtype=float))
            # Some estimators accept too little data and fail only when asked to predict
            # (k neighbours among fewer than k points): find out now, while fitting.
            self.fitted_.predict(X[:1])
        except ValueError as error:  # settings were checked up front: this is the data
            raise DegenerateFitError(f"cannot fit {len(data)} item(s): {error}") from None
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The estimator's predictions at ``X``."""
        X = np.asarray(X, dtype=float)
        return self.fitted_.predict(X.reshape(len(X), -1))

    def sample(self, n: int, *, rng: np.random.Generator, X: np.ndarray) -> Dataset:
        """Label the inputs ``X`` with the predictions plus Gaussian noise."""
        if self.noise is None:
            raise ValueError("noise is None: set it, or let a Chain fill in the world's noise")
        return Dataset.synthetic(X, self.predict(X) + self.noise * rng.standard_normal(n), 1)
