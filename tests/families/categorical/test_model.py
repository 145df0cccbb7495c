import numpy as np
import pytest

from modelcollapse import Dataset
from modelcollapse.families.categorical.model import (
    CategoricalModel,
    counts,
    decoding_distribution,
    sample_indices,
)
from modelcollapse.families.categorical.world import CategoricalWorld, zipf_world


def test_counting_fit_and_absorbing_zeros():
    model = CategoricalModel().fit(Dataset.real(np.array([0, 0, 2, 2, 2, 3])))
    np.testing.assert_allclose(model.probabilities_, [2 / 6, 0, 3 / 6, 1 / 6])
    draws = model.sample(10_000, rng=np.random.default_rng(0)).X
    assert not np.any(draws == 1)  # a lost category never comes back


def test_decoding_biases():
    p = np.array([[0.5, 0.3, 0.15, 0.05]]).T
    np.testing.assert_allclose(decoding_distribution(p, top_k=2)[:, 0], [0.625, 0.375, 0, 0])
    np.testing.assert_allclose(decoding_distribution(p, top_p=0.8)[:, 0], [0.625, 0.375, 0, 0])
    np.testing.assert_allclose(decoding_distribution(p, top_p=0.81)[:, 0],
                               np.array([0.5, 0.3, 0.15, 0]) / 0.95)
    cold = decoding_distribution(p, temperature=0.5)[:, 0]
    np.testing.assert_allclose(cold, p[:, 0] ** 2 / np.sum(p[:, 0] ** 2))


def test_batched_sampling_has_the_right_law():
    rng = np.random.default_rng(1)
    q = np.array([[0.7, 0.2, 0.1, 0.0], [0.0, 0.0, 0.5, 0.5]]).T        # two replicates
    tally = counts(sample_indices(rng, q, 100_000), 4)
    np.testing.assert_allclose(tally / 100_000, q, atol=0.006)
    assert tally[3, 0] == 0 and tally[0, 1] == 0


def test_zipf_world_and_bad_settings():
    world = zipf_world(5, 1.0)
    harmonic = 1 / np.arange(1, 6)
    np.testing.assert_allclose(world.probabilities, harmonic / harmonic.sum())
    with pytest.raises(ValueError, match="sum to 1"):
        CategoricalWorld(np.array([0.5, 0.6]))
    for kwargs, message in [({"temperature": 0}, "temperature"), ({"top_k": 0}, "top_k"),
                            ({"top_p": 1.5}, "top_p")]:
        with pytest.raises(ValueError, match=message):
            CategoricalModel(**kwargs)
