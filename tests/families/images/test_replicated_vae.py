"""VAE replicates trained and written together are the replicates trained and written alone."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from modelcollapse.core.data import Dataset  # noqa: E402
from modelcollapse.core.model import DegenerateFitError  # noqa: E402
from modelcollapse.families.images.replicated_vae import fit_together, write_together  # noqa: E402
from modelcollapse.families.images.vae import VAE  # noqa: E402
from modelcollapse.families.images.world import digits_images  # noqa: E402

WORLD = digits_images()
R = 3


def streams(seed):
    return [np.random.default_rng([seed, r]) for r in range(R)]


@pytest.fixture(scope="module")
def datasets():
    return [WORLD.sample(120, rng=np.random.default_rng(50 + r)) for r in range(R)]


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_training_and_writing_together_equal_doing_it_alone(datasets, likelihood):
    model = VAE(epochs=3, latent_dim=3, width=24, batch_size=50, likelihood=likelihood,
                output="sample").for_world(WORLD)
    alone = [model.clone().fit(d, rng=rng) for d, rng in zip(datasets, streams(1), strict=True)]
    together = fit_together(model, datasets, streams(1), stacked=True)
    for a, b in zip(alone, together, strict=True):
        for name, weight in a.network_.state_dict().items():
            torch.testing.assert_close(b.network_.state_dict()[name], weight, rtol=0,
                                       atol=1e-5)
        np.testing.assert_allclose(b.loss_history_, a.loss_history_, rtol=1e-5)
    written = write_together(alone, 40, rngs=streams(2), stacked=True)
    for model_alone, rng, stacked in zip(alone, streams(2), written, strict=True):
        np.testing.assert_allclose(stacked.X, model_alone.sample(40, rng=rng).X, atol=1e-6)


def test_a_chain_of_vae_replicates_stepping_together_gives_the_loops_rows():
    import pandas as pd

    from modelcollapse.core.chain import Chain
    from modelcollapse.families.images.metrics import LatentSpread
    from modelcollapse.policies.training_sets import Accumulate

    def rows(stack, n_replicates, first=0):
        model = VAE(epochs=2, latent_dim=2, width=16, batch_size=50, stack_replicates=stack)
        chain = Chain(WORLD, model, Accumulate(), n_samples=60, n_generations=3,
                      metrics=(LatentSpread(),))
        return chain.run(n_replicates, seed=3, first_replicate=first)

    alone = pd.concat([rows(False, 1, first=r) for r in range(R)], ignore_index=True)
    stacked = rows(True, R)
    assert stacked[["replicate", "generation", "metric"]].equals(
        alone[["replicate", "generation", "metric"]])
    np.testing.assert_allclose(stacked.value, alone.value, rtol=1e-4)


def test_an_empty_training_set_is_degenerate_and_unequal_sizes_are_refused(datasets):
    model = VAE(epochs=1).for_world(WORLD)
    with pytest.raises(DegenerateFitError):
        fit_together(model, [Dataset.real(np.zeros((0, 64), np.float32))],
                     [np.random.default_rng(0)])
    with pytest.raises(ValueError, match="one size"):
        fit_together(model, [datasets[0], Dataset.real(datasets[1].X[:10])], streams(0)[:2])
