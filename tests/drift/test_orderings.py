"""The orderings the staleness comparison must show."""

import itertools

import numpy as np
import pytest

from modelcollapse import Chain, Coefficients, MSEToTruth, PolynomialRegression, cosine_world
from modelcollapse.families.categorical.metrics import CategoricalMetric
from modelcollapse.families.categorical.model import CategoricalModel
from modelcollapse.families.categorical.world import zipf_world
from modelcollapse.families.gaussian.metrics import GaussianMetric
from modelcollapse.families.gaussian.model import GaussianModel
from modelcollapse.families.gaussian.world import gaussian_world
from modelcollapse.policies.staleness import FreshOnly, Frozen, Retrieval
from modelcollapse.policies.training_sets import WebScrape
from tests.conftest import z_score

N = 40


def _final(policy, drift, *, generations=4, replicates=300, metric="w2", seed=0):
    chain = Chain(gaussian_world(drift=drift), GaussianModel(), policy, n_samples=N,
                  n_generations=generations, metrics=(GaussianMetric(metric),))
    frame = chain.run(replicates, seed=seed)
    return frame[frame.generation == generations]["value"].to_numpy()


def test_a_frozen_model_is_measured_against_the_current_truth():
    world = cosine_world(drift=0.05)
    chain = Chain(world, PolynomialRegression(3), Frozen(), n_generations=4,
                  metrics=(MSEToTruth(), Coefficients()))
    frame = chain.run(1, seed=2).pivot(index="generation", columns="metric", values="value")
    coefficients = frame[[f"coef_{k}" for k in range(4)]].to_numpy()
    assert np.all(coefficients == coefficients[0])                 # never refitted
    grid = world.grid
    fitted = np.polynomial.polynomial.polyval(grid, coefficients[0])
    for g in (1, 4):
        expected = np.mean((fitted - world.at(g).true_function(grid)) ** 2)
        assert frame.loc[g, "mse_to_truth"] == pytest.approx(expected, rel=1e-9)
    assert frame.loc[4, "mse_to_truth"] > 2 * frame.loc[1, "mse_to_truth"]


def test_a_frozen_models_error_grows_with_drift():
    errors = [_final(Frozen(), drift) for drift in (0.0, 0.1, 0.2)]
    for slower, faster in itertools.pairwise(errors):
        assert z_score(faster, slower) > 4


def test_without_drift_or_contamination_every_option_matches_the_clean_baseline():
    """The clean baseline: a model fitted once on N real items of a still world."""
    baseline = _final(FreshOnly(N), 0.0, seed=1)
    for policy in (Frozen(), WebScrape("constant", end=0.0), FreshOnly(N)):
        assert abs(z_score(_final(policy, 0.0, seed=5), baseline)) < 4, policy.label
    # retrieval adds k real items to the frozen model's N: it can only help
    assert z_score(_final(Retrieval(10), 0.0, seed=5), baseline) < 4


def test_retrieval_with_more_items_helps_under_drift():
    few, many = _final(Retrieval(5), 0.15), _final(Retrieval(80), 0.15)
    frozen = _final(Frozen(), 0.15)
    assert z_score(frozen, few) > 2 and z_score(few, many) > 4


def test_retrieval_finds_words_the_frozen_model_never_saw():
    world = zipf_world(vocabulary=40, drift=0.3)
    lost = {}
    for policy in (Frozen(), Retrieval(50)):
        chain = Chain(world, CategoricalModel(), policy, n_samples=200, n_generations=5,
                      metrics=(CategoricalMetric("lost_mass"),))
        frame = chain.run(100, seed=3)
        lost[policy.name] = frame[frame.generation == 5]["value"].to_numpy()
    # new words hold 1 − 0.7⁴ ≈ 0.76 of the usage by generation 5; the frozen model has none
    assert lost["frozen"].mean() > 0.75
    assert z_score(lost["frozen"], lost["retrieval"]) > 4
