"""Distillation and imputation cost accuracy once; the recursive chain compounds."""

import numpy as np

from modelcollapse import Chain, MSEToTruth, PolynomialRegression, Replace, cosine_world
from modelcollapse.families.gaussian.imputed import imputed_gaussian_world
from modelcollapse.families.gaussian.metrics import GaussianMetric
from modelcollapse.families.gaussian.model import GaussianModel
from modelcollapse.policies.distillation import Distillation
from modelcollapse.policies.staleness import Distill, FreshOnly
from tests.conftest import z_score

G = 8


def _by_generation(chain, replicates, seed):
    frame = chain.run(replicates, seed=seed)
    return {g: rows["value"].to_numpy() for g, rows in frame.groupby("generation")}


def test_distillation_costs_once_and_does_not_compound():
    def chain(policy):
        return Chain(cosine_world(), Distillation(PolynomialRegression(5), PolynomialRegression(3)),
                     policy, n_samples=30, n_generations=G, metrics=(MSEToTruth(),))

    distilled = _by_generation(chain(Distill()), 300, seed=1)
    recursive = _by_generation(chain(Replace()), 300, seed=1)
    direct = _by_generation(Chain(cosine_world(), PolynomialRegression(3), FreshOnly(30),
                                  n_samples=30, n_generations=1, metrics=(MSEToTruth(),)),
                            300, seed=2)[1]
    assert z_score(distilled[2], direct) > 4               # learning from the teacher costs
    assert abs(z_score(distilled[G], distilled[2])) < 4    # … once: no growth over generations
    assert z_score(recursive[G], distilled[G]) > 4         # the student-of-student chain grows


def test_imputation_costs_once_and_does_not_compound():
    def kl(missing, policy):
        chain = Chain(imputed_gaussian_world(missing=missing), GaussianModel(), policy,
                      n_samples=60, n_generations=G, metrics=(GaussianMetric("kl"),))
        return _by_generation(chain, 200, seed=4)

    clean, imputed = kl(0.0, FreshOnly(60)), kl(0.4, FreshOnly(60))
    recursive = kl(0.4, Replace())
    assert z_score(imputed[G], clean[G]) > 4               # imputation under-states a variance
    assert abs(z_score(imputed[G], imputed[2])) < 4        # the cost stays put
    assert z_score(recursive[G], imputed[G]) > 4           # the chain on its own samples grows
    assert np.median(recursive[G]) > 2 * np.median(recursive[2])
