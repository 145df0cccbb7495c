"""Self-training classifiers: each generation learns labels its predecessor wrote."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.core.model import DegenerateFitError, Model
from modelcollapse.core.rng import random_state_from
from modelcollapse.core.sklearn_lookup import build_sklearn

__all__ = ["SklearnClassifier", "sklearn_classifier"]

LABELLING = ("argmax", "sample")


def sklearn_classifier(path: str, params: dict | None = None):
    """Build a scikit-learn classifier from its path under ``sklearn`` (see build_sklearn)."""
    return build_sklearn("classifier", path, params)


@dataclass
class SklearnClassifier(Model):
    """A scikit-learn classifier; it labels new inputs by argmax or by sampling its probabilities.

    Parameters
    ----------
    estimator : sklearn classifier
        The unfitted template (cloned, with a fresh ``random_state``, every fit).
    labelling : {"argmax", "sample"}, default "argmax"
    """

    estimator: object
    labelling: str = "argmax"
    fitted_: object = field(init=False, repr=False, compare=False)

    conditional = True

    def __post_init__(self) -> None:
        if self.labelling not in LABELLING:
            raise ValueError(f"labelling must be 'argmax' or 'sample', got {self.labelling!r}")

    def fit(self, data: Dataset, *, rng: np.random.Generator) -> SklearnClassifier:
        """Fit a fresh clone on ``data``."""
        import warnings

        from sklearn.base import clone
        from sklearn.dummy import DummyClassifier
        from sklearn.exceptions import ConvergenceWarning

        X, y = np.asarray(data.X, float), np.asarray(data.y)
        if len(np.unique(y)) == 1:
            # Self-training has collapsed onto one class: the model says that class everywhere.
            self.fitted_ = DummyClassifier(strategy="most_frequent").fit(X, y)
            return self
        estimator = clone(self.estimator)
        if "random_state" in estimator.get_params():
            estimator.set_params(random_state=random_state_from(rng))
        with warnings.catch_warnings():  # iterative solvers stopping early is routine here
            warnings.simplefilter("ignore", ConvergenceWarning)
            try:
                self.fitted_ = estimator.fit(X, y)
            except ValueError as error:  # settings were checked up front: this is the data
                raise DegenerateFitError(f"cannot fit {len(y)} item(s): {error}") from None
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Most probable labels."""
        return self.fitted_.predict(np.asarray(X, float))

    def sample(self, n: int, *, rng: np.random.Generator, X: np.ndarray) -> Dataset:
        """Label the inputs ``X``: argmax, or a draw from the predicted probabilities."""
        if self.labelling == "argmax":
            return Dataset.synthetic(X, self.predict(X), 1)
        probabilities = self.fitted_.predict_proba(np.asarray(X, float))
        cumulative = np.cumsum(probabilities, axis=1)
        draws = rng.random((n, 1)) * cumulative[:, -1:]
        index = np.minimum((draws > cumulative).sum(axis=1), probabilities.shape[1] - 1)
        return Dataset.synthetic(X, self.fitted_.classes_[index], 1)
