"""The VAE family: it fits, its randomness is addressed, it fails cleanly, it runs in chains."""

from typing import ClassVar

# ruff: noqa: E402  (torch is checked for before the modules that need it are imported)
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the VAE needs the [torch] extra")

from modelcollapse import Chain, Dataset
from modelcollapse.core.model import DegenerateFitError
from modelcollapse.families.gaussian.world import gaussian_world
from modelcollapse.families.images.metrics import GeneratedImageMetrics, HeldOutELBO, LatentSpread
from modelcollapse.families.images.vae import VAE, DivergedError
from modelcollapse.families.images.world import digits_images
from modelcollapse.filters.curation import SyntheticDetector
from modelcollapse.policies.training_sets import (
    Accumulate,
    AccumulateSubsample,
    FreshReal,
    KeepOriginal,
    Replace,
    WebScrape,
)

WORLD = digits_images()
# Small and quick, yet good enough that generation 1 draws every digit class.
QUICK = dict(latent_dim=4, width=64, batch_size=100, learning_rate=5e-3)


def _fitted(epochs=40, n=500, seed=1, **settings):
    data = WORLD.sample(n, rng=np.random.default_rng(0))
    model = VAE(epochs=epochs, **(QUICK | settings)).for_world(WORLD)
    return model.fit(data, rng=np.random.default_rng(seed))


def test_held_out_elbo_improves_over_training():
    short, long = _fitted(epochs=2), _fitted(epochs=40)
    held_out = WORLD.held_out()
    gain = (long.elbo(held_out, rng=np.random.default_rng(5))
            - short.elbo(held_out, rng=np.random.default_rng(5)))
    # Paired over the 539 held-out images: the gain is many standard errors above zero.
    assert gain.mean() > 5 * gain.std(ddof=1) / np.sqrt(len(gain))
    assert gain.mean() > 3.0  # nats per image
    assert long.loss_history_[-1] < long.loss_history_[0] - 5


def test_samples_are_images_and_follow_the_stream_they_are_given():
    model = _fitted(epochs=5)
    a = model.sample(50, rng=np.random.default_rng(2))
    assert a.X.shape == (50, 64) and a.X.dtype == np.float32 and a.y is None
    assert 0 <= a.X.min() and a.X.max() <= 1
    np.testing.assert_array_equal(a.X, model.sample(50, rng=np.random.default_rng(2)).X)
    assert not np.allclose(a.X, model.sample(50, rng=np.random.default_rng(3)).X)


def test_fits_are_reproducible_and_leave_the_global_torch_stream_alone():
    before = torch.random.get_rng_state()
    a, b, c = _fitted(epochs=2, seed=7), _fitted(epochs=2, seed=7), _fitted(epochs=2, seed=8)
    assert torch.equal(torch.random.get_rng_state(), before)
    np.testing.assert_array_equal(a.encode(WORLD.held_out()), b.encode(WORLD.held_out()))
    assert not np.allclose(a.encode(WORLD.held_out()), c.encode(WORLD.held_out()))


def test_sampled_pixels_and_the_gaussian_decoder():
    binary = _fitted(epochs=2).clone()
    binary.output = "sample"
    binary = binary.fit(WORLD.sample(200, rng=np.random.default_rng(0)),
                        rng=np.random.default_rng(1))
    assert set(np.unique(binary.sample(100, rng=np.random.default_rng(2)).X)) <= {0.0, 1.0}
    gaussian = _fitted(epochs=5, likelihood="gaussian", output="sample")
    pixels = gaussian.sample(100, rng=np.random.default_rng(2)).X
    assert 0 <= pixels.min() and pixels.max() <= 1 and len(np.unique(pixels)) > 100
    assert np.isfinite(gaussian.elbo(WORLD.held_out(), rng=np.random.default_rng(3))).all()


def test_encode_gives_one_latent_mean_per_image():
    model = _fitted(epochs=2)
    assert model.encode(WORLD.held_out()[:7].reshape(7, 8, 8)).shape == (7, 4)


def test_for_world_takes_the_image_shape_and_refuses_other_worlds():
    assert VAE().for_world(WORLD).image_shape == (8, 8)
    with pytest.raises(ValueError, match="needs an image world"):
        VAE().for_world(gaussian_world(2))
    with pytest.raises(ValueError, match="drop image_shape"):
        VAE(image_shape=(28, 28)).for_world(WORLD)
    with pytest.raises(ValueError, match="no image shape yet"):
        VAE().fit(WORLD.sample(5, rng=np.random.default_rng(0)), rng=np.random.default_rng(0))


