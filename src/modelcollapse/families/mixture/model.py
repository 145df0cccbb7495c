"""scikit-learn density models refitted on their own samples: Gaussian mixtures and KDE.

scikit-learn takes its randomness as ``random_state``. An integer there would
rebuild the same stream on every call, so every generation would reuse the
same noise and the "collapse" would be an artefact; each call here gets a
fresh ``RandomState`` seeded from the chain's own stream instead.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.core.model import DegenerateFitError, Model
from modelcollapse.core.rng import random_state_from

__all__ = ["GaussianMixtureModel", "KernelDensityModel"]


@dataclass
class GaussianMixtureModel(Model):
    """A Gaussian mixture fitted by EM (``sklearn.mixture.GaussianMixture``).

    Parameters
    ----------
    n_components : int, default 2
    covariance_type : {"full", "tied", "diag", "spherical"}, default "full"
    max_iter : int, default 100

    Attributes
    ----------
    mixture_ : sklearn.mixture.GaussianMixture
    """

    n_components: int = 2
    covariance_type: str = "full"
    max_iter: int = 100
    mixture_: object = field(init=False, repr=False, compare=False)

    conditional = False

    def __post_init__(self) -> None:
        if int(self.n_components) != self.n_components or self.n_components < 1:
            raise ValueError(f"n_components must be an integer >= 1, got {self.n_components}")
        if self.covariance_type not in ("full", "tied", "diag", "spherical"):
            raise ValueError("covariance_type must be full, tied, diag or spherical, "
                             f"got {self.covariance_type!r}")

    def fit(self, data: Dataset, *, rng: np.random.Generator) -> GaussianMixtureModel:
        """Fit by EM, initialised from ``rng``.

        Raises
        ------
        DegenerateFitError
            With fewer items than components, or a collapsed component.
        """
        from sklearn.mixture import GaussianMixture

        X = np.asarray(data.X, dtype=float).reshape(len(data), -1)
        if len(X) < self.n_components:
            raise DegenerateFitError(f"{len(X)} items cannot fit {self.n_components} components")
        from sklearn.exceptions import ConvergenceWarning

        mixture = GaussianMixture(self.n_components, covariance_type=self.covariance_type,
                                  max_iter=self.max_iter, random_state=random_state_from(rng))
        try:
            # EM stopping at max_iter is routine over thousands of generations: not a warning
            # worth printing each time.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                self.mixture_ = mixture.fit(X)
        except ValueError as error:  # scikit-learn's ill-defined covariance
            raise DegenerateFitError(str(error).splitlines()[0]) from None
        return self

    def sample(self, n: int, *, rng: np.random.Generator, X=None) -> Dataset:
        """Draw ``n`` items (shuffled: scikit-learn returns them grouped by component)."""
        self.mixture_.random_state = random_state_from(rng)
        items, _ = self.mixture_.sample(n)
        return Dataset.synthetic(items[rng.permutation(n)], None, 1)

    def _component_variances(self) -> np.ndarray:
        """Each component's average variance per dimension, shape (n_components,)."""
        m = self.mixture_
        d = m.means_.shape[1]
        return {"full": lambda c: np.trace(c, axis1=1, axis2=2) / d,
                "tied": lambda c: np.full(m.n_components, np.trace(c) / d),
                "diag": lambda c: c.mean(axis=1),
                "spherical": lambda c: c}[m.covariance_type](m.covariances_)

    def component_variances(self) -> np.ndarray:
        """Average variance per dimension of each component, shape (n_components,)."""
        return np.asarray(self._component_variances(), dtype=float)

    def component_spread(self) -> float:
        """Average variance per dimension of the components (a variance, despite the name)."""
        return float(np.mean(self._component_variances()))

    def component_sd(self) -> float:
        """Average standard deviation per dimension of the components (Shumailov's units)."""
        return float(np.mean(np.sqrt(self._component_variances())))

    def spread(self) -> float:
        """Average variance per dimension of the whole mixture (within plus between)."""
        m = self.mixture_
        between = np.sum((m.means_ - m.weights_ @ m.means_) ** 2, axis=1) / m.means_.shape[1]
        return float(m.weights_ @ (self._component_variances() + between))

    def score(self, X: np.ndarray) -> float:
        """Mean log-density of ``X``."""
        return float(self.mixture_.score(np.asarray(X, dtype=float)))


@dataclass
class KernelDensityModel(Model):
    """A Gaussian kernel density estimate (``sklearn.neighbors.KernelDensity``).

    Parameters
    ----------
    bandwidth : float, default 0.2
    """

    bandwidth: float = 0.2
    density_: object = field(init=False, repr=False, compare=False)

    conditional = False

    def __post_init__(self) -> None:
        if not self.bandwidth > 0:
            raise ValueError(f"bandwidth must be > 0, got {self.bandwidth}")

    def fit(self, data: Dataset, *, rng: np.random.Generator | None = None
            ) -> KernelDensityModel:
        """Store the data as kernel centres. ``rng`` is unused."""
        from sklearn.neighbors import KernelDensity

        X = np.asarray(data.X, dtype=float).reshape(len(data), -1)
        if len(X) == 0:
            raise DegenerateFitError("no items to place kernels on")
        self.density_ = KernelDensity(bandwidth=self.bandwidth).fit(X)
        return self

    def sample(self, n: int, *, rng: np.random.Generator, X=None) -> Dataset:
        """Draw ``n`` items: a random centre plus Gaussian kernel noise."""
        return Dataset.synthetic(self.density_.sample(n, random_state=random_state_from(rng)),
                                 None, 1)

    def spread(self) -> float:
        """Average variance per dimension: the centres' variance plus bandwidth²."""
        centres = np.asarray(self.density_.tree_.data)
        return float(centres.var(axis=0).mean() + self.bandwidth**2)

    def score(self, X: np.ndarray) -> float:
        """Mean log-density of ``X``."""
        return float(np.mean(self.density_.score_samples(np.asarray(X, dtype=float))))
