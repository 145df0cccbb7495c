"""Linear regression (least squares or ridge) with a Gaussian noise model."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.core.linalg import cholesky_solve
from modelcollapse.core.model import DegenerateFitError, Model

__all__ = ["LinearRegression"]


@dataclass
class LinearRegression(Model):
    """y ≈ Xw, fitted by least squares, or ridge with penalty ``ridge``·‖w‖².

    Parameters
    ----------
    ridge : float, default 0.0
        Ridge penalty λ: w = (XᵀX + λI)⁻¹Xᵀy.
    noise : float or None, default None
        Noise added when the model labels inputs; ``None`` uses the world's.
    min_norm : bool, default False
        Without ridge, fit the minimum-norm least-squares solution X⁺y, which
        interpolates when there are fewer inputs than coefficients (the
        over-parameterised generators of Dohmatob, Feng & Kempe 2024) instead
        of calling such a fit degenerate.

    Attributes
    ----------
    coef_ : ndarray of shape (d,)
    """

    batched_kernel = "modelcollapse.families.linear.kernel"

    ridge: float = 0.0
    noise: float | None = None
    min_norm: bool = False
    coef_: np.ndarray = field(init=False, repr=False, compare=False)

    conditional = True

    def __post_init__(self) -> None:
        if not np.isfinite(self.ridge) or self.ridge < 0:
            raise ValueError(f"ridge must be a finite number >= 0, got {self.ridge}")
        if self.noise is not None and (not np.isfinite(self.noise) or self.noise < 0):
            raise ValueError(f"noise must be a finite number >= 0, got {self.noise}")

    def fit(self, data: Dataset, *, rng: np.random.Generator | None = None) -> LinearRegression:
        """Solve the (ridge) normal equations.

        Raises
        ------
        DegenerateFitError
            Without ridge, when the inputs do not determine w (fewer than d
            independent rows).
        """
        X, y = np.asarray(data.X, float), np.asarray(data.y, float)
        if self.min_norm and not self.ridge:
            self.coef_ = np.linalg.lstsq(X, y, rcond=None)[0]
            return self
        gram = X.T @ X + self.ridge * np.eye(X.shape[1])
        # The batched kernel's rule, so both engines call the same fits degenerate.
        coef, singular = cholesky_solve(gram[:, :, np.newaxis], (X.T @ y)[:, np.newaxis])
        if singular[0]:
            raise DegenerateFitError(f"{len(X)} inputs cannot determine {X.shape[1]} "
                                     "coefficients: add ridge or samples")
        self.coef_ = coef[:, 0]
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Xw."""
        return np.asarray(X, float) @ self.coef_

    def sample(self, n: int, *, rng: np.random.Generator, X: np.ndarray,
               generation: int = 1) -> Dataset:
        """Label the inputs ``X`` with the fit plus Gaussian noise."""
        if len(X) != n:
            raise ValueError(f"asked for {n} samples but got {len(X)} inputs")
        if self.noise is None:
            raise ValueError("noise is None: set it, or let a Chain fill in the world's noise")
        return Dataset.synthetic(X, self.predict(X) + self.noise * rng.standard_normal(n),
                                 generation)