@pytest.mark.parametrize(("settings", "message"), [
    ({"latent_dim": 0}, "latent_dim must be an integer >= 1"),
    ({"epochs": 2.5}, "epochs must be an integer"),
    ({"width": -3}, "width must be an integer >= 1 or None"),
    ({"learning_rate": 0.0}, "learning_rate must be a finite number > 0"),
    ({"likelihood": "poisson"}, "likelihood must be 'bernoulli' or 'gaussian'"),
    ({"output": "mode"}, "output must be 'mean' or 'sample'"),
    ({"device": "tpu"}, "device must be"),
])
def test_bad_settings_are_clear_errors(settings, message):
    with pytest.raises(ValueError, match=message):
        VAE(**settings)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message shown without a GPU")
def test_asking_for_cuda_without_a_gpu_says_what_to_use():
    with pytest.raises(ValueError, match="device='cpu', or 'auto'"):
        VAE(device="cuda")


def test_images_of_the_wrong_shape_or_range_are_refused():
    model = VAE(epochs=1).for_world(WORLD)
    with pytest.raises(ValueError, match=r"shape \(n, 64\)"):
        model.fit(Dataset.real(np.zeros((10, 784))), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="divide 8-bit images by 255"):
        model.fit(Dataset.real(np.full((10, 64), 16.0)), rng=np.random.default_rng(0))
    with pytest.raises(DegenerateFitError, match="no training images"):
        model.fit(Dataset.real(np.zeros((0, 64))), rng=np.random.default_rng(0))


def test_a_nan_loss_is_a_diverged_fit_and_the_chain_records_it():
    exploding = VAE(epochs=2, learning_rate=1e6).for_world(WORLD)
    with pytest.raises(DivergedError, match="lower learning_rate") as failure:
        exploding.fit(WORLD.sample(100, rng=np.random.default_rng(0)),
                      rng=np.random.default_rng(1))
    assert failure.value.status == "diverged"
    assert isinstance(failure.value, DegenerateFitError)
    chain = Chain(WORLD, VAE(epochs=2, learning_rate=1e6), Replace(), n_samples=100,
                  n_generations=3, metrics=(HeldOutELBO(),))
    frame = chain.run(2, seed=0)  # both replicates fail in generation 1; the run goes on
    assert len(frame) == 2 * 3 and (frame.status != "ok").all()
    assert frame.value.isna().all()


def test_the_chain_keeps_the_diverged_label():
    # The first step blows the weights up; the second epoch's loss is NaN.
    chain = Chain(WORLD, VAE(epochs=2, learning_rate=1e6), Replace(), n_samples=50,
                  n_generations=2, metrics=(HeldOutELBO(),))
    frame = chain.run(2, seed=0)
    assert len(frame) == 2 * 2 and (frame.status == "diverged").all()


def test_checkpoints_are_safetensors_that_load_back(tmp_path):
    model = _fitted(epochs=2, likelihood="gaussian")
    model.save(tmp_path / "vae.safetensors")
    from safetensors import safe_open

    with safe_open(str(tmp_path / "vae.safetensors"), framework="pt") as handle:
        assert "decoder.2.weight" in handle.keys()
    loaded = VAE.load(tmp_path / "vae.safetensors")
    assert loaded.image_shape == (8, 8) and loaded.likelihood == "gaussian"
    np.testing.assert_array_equal(loaded.encode(WORLD.held_out()), model.encode(WORLD.held_out()))
    np.testing.assert_array_equal(loaded.sample(9, rng=np.random.default_rng(4)).X,
                                  model.sample(9, rng=np.random.default_rng(4)).X)
    (tmp_path / "other.safetensors").write_bytes((tmp_path / "vae.safetensors").read_bytes()[:8])
    with pytest.raises(Exception):  # noqa: B017 (safetensors' own error for a broken file)
        VAE.load(tmp_path / "other.safetensors")


class _RecordingVAE(VAE):
    """A VAE that notes the origins of every training set it is given."""

    seen: ClassVar[list] = []

    def fit(self, data, *, rng):
        self.seen.append(np.asarray(data.origin).copy())
        return super().fit(data, rng=rng)


