"""Regression: a noisy true curve refitted by a polynomial or a scikit-learn regressor.

The post's family. The polynomial has a batched kernel (``kernel.py``), a
closed form (``theory.py``) and a retrieval correction (``retrieval.py``);
the distillation model pairs a large polynomial teacher with a small student.
"""

from __future__ import annotations

from modelcollapse.core import registry
from modelcollapse.families.regression import retrieval, theory
from modelcollapse.families.regression.metrics import Coefficients, MSEToTruth
from modelcollapse.families.regression.model import PolynomialRegression
from modelcollapse.families.regression.sklearn_model import SklearnRegressor, sklearn_estimator
from modelcollapse.families.regression.world import RegressionWorld, cosine_world
from modelcollapse.policies.distillation import Distillation

__all__ = ["retrieval", "theory"]


@registry.worlds.register("cosine")
def _cosine(noise: float = 0.1, n_grid: int = 100, drift: float = 0.0) -> RegressionWorld:
    """X ~ U[0, 1], y = cos(1.5πx) + N(0, noise²), errors on ``n_grid`` points.

    With ``drift`` > 0 the curve slides right by ``drift`` every generation.
    """
    return cosine_world(noise=noise, n_grid=n_grid, drift=drift)


@registry.models.register("polynomial", example={"world": "cosine", "samples": 30},
                          metrics=["mse_to_truth", "coefficients"])
def _polynomial(degree: int = 3, noise: float | None = None) -> PolynomialRegression:
    """Least-squares polynomial; ``noise`` defaults to the world's."""
    return PolynomialRegression(degree=degree, noise=noise)


@registry.models.register("sklearn-regressor", example={"world": "cosine", "samples": 30},
                          metrics=["mse_to_truth"])
def _sklearn_regressor(estimator: str = "neighbors.KNeighborsRegressor",
                       params: dict | None = None, noise: float | None = None
                       ) -> SklearnRegressor:
    """A scikit-learn regressor named by its path under ``sklearn``, with its settings."""
    return SklearnRegressor(sklearn_estimator(estimator, params), noise)


@registry.models.register("distillation", example={"world": "cosine", "samples": 30},
                          metrics=["mse_to_truth"])
def _distillation(teacher_degree: int = 5, student_degree: int = 3,
                  noise: float | None = None) -> Distillation:
    """A polynomial teacher on real data, a smaller polynomial student on model-written data."""
    return Distillation(PolynomialRegression(teacher_degree, noise),
                        PolynomialRegression(student_degree, noise))


registry.metrics.register("mse_to_truth")(MSEToTruth)
registry.metrics.register("coefficients")(Coefficients)
registry.theories.register("mse_to_truth")(theory.chain_replace_theory)
