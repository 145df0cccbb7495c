"""Selection bias erodes the minority mode: a biased filter against its large-sample theory."""

import numpy as np
import pytest

from modelcollapse import Chain, Replace
from modelcollapse.families.mixture.metrics import MixtureMetric
from modelcollapse.families.mixture.model import GaussianMixtureModel
from modelcollapse.families.mixture.theory import selection_bias_theory
from modelcollapse.families.mixture.world import MixtureWorld
from modelcollapse.filters.curation import SelectionBias

WORLD = MixtureWorld()  # 0.8·N(2, 0.5²) + 0.2·N(−2, 0.5²)
R, G = 30, 5


@pytest.fixture(scope="module")
def filtered():
    chain = Chain(WORLD, GaussianMixtureModel(2), Replace(), n_samples=2000, n_generations=G,
                  metrics=(MixtureMetric("minority_weight"), MixtureMetric("dispersion_ratio")),
                  filters=(SelectionBias(0.05),))
    return chain.run(R, seed=1)


@pytest.mark.parametrize("metric", ["minority_weight", "dispersion_ratio"])
def test_the_minority_mode_erodes_as_the_theory_says(filtered, metric):
    sim = filtered[filtered.metric == metric].pivot(index="replicate", columns="generation",
                                                    values="value").to_numpy()
    theory = selection_bias_theory(WORLD, 0.05, 2.0, G)
    line = theory[theory.metric == metric]["value"].to_numpy()
    z = (sim.mean(axis=0) - line) / (sim.std(axis=0, ddof=1) / np.sqrt(R))
    assert np.abs(z).max() < 4
    # Power: without selection both figures would stay where they started.
    start = sim[:, 0].mean()
    assert (sim[:, -1].mean() - start) / (sim[:, -1].std(ddof=1) / np.sqrt(R)) < -10


def test_the_filter_keeps_by_closeness_to_the_majority_mode():
    rng = np.random.default_rng(0)
    data = WORLD.sample(20_000, rng=rng)
    kept, figures = SelectionBias(0.05).apply(data, world=WORLD, rng=rng)
    expected = selection_bias_theory(WORLD, 0.05, 2.0, 2)
    minority = np.mean(kept.X[:, 0] < 0)
    assert abs(minority - expected.query("generation == 2 and metric == 'minority_weight'")[
        "value"].iloc[0]) < 4 * np.sqrt(0.15 * 0.85 / len(kept))
    assert 0 < figures["selection_kept"] < 1


def test_a_negative_strength_is_refused():
    with pytest.raises(ValueError, match="strength must be"):
        SelectionBias(-1.0)