@pytest.mark.parametrize(("policy", "filters", "expected"), [
    (Replace(), (), {1: 40}),
    (Accumulate(), (), {0: 40, 1: 40}),
    (AccumulateSubsample(), (), None),
    (FreshReal(0.25), (), {0: 10, 1: 30}),
    (KeepOriginal(0.5), (), {0: 20, 1: 20}),
    (WebScrape(), (), None),
    (Replace(), (SyntheticDetector(tpr=0.5, fpr=0.0),), None),
], ids=["replace", "accumulate", "accumulate-subsample", "fresh-real", "keep-original",
        "web-scrape", "detector"])
def test_every_policy_and_the_detector_pool_images(policy, filters, expected):
    _RecordingVAE.seen = []
    chain = Chain(WORLD, _RecordingVAE(epochs=1, **QUICK), policy, n_samples=40,
                  n_generations=2, metrics=(HeldOutELBO(),), filters=filters)
    frame = chain.run(1, seed=3)
    assert (frame.status == "ok").all() and frame.generation.max() == 2
    first, second = _RecordingVAE.seen
    assert (first == 0).all() and len(first) == 40
    if expected is not None:
        assert dict(zip(*np.unique(second, return_counts=True), strict=True)) == expected
    if filters:  # the detector dropped about half the synthetic items
        kept = frame.set_index("metric").value["detector_kept_synthetic"]
        assert 0 < kept.iloc[-1] < 1 and len(second) < 40


def test_replace_collapses_the_images_and_accumulate_does_not():
    """Shumailov et al. (2024), Alemohammad et al. (2023): trained on its own decoded samples,
    a VAE's images lose their spread, their classes and their closeness to real images;
    keeping the real data (accumulate) holds them near generation 1."""
    metrics = (GeneratedImageMetrics(), LatentSpread(n_generated=500))
    frames = {}
    for policy in (Replace(), Accumulate()):
        chain = Chain(WORLD, VAE(epochs=30, **QUICK), policy, n_samples=500, n_generations=3,
                      metrics=metrics)
        frame = chain.run(3, seed=11)
        assert (frame.status == "ok").all()
        frames[policy.name] = frame.pivot_table(index=["replicate", "generation"],
                                                columns="metric", values="value")

    def change(policy, metric):
        """Per replicate: generation 3 minus generation 1."""
        table = frames[policy][metric].unstack("generation")
        return (table[3] - table[1]).to_numpy()

    def log_ratio(policy, metric):
        table = frames[policy][metric].unstack("generation")
        return np.log(table[3] / table[1]).to_numpy()

    # Generation 1 is shared (same streams), so the replicates pair up. Tolerances in
    # standard errors of the paired differences over 3 replicates; the effects are large.
    def separated(a, b):
        difference = a - b
        se = difference.std(ddof=1) / np.sqrt(len(difference))
        return difference.mean() > 3 * se and (difference > 0).all()

    assert separated(-log_ratio("replace", "latent_spread"), -log_ratio("accumulate",
                                                                        "latent_spread"))
    assert separated(change("replace", "frechet_distance"),
                     change("accumulate", "frechet_distance"))
    assert separated(-change("replace", "class_entropy"), -change("accumulate", "class_entropy"))
    assert separated(-change("replace", "class_coverage"),
                     -change("accumulate", "class_coverage"))
    # Generation 1 draws (almost) every class; by generation 3, replace keeps under a tenth
    # of its latent spread and at most half the classes in every replicate (seen: <= 0.01
    # and 0.1), accumulate over half and most classes (seen: >= 0.6 and 0.9).
    first = frames["replace"].xs(1, level="generation")
    assert (first["class_coverage"] >= 0.8).all()
    assert (log_ratio("replace", "latent_spread") < np.log(0.1)).all()
    assert (log_ratio("accumulate", "latent_spread") > np.log(0.5)).all()
    last = {name: frame.xs(3, level="generation") for name, frame in frames.items()}
    assert (last["replace"]["class_coverage"] <= 0.5).all()
    assert (last["accumulate"]["class_coverage"] >= 0.8).all()


def test_experiment_files_name_the_family_and_get_its_default_metrics():
    from modelcollapse.experiment.schema import parse_experiment
    from modelcollapse.experiment.sweep import build_chain

    experiment = parse_experiment({"name": "x", "world": "digits-images",
                                   "model": {"name": "vae", "epochs": 3, "device": "cpu"}})
    chain = build_chain(experiment)
    assert chain.model.image_shape == (8, 8) and chain.model.epochs == 3
    assert chain.metric_names() == ["frechet_distance", "precision", "recall", "class_coverage",
                                    "class_entropy", "latent_spread", "held_out_elbo"]
