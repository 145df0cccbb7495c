"""scikit-learn densities: fresh randomness per call, and the chains they make."""

import numpy as np

from modelcollapse import Accumulate, Chain, Dataset, Replace
from modelcollapse.families.gaussian.world import gaussian_world
from modelcollapse.families.mixture.density_metrics import DensityMetric
from modelcollapse.families.mixture.model import GaussianMixtureModel, KernelDensityModel


def _fitted(model):
    data = gaussian_world(2).sample(300, rng=np.random.default_rng(0))
    return model.fit(data, rng=np.random.default_rng(1))


def test_no_integer_seed_trap_every_call_draws_new_numbers():
    for model in (_fitted(GaussianMixtureModel(2)), _fitted(KernelDensityModel(0.3))):
        a = model.sample(50, rng=np.random.default_rng(2)).X
        b = model.sample(50, rng=np.random.default_rng(3)).X
        again = model.sample(50, rng=np.random.default_rng(2)).X
        assert not np.allclose(a, b)          # a new stream, new samples
        np.testing.assert_array_equal(a, again)  # the same stream, the same samples


def test_gmm_components_shrink_under_replace_but_not_accumulate():
    def last_spread(policy):
        chain = Chain(gaussian_world(2), GaussianMixtureModel(2, max_iter=30), policy,
                      n_samples=40, n_generations=20, metrics=(DensityMetric("component_spread"),))
        frame = chain.run(10, seed=4)
        return frame[frame.generation == 20]["value"].median()

    assert last_spread(Replace()) < 0.7 * last_spread(Accumulate())


def test_kde_spread_follows_its_recursion():
    """Refitting a KDE on its own N samples: E[s_{g+1}] = (N−1)/N·E[s_g] + h² (ddof 0)."""
    N, h, G = 100, 0.3, 8
    chain = Chain(gaussian_world(1), KernelDensityModel(h), Replace(), n_samples=N,
                  n_generations=G, metrics=(DensityMetric("spread"),))
    frame = chain.run(300, seed=5)
    spread = frame.pivot(index="replicate", columns="generation", values="value").to_numpy()
    expected = (N - 1) / N * 1.0 + h**2
    for g in range(1, G + 1):
        values = spread[:, g - 1]
        assert abs(values.mean() - expected) < 4 * values.std(ddof=1) / np.sqrt(len(values))
        expected = (N - 1) / N * expected + h**2


def test_too_few_items_for_the_mixture_is_degenerate():
    import pytest

    from modelcollapse import DegenerateFitError

    with pytest.raises(DegenerateFitError):
        GaussianMixtureModel(3).fit(Dataset.real(np.zeros((2, 1))), rng=np.random.default_rng(0))
