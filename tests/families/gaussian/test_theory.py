"""Gaussian refits against docs/foundations.md §2 (Shumailov et al. Theorem 3.1)."""

import numpy as np
import pytest

from modelcollapse import Chain, Replace
from modelcollapse.families.gaussian.metrics import GaussianMetric
from modelcollapse.families.gaussian.model import GaussianModel
from modelcollapse.families.gaussian.theory import (
    gaussian_variance_median,
    gaussian_variance_theory,
)
from modelcollapse.families.gaussian.world import gaussian_world

M, G, R = 20, 40, 20_000
METRICS = (GaussianMetric("variance"), GaussianMetric("log_variance"))


def _simulate(model, dim=1, generations=G, replicates=R):
    chain = Chain(gaussian_world(dim), model, Replace(), n_samples=M,
                  n_generations=generations, metrics=METRICS)
    frame = chain.run(replicates, seed=17)
    return {name: frame[frame.metric == name].pivot(index="replicate", columns="generation",
                                                     values="value").to_numpy()
            for name in ("variance", "log_variance")}


def _z(simulated, predicted):
    return (simulated.mean() - predicted) / (simulated.std(ddof=1) / np.sqrt(len(simulated)))


@pytest.mark.parametrize("estimator", ["mle", "unbiased"])
def test_log_variance_falls_on_the_digamma_line(estimator):
    sim = _simulate(GaussianModel(estimator))
    theory = gaussian_variance_theory(M, 1.0, G, estimator=estimator)
    line = theory[theory.metric == "log_variance"]["value"].to_numpy()
    for g in (1, 10, 40):
        assert abs(_z(sim["log_variance"][:, g - 1], line[g - 1])) < 4
    # The test has power: ψ(M/2) in place of ψ((M−1)/2) is rejected at generation 40.
    from scipy.special import digamma

    ddof = 0 if estimator == "mle" else 1
    wrong = G * (digamma(M / 2) + np.log(2 / (M - ddof)))
    assert abs(_z(sim["log_variance"][:, G - 1], wrong)) > 4


@pytest.mark.parametrize("model, dim", [(GaussianModel("mle"), 1), (GaussianModel("mle"), 3),
                                        (GaussianModel("unbiased"), 2),
                                        (GaussianModel("mle", truncate_sd=1.5), 1),
                                        (GaussianModel("mle", keep_fraction=0.9), 3)])
def test_mean_variance_follows_the_geometric_law(model, dim):
    sim = _simulate(model, dim, generations=15, replicates=10_000)
    theory = gaussian_variance_theory(M, 1.0, 15, estimator=model.estimator, dim=dim,
                                      radius=model.radius(dim))
    line = theory[theory.metric == "variance"]["value"].to_numpy()
    for g in (1, 5, 15):
        assert abs(_z(sim["variance"][:, g - 1], line[g - 1])) < 4


def _share_below_z(values, median):
    """z of the share of ``values`` below ``median`` against 1/2 (binomial SE)."""
    return (np.mean(values < median) - 0.5) / np.sqrt(0.25 / len(values))


def test_unbiased_mean_is_flat_while_the_median_collapses():
    sim = _simulate(GaussianModel("unbiased"))
    assert abs(_z(sim["variance"][:, 9], 1.0)) < 4
    for g in (10, G):  # half the replicates lie below the exact median (0.120 at g = 40)
        median = gaussian_variance_median(M, 1.0, g, estimator="unbiased")
        assert abs(_share_below_z(sim["variance"][:, g - 1], median)) < 4
    # Power: the MLE chain's median (its factor (M − 1)/M a generation lower) is rejected.
    wrong = gaussian_variance_median(M, 1.0, G, estimator="mle")
    assert abs(_share_below_z(sim["variance"][:, G - 1], wrong)) > 4
