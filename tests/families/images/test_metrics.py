"""Image metrics on cases with known answers: identical sets, missing classes, Gaussians."""

from dataclasses import dataclass

import numpy as np
import pytest

from modelcollapse.core.artifacts import ArtifactSink, decode_array
from modelcollapse.core.data import Dataset
from modelcollapse.core.metric import MeasureContext
from modelcollapse.families.images.metrics import (
    GeneratedImageMetrics,
    feature_space,
    frechet_distance,
    image_grid,
    image_scores,
    precision_recall,
)
from modelcollapse.families.images.world import digits_images

WORLD = digits_images()


@dataclass
class _ReplayModel:
    """A stand-in generator that draws (with replacement) from a fixed set of images."""

    images: np.ndarray
    conditional = False

    def sample(self, n, *, rng, X=None):
        return Dataset.synthetic(self.images[rng.integers(len(self.images), size=n)], None, 1)


def test_frechet_distance_is_zero_for_identical_sets_and_exact_for_gaussians():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4000, 5))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)
    shifted = a + np.array([1.0, 2.0, 0, 0, 0])
    assert frechet_distance(a, shifted) == pytest.approx(5.0, abs=1e-9)  # ‖δ‖², same covariance
    # N(0, I) against N(0, 4 I) in 5 dimensions: 5 · (1 + 4 − 2·2) = 5. Sampling error with
    # 4,000 points per set is about 2 % here; allow 10 %.
    wide = 2 * rng.standard_normal((4000, 5))
    assert frechet_distance(a, wide) == pytest.approx(5.0, rel=0.1)


def test_precision_and_recall_of_a_set_against_itself_and_a_shrunken_copy():
    rng = np.random.default_rng(1)
    real = rng.standard_normal((500, 3))
    assert precision_recall(real, real) == (1.0, 1.0)
    # A generator that only reproduces the centre: everything it makes is realistic
    # (precision near 1) but it misses the real set's outskirts (recall well below 1).
    narrow = 0.3 * rng.standard_normal((500, 3))
    precision, recall = precision_recall(real, narrow)
    assert precision > 0.95 and recall < 0.5


def test_feature_space_is_trained_once_and_classifies_real_digits():
    space = feature_space(WORLD)
    assert feature_space(digits_images()) is space  # cached by the world's contents
    assert space.accuracy > 0.9
    assert space.features(WORLD.held_out()).shape == (539, 64)


def test_real_held_out_images_score_perfectly_and_real_training_images_nearly():
    space = feature_space(WORLD)
    identical = image_scores(space, WORLD.held_out(), WORLD.n_classes)
    assert identical["frechet_distance"] == pytest.approx(0.0, abs=1e-9)
    assert identical["precision"] == identical["recall"] == 1.0
    assert identical["class_coverage"] == 1.0
    assert identical["class_entropy"] == pytest.approx(np.log(10), abs=0.02)  # balanced classes
    images, _ = WORLD.labelled_train()
    fresh = image_scores(space, images[:539], WORLD.n_classes)
    assert fresh["frechet_distance"] < 0.1 * image_scores(
        space, np.random.default_rng(0).random((539, 64)), 10)["frechet_distance"]
    assert fresh["precision"] > 0.8 and fresh["recall"] > 0.8


def test_a_set_missing_classes_has_lower_recall_coverage_and_entropy():
    space = feature_space(WORLD)
    images, labels = WORLD.labelled_train()
    full = image_scores(space, images[:539], WORLD.n_classes)
    half = image_scores(space, images[labels < 5][:539], WORLD.n_classes)
    assert half["class_coverage"] == 0.5
    assert half["class_entropy"] < 0.8 * full["class_entropy"]  # about log 5 against log 10
    assert half["recall"] < full["recall"] - 0.25
    assert half["precision"] > 0.8  # what it does make is still realistic
    assert half["frechet_distance"] > 5 * full["frechet_distance"]


def test_the_metric_samples_from_its_stream_and_keeps_a_grid():
    images, labels = WORLD.labelled_train()
    model = _ReplayModel(images[labels == 3])
    metric = GeneratedImageMetrics(n_grid=25)
    assert metric.applies(model, WORLD)
    sink = ArtifactSink(replicate=0, generation=1)
    values = metric.measure(model, WORLD,
                            MeasureContext(rng=np.random.default_rng(2), artifacts=sink))
    assert set(values) == set(metric.names(model))
    assert values["class_coverage"] == 0.1
    assert values["class_entropy"] < 0.5  # log 10 = 2.3 when balanced
    again = metric.measure(model, WORLD, MeasureContext(rng=np.random.default_rng(2)))
    assert again == values
    ((_, _, name, kind, _, data),) = sink.records
    grid = decode_array(data)
    assert (name, kind, grid.shape) == ("samples", "image", (3 * 9 + 1, 10 * 9 + 1))  # rows of 10


def test_image_grid_places_each_image_in_its_cell():
    images = np.stack([np.full(6, k / 10) for k in range(5)])
    grid = image_grid(images, (2, 3), n_columns=2, padding=1)
    assert grid.shape == (3 * 3 + 1, 2 * 4 + 1)
    np.testing.assert_allclose(grid[4:6, 5:8], 0.3)  # image 3: row 1, column 1
    np.testing.assert_allclose(grid[7:9, 5:8], 0.5)  # the empty sixth cell stays grey
    assert grid[0].tolist() == [0.5] * 9


def test_the_metric_refuses_conditional_models_and_non_image_worlds():
    from modelcollapse.families.gaussian.world import gaussian_world

    metric = GeneratedImageMetrics()
    assert not metric.applies(_ReplayModel(WORLD.held_out()), gaussian_world(2))

    class Labeller(_ReplayModel):
        conditional = True

    assert not metric.applies(Labeller(WORLD.held_out()), WORLD)


def test_latent_spread_is_missing_when_the_reference_encoder_cannot_be_trained():
    pytest.importorskip("torch", reason="the VAE needs the [torch] extra")
    from modelcollapse.families.images.metrics import LatentSpread
    from modelcollapse.families.images.vae import VAE

    images, _ = WORLD.labelled_train()
    fitted = VAE(epochs=1, latent_dim=2, width=16).for_world(WORLD).fit(
        Dataset.real(images[:100]), rng=np.random.default_rng(0))
    exploding = VAE(epochs=1, latent_dim=2, width=16, learning_rate=1e6).for_world(WORLD)
    exploding.network_ = fitted.network_  # a model that fitted once, with settings that diverge
    value = LatentSpread(n_generated=50).measure(exploding, WORLD,
                                                 MeasureContext(rng=np.random.default_rng(1)))
    assert np.isnan(value["latent_spread"])
    healthy = LatentSpread(n_generated=50).measure(fitted, WORLD,
                                                   MeasureContext(rng=np.random.default_rng(1)))
    assert np.isfinite(healthy["latent_spread"]) and healthy["latent_spread"] > 0
