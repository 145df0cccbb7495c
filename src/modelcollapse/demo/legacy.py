"""The post's demonstration, digit for digit.

The post seeds numpy's legacy global generator with ``np.random.seed(0)``,
fits a cubic to 30 sorted uniform inputs with scikit-learn, then, continuing
the same stream, refits 500 times on data labelled by the previous model.
Here the same Mersenne Twister stream comes from a local
``numpy.random.RandomState(seed)`` (``np.random.seed`` seeds exactly that
generator behind the module functions), consumed in the post's order, and the
fits use the post's scikit-learn pipeline, so every coefficient is the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures

from modelcollapse.core.results import frame_from_arrays

__all__ = ["PostDemo", "run_post_demo"]


@dataclass(frozen=True)
class PostDemo:
    """What the post computed.

    Attributes
    ----------
    X, y : ndarray of shape (n_samples,)
        The first figure's sorted inputs and noisy labels.
    grid, truth : ndarray of shape (100,)
        The post's evaluation grid and the true function on it.
    first_fit : ndarray of shape (100,)
        The first cubic evaluated on the grid.
    chain_curves : ndarray of shape (n_generations, 100)
        Every chain model evaluated on the grid; generation g at row g − 1.
    chain_coefficients : ndarray of shape (n_generations, degree + 1)
        Coefficients of 1, x, x², … of every chain model.
    """

    X: np.ndarray
    y: np.ndarray
    grid: np.ndarray
    truth: np.ndarray
    first_fit: np.ndarray
    first_coefficients: np.ndarray
    chain_curves: np.ndarray
    chain_coefficients: np.ndarray

    @property
    def chain_errors(self) -> np.ndarray:
        """MSE of every chain model against the truth on the grid."""
        return np.mean((self.chain_curves - self.truth) ** 2, axis=1)

    def frame(self) -> pd.DataFrame:
        """Tidy rows of the chain (replicate 0): ``mse_to_truth`` and ``coef_k``."""
        p = self.chain_coefficients.shape[1]
        values = np.concatenate([self.chain_errors[:, None], self.chain_coefficients], axis=1)
        names = ["mse_to_truth"] + [f"coef_{k}" for k in range(p)]
        degenerate = np.zeros((len(values), 1), dtype=bool)
        return frame_from_arrays(values[:, None, :], names, np.array([0]), degenerate)


def _true_function(x: np.ndarray) -> np.ndarray:
    return np.cos(1.5 * np.pi * x)


def _fit(X: np.ndarray, y: np.ndarray, degree: int):
    return make_pipeline(PolynomialFeatures(degree), LinearRegression()).fit(X[:, np.newaxis], y)


def _coefficients(pipeline) -> np.ndarray:
    regression = pipeline[-1]
    coef = regression.coef_.copy()
    coef[0] += regression.intercept_  # the bias column's weight and the intercept add up
    return coef


def run_post_demo(n_generations: int = 500, n_samples: int = 30, degree: int = 3,
                  noise: float = 0.1, seed: int = 0) -> PostDemo:
    """Replay the post: its first fit, then its chain, on one legacy stream.

    Parameters
    ----------
    n_generations : int, default 500
        Models in the chain; the first is fitted to data labelled by the truth.
    n_samples : int, default 30
    degree : int, default 3
    noise : float, default 0.1
    seed : int, default 0
        The post's ``np.random.seed`` argument.
    """
    stream = np.random.RandomState(seed)
    grid = np.linspace(0, 1, 100)
    truth = _true_function(grid)

    X = np.sort(stream.rand(n_samples))
    y = _true_function(X) + stream.randn(n_samples) * noise
    first = _fit(X, y, degree)

    curves = np.empty((n_generations, len(grid)))
    coefficients = np.empty((n_generations, degree + 1))
    previous = None
    for g in range(n_generations):
        Xg = np.sort(stream.rand(n_samples))
        clean = _true_function(Xg) if previous is None else previous.predict(Xg[:, np.newaxis])
        previous = _fit(Xg, clean + stream.randn(n_samples) * noise, degree)
        curves[g] = previous.predict(grid[:, np.newaxis])
        coefficients[g] = _coefficients(previous)
    return PostDemo(X, y, grid, truth, first.predict(grid[:, np.newaxis]), _coefficients(first),
                    curves, coefficients)
