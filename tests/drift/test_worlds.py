"""Drifting worlds: the world of a generation, and what moves."""

import numpy as np
import pytest

from modelcollapse.core.drift import world_at
from modelcollapse.families.categorical.world import zipf_world
from modelcollapse.families.gaussian.imputed import imputed_gaussian_world
from modelcollapse.families.gaussian.world import gaussian_world
from modelcollapse.families.linear.world import LinearWorld
from modelcollapse.families.regression.world import cosine_world

STILL = [cosine_world(), gaussian_world(2), zipf_world(20), LinearWorld(3),
         imputed_gaussian_world()]


@pytest.mark.parametrize("world", STILL, ids=lambda w: w.name)
def test_a_world_without_drift_is_its_own_world_at_every_generation(world):
    assert world_at(world, 7) is world
    assert world.at(7) is world


def test_the_cosine_slides_right_by_drift_per_generation():
    world = cosine_world(drift=0.05)
    x = np.linspace(0, 1, 11)
    np.testing.assert_allclose(world.at(5).true_function(x), np.cos(1.5 * np.pi * (x - 0.2)))
    np.testing.assert_allclose(world.at(5).at(2).true_function(x),
                               world.at(2).true_function(x))   # at(g) is absolute
    np.testing.assert_allclose(world.at(1).true_function(x), world.true_function(x))


def test_the_gaussian_mean_moves_drift_per_generation_and_samples_follow():
    world = gaussian_world(dim=4, drift=0.5)
    later = world.at(11)
    assert np.linalg.norm(later.mean - world.mean) == pytest.approx(5.0)
    np.testing.assert_allclose(later.at(3).mean, world.at(3).mean)
    items = later.sample(20_000, rng=np.random.default_rng(0)).X
    # the sample mean is within 4 standard errors (1/√n per coordinate) of the moved mean
    assert np.all(np.abs(items.mean(axis=0) - later.mean) < 4 / np.sqrt(20_000))


def test_linear_truth_moves_orthogonally_to_the_first():
    world = LinearWorld(dim=5, drift=0.3)
    step = world.at(4).weights - world.weights
    assert np.linalg.norm(step) == pytest.approx(0.9)
    assert step @ world.weights == pytest.approx(0.0, abs=1e-12)


def test_usage_moves_from_old_words_to_new_ones():
    world = zipf_world(vocabulary=50, drift=0.2)
    assert world.vocabulary == 100 and world.probabilities[50:].sum() == 0
    for g in (2, 5, 12):
        law = world.at(g).probabilities
        assert law.sum() == pytest.approx(1.0)
        assert law[50:].sum() == pytest.approx(1 - 0.8 ** (g - 1))   # new words appear
    assert np.all(world.at(6).probabilities[:50] < world.probabilities[:50])  # old ones fade


def test_the_imputed_world_under_states_the_imputed_coordinate_variance_only():
    world = imputed_gaussian_world(correlation=0.6, missing=0.5)
    items = world.sample(40_000, rng=np.random.default_rng(1)).X
    cov = np.cov(items.T)
    # conditional-mean imputation keeps x₁ and shrinks var(x₂) by missing·(1 − ρ²) = 0.32;
    # the standard error of a sample variance near 1 is about √(2/n) ≈ 0.007
    assert cov[0, 0] == pytest.approx(1.0, abs=0.03)
    assert cov[1, 1] == pytest.approx(1 - 0.5 * (1 - 0.36), abs=0.03)


@pytest.mark.parametrize("build", [
    lambda: cosine_world(drift=-0.1),
    lambda: gaussian_world(drift=-1.0),
    lambda: gaussian_world(drift=float("nan")),
    lambda: LinearWorld(drift=-0.2),
    lambda: zipf_world(drift=-0.1),
    lambda: zipf_world(drift=1.5),
    lambda: zipf_world(new_words=10),
])
def test_nonsense_drift_is_refused_with_the_fix(build):
    with pytest.raises(ValueError, match=r"drift|new_words"):
        build()
