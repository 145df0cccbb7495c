"""The components modelcollapse ships, registered under the names experiment files use."""

from __future__ import annotations

from modelcollapse import policies as policy_classes
from modelcollapse.experiment.registry import metrics, models, policies, worlds
from modelcollapse.metrics import Coefficients, MSEToTruth
from modelcollapse.models import PolynomialRegression
from modelcollapse.worlds import cosine_world


@worlds.register("cosine")
def _cosine(noise: float = 0.1, n_grid: int = 100):
    """X ~ U[0, 1], y = cos(1.5πx) + N(0, noise²), errors on ``n_grid`` points."""
    return cosine_world(noise=noise, n_grid=n_grid)


@models.register("polynomial")
def _polynomial(degree: int = 3, noise: float | None = None):
    """Least-squares polynomial; ``noise`` defaults to the world's."""
    return PolynomialRegression(degree=degree, noise=noise)


policies.register("replace")(policy_classes.Replace)
policies.register("accumulate")(policy_classes.Accumulate)
policies.register("accumulate-subsample")(policy_classes.AccumulateSubsample)
policies.register("fresh-real")(policy_classes.FreshReal)
policies.register("keep-original")(policy_classes.KeepOriginal)

metrics.register("mse_to_truth")(MSEToTruth)
metrics.register("coefficients")(Coefficients)
