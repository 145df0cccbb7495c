"""Categorical refits against docs/foundations.md §2 (loss of the tail; Wright–Fisher diversity)."""

import numpy as np
import pytest

from modelcollapse import Chain, Replace
from modelcollapse.families.categorical.metrics import CategoricalMetric
from modelcollapse.families.categorical.model import CategoricalModel
from modelcollapse.families.categorical.theory import categorical_theory
from modelcollapse.families.categorical.world import zipf_world

WORLD, M, G, R = zipf_world(200, 1.1), 300, 40, 8000


@pytest.fixture(scope="module")
def simulated():
    metrics = tuple(CategoricalMetric(n) for n in ("gini_simpson", "rare_mass", "support_size"))
    frame = Chain(WORLD, CategoricalModel(), Replace(), n_samples=M, n_generations=G,
                  metrics=metrics).run(R, seed=23)
    return {name: part.pivot(index="replicate", columns="generation", values="value").to_numpy()
            for name, part in frame.groupby("metric", observed=True)}


def _z(values, predicted):
    return (values.mean() - predicted) / (values.std(ddof=1) / np.sqrt(len(values)))


@pytest.mark.parametrize("metric, generations", [("gini_simpson", (1, 10, 40)),
                                                 ("rare_mass", (1, 10, 40)),
                                                 ("support_size", (1,))])
def test_simulation_matches_the_closed_forms(simulated, metric, generations):
    theory = categorical_theory(WORLD.probabilities, M, G)
    line = theory[theory.metric == metric].set_index("generation")["value"]
    for g in generations:
        assert abs(_z(simulated[metric][:, g - 1], line[g])) < 4, (metric, g)


def test_categories_are_lost_though_the_expected_rare_mass_is_not(simulated):
    support = simulated["support_size"]
    assert np.median(support[:, G - 1]) < 0.6 * np.median(support[:, 0])
    rare = simulated["rare_mass"][:, G - 1]
    assert np.median(rare) < rare.mean()


def test_an_off_by_one_generation_is_rejected(simulated):
    """Power: (1 − 1/M)^(g − 1) in place of (1 − 1/M)^g fails at generation 40."""
    q = WORLD.probabilities
    wrong = (1 - np.sum(q**2)) * (1 - 1 / M) ** (G - 1)
    assert abs(_z(simulated["gini_simpson"][:, G - 1], wrong)) > 4
