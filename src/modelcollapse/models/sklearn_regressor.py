"""Any scikit-learn regressor as a chain model, with a Gaussian noise model for sampling."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import numpy as np

from modelcollapse.data import Dataset
from modelcollapse.models.mixture import random_state_from

__all__ = ["SklearnRegressor", "sklearn_estimator"]


def sklearn_estimator(path: str, params: dict | None = None):
    """Build a scikit-learn regressor from its path under ``sklearn``.

    For example ``"tree.DecisionTreeRegressor"`` or ``"neighbors.KNeighborsRegressor"``.

    Only classes inside scikit-learn are reachable, so an experiment file
    cannot make modelcollapse import arbitrary code.

    Raises
    ------
    ValueError
        For a path outside scikit-learn, an unknown class, or a non-regressor.
    """
    from sklearn.base import RegressorMixin

    module_name, _, class_name = path.rpartition(".")
    if not module_name or not all(part.isidentifier() for part in path.split(".")):
        raise ValueError(f"estimator {path!r}: write it as module.Class under sklearn, "
                         "e.g. 'tree.DecisionTreeRegressor'")
    try:
        cls = getattr(importlib.import_module(f"sklearn.{module_name}"), class_name)
    except (ImportError, AttributeError):
        raise ValueError(f"estimator {path!r} is not a scikit-learn class "
                         "(e.g. 'neighbors.KNeighborsRegressor')") from None
    if not (isinstance(cls, type) and issubclass(cls, RegressorMixin)):
        raise ValueError(f"estimator {path!r} is not a regressor")
    return cls(**(params or {}))


@dataclass
class SklearnRegressor:
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

    def clone(self) -> SklearnRegressor:
        """Return an unfitted copy with the same settings."""
        return SklearnRegressor(self.estimator, self.noise)

    def fit(self, data: Dataset, *, rng: np.random.Generator) -> SklearnRegressor:
        """Fit a fresh clone of the estimator."""
        from sklearn.base import clone

        estimator = clone(self.estimator)
        if "random_state" in estimator.get_params():
            estimator.set_params(random_state=random_state_from(rng))
        X = np.asarray(data.X, dtype=float).reshape(len(data), -1)
        self.fitted_ = estimator.fit(X, np.asarray(data.y, dtype=float))
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
