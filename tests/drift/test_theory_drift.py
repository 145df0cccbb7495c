"""Closed forms of staleness and retrieval against simulation (4 standard errors)."""

from functools import cache

import numpy as np
import pytest

from modelcollapse import Chain
from modelcollapse.families.gaussian.metrics import GaussianMetric
from modelcollapse.families.gaussian.model import GaussianModel
from modelcollapse.families.gaussian.theory import drift_mean_error_theory
from modelcollapse.families.gaussian.world import gaussian_world
from modelcollapse.families.linear.metrics import ExcessRisk
from modelcollapse.families.linear.model import LinearRegression
from modelcollapse.families.linear.theory import linear_drift_theory
from modelcollapse.families.linear.world import LinearWorld
from modelcollapse.policies.staleness import FreshOnly, Frozen, Retrieval

N, DRIFT, G, R = 20, 0.3, 3, 800


@cache
def _simulated(policy, dim=1):
    chain = Chain(gaussian_world(dim, variance=2.0, drift=DRIFT), GaussianModel(), policy,
                  n_samples=N, n_generations=G, metrics=(GaussianMetric("mean_error"),))
    frame = chain.run(R, seed=3)
    return frame[frame.generation == G]["value"].to_numpy()


@pytest.mark.parametrize("policy, settings, dim", [
    (Frozen(), {"policy": "frozen"}, 1),
    (Frozen(), {"policy": "frozen"}, 3),
    (Retrieval(15), {"policy": "retrieval", "k": 15}, 3),
    (FreshOnly(10), {"policy": "fresh-only", "budget": 10}, 3),
])
def test_mean_error_under_drift_matches_the_closed_form(policy, settings, dim):
    values = _simulated(policy, dim)
    theory = drift_mean_error_theory(N, 2.0, DRIFT, G, dim=dim, **settings)
    at_g = theory[theory.generation == G].set_index("metric")["value"]
    se = values.std(ddof=1) / np.sqrt(R)
    assert abs(values.mean() - at_g["mean_error"]) < 4 * se
    squared = values**2
    assert abs(squared.mean() - at_g["mean_error_squared"]) < 4 * squared.std(ddof=1) / np.sqrt(R)


def test_a_retrieval_formula_without_the_lag_shrinkage_would_fail():
    """The test has the power to tell: pooling that left the whole lag in place is rejected."""
    values = _simulated(Retrieval(15), dim=3) ** 2
    se = values.std(ddof=1) / np.sqrt(R)
    wrong = 3 * 2.0 / (N + 15) + (DRIFT * (G - 1)) ** 2  # variance pooled, lag not shrunk
    assert abs(values.mean() - wrong) > 4 * se


def test_frozen_linear_model_excess_risk_grows_quadratically_with_drift():
    dim, T, drift, generations, replicates = 4, 20, 0.2, 4, 1000
    chain = Chain(LinearWorld(dim, noise=1.0, drift=drift), LinearRegression(), Frozen(),
                  n_samples=T, n_generations=generations, metrics=(ExcessRisk(),))
    frame = chain.run(replicates, seed=4)
    theory = linear_drift_theory(dim, T, 1.0, drift, generations).set_index("generation")
    for g in (1, generations):
        values = frame[frame.generation == g]["value"].to_numpy()
        se = values.std(ddof=1) / np.sqrt(replicates)
        assert abs(values.mean() - theory.loc[g, "value"]) < 4 * se


def test_theory_refuses_settings_of_the_wrong_policy():
    with pytest.raises(ValueError, match="give k"):
        drift_mean_error_theory(N, 1.0, 0.1, 3, policy="frozen", k=3)
    with pytest.raises(ValueError, match="policy must be"):
        drift_mean_error_theory(N, 1.0, 0.1, 3, policy="web-scrape")
