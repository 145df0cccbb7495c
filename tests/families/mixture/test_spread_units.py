"""Spread metrics say their units: ``*_spread`` are variances, ``*_sd`` standard deviations."""

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.families.images.metrics import LatentSD, LatentSpread
from modelcollapse.families.mixture.density_metrics import DensityMetric
from modelcollapse.families.mixture.model import GaussianMixtureModel


def test_component_sd_is_the_standard_deviation_of_the_components():
    rng = np.random.default_rng(0)
    data = Dataset.real(rng.normal(scale=0.5, size=(4000, 2)), None)
    model = GaussianMixtureModel(n_components=1).fit(data, rng=rng)
    sd = DensityMetric("component_sd").measure(model, None)["component_sd"]
    variance = DensityMetric("component_spread").measure(model, None)["component_spread"]
    assert abs(sd - 0.5) < 0.02 and abs(variance - 0.25) < 0.02
    assert np.isclose(sd**2, variance, rtol=1e-3)  # one spherical-ish component


def test_latent_sd_is_the_square_root_per_dimension():
    means = np.random.default_rng(1).normal(scale=[0.5, 2.0], size=(10_000, 2))
    assert np.isclose(LatentSpread._spread(means), np.mean(np.var(means, axis=0)))
    assert np.isclose(LatentSD._spread(means), np.mean(np.std(means, axis=0)))
    assert abs(LatentSD._spread(means) - 1.25) < 0.02
