"""Metrics of image generators, measured the way the model-collapse literature does.

Generated images are read through a **feature space**: the hidden layer of a
small classifier (a scikit-learn MLP) trained once per process on the world's
real training images. In that space:

- ``frechet_distance``: the Fréchet distance between Gaussians fitted to real
  held-out and generated features. FID-*style* only: the features are this
  small classifier's, not Inception-v3's, so values are comparable within a
  world and never with published FIDs.
- ``precision`` and ``recall``: Kynkäänniemi et al. (2019), "Improved
  precision and recall metric for assessing generative models": each set's
  manifold is the union of balls reaching every feature's k-th nearest
  neighbour; precision is the share of generated images inside the real
  manifold, recall the share of real images inside the generated one.
- ``class_coverage`` and ``class_entropy``: the classifier's labels of the
  generated images; coverage is the share of classes given at least half of
  their fair share (1 / (2 K) of the images), entropy the histogram's entropy
  in nats (log K when the classes are balanced).

Beside those, ``latent_spread`` (Shumailov et al. 2024) and ``held_out_elbo``
need a VAE. The spread reads generated images through a *reference encoder*:
a VAE with the chain's settings trained on real data, as generation 1 is, once
per world and settings, so every generation and replicate is measured with one
ruler.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, fields
from functools import cached_property
from typing import ClassVar

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.core.metric import MeasureContext
from modelcollapse.families.images.world import as_images

__all__ = [
    "FeatureSpace",
    "GeneratedImageMetrics",
    "HeldOutELBO",
    "LatentSD",
    "LatentSpread",
    "class_histogram",
    "feature_space",
    "frechet_distance",
    "image_grid",
    "image_scores",
    "manifold_share",
    "nearest_neighbour_radii",
    "precision_recall",
    "reference_vae",
]

FEATURE_SEED = 0xFEA7
"""Entropy of the feature classifier's training (one fixed stream, apart from any experiment)."""

REFERENCE_SEED = 0x2EF
"""Entropy of the reference encoder's training."""

MAX_CLASSIFIER_IMAGES = 5_000
"""The feature classifier learns from at most this many training images (a fixed subset)."""

MAX_REFERENCE_IMAGES = 5_000
"""The reference VAE learns from at most this many training images (a fixed subset)."""

COVERAGE_SHARE = 0.5
"""A class is covered when it gets at least this fraction of its fair share 1/K of the images."""

_feature_spaces: dict[str, FeatureSpace] = {}
_reference_vaes: dict[tuple, object] = {}


# -- the maths ------------------------------------------------------------------------------

def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet (2-Wasserstein) distance² between Gaussians fitted to two feature sets.

    ‖μa − μb‖² + tr(Ca + Cb − 2 (Ca^½ Cb Ca^½)^½), written with symmetric
    eigen-decompositions so it stays real and exactly 0 for identical sets.

    Parameters
    ----------
    a, b : ndarray of shape (n_a, d), (n_b, d)
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T        # Ca^½
    cross = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_root = np.sqrt(np.clip(cross, 0, None)).sum()
    distance = np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root
    return float(max(distance, 0.0))


def nearest_neighbour_radii(features: np.ndarray, k: int = 3, chunk: int = 1024) -> np.ndarray:
    """Distance from each point to its k-th nearest other point in the same set, shape (n,)."""
    from scipy.spatial.distance import cdist

    if len(features) <= k:
        raise ValueError(f"a k-NN manifold with k={k} needs more than {k} points, got "
                         f"{len(features)}: generate more images")
    # Brute force in chunks: for a few thousand points it beats a tree, with no thread pool.
    radii = [np.partition(cdist(features[i:i + chunk], features), k, axis=1)[:, k]
             for i in range(0, len(features), chunk)]  # column 0 holds the point itself
    return np.concatenate(radii)


def manifold_share(points: np.ndarray, centres: np.ndarray, radii: np.ndarray,
                   chunk: int = 1024) -> float:
    """Share of ``points`` inside at least one ball (``centres``, ``radii``)."""
    from scipy.spatial.distance import cdist

    inside = [np.any(cdist(points[i:i + chunk], centres) <= radii, axis=1)
              for i in range(0, len(points), chunk)]
    return float(np.mean(np.concatenate(inside)))


def precision_recall(real: np.ndarray, generated: np.ndarray, k: int = 3,
                     real_radii: np.ndarray | None = None) -> tuple[float, float]:
    """Kynkäänniemi et al.'s (precision, recall) of ``generated`` against ``real`` features."""
    if real_radii is None:
        real_radii = nearest_neighbour_radii(real, k)
    precision = manifold_share(generated, real, real_radii)
    recall = manifold_share(real, generated, nearest_neighbour_radii(generated, k))
    return precision, recall


def class_histogram(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Share of items per class, shape (n_classes,)."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_classes)
    return counts / max(counts.sum(), 1)


def image_grid(images: np.ndarray, image_shape: tuple[int, int], n_columns: int = 10,
               padding: int = 1) -> np.ndarray:
    """Tile flattened images into one picture, rows of ``n_columns``, on a mid-grey background.

    Returns
    -------
    ndarray of shape (rows·(H+p)+p, n_columns·(W+p)+p), values in [0, 1]
    """
    height, width = image_shape
    n = len(images)
    n_rows = max(1, -(-n // n_columns))
    grid = np.full((n_rows * (height + padding) + padding,
                    n_columns * (width + padding) + padding), 0.5, dtype=np.float32)
    for index, image in enumerate(np.asarray(images).reshape(n, height, width)):
        row, column = divmod(index, n_columns)
        top, left = padding + row * (height + padding), padding + column * (width + padding)
        grid[top:top + height, left:left + width] = image
    return grid


# -- the feature space ----------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class FeatureSpace:
    """A classifier trained on a world's real images, and the real reference in its space.

    Build it with :func:`feature_space` (cached per world).

    Parameters
    ----------
    classifier : sklearn.neural_network.MLPClassifier
        Fitted, one ReLU hidden layer.
    reference : ndarray of shape (n, H·W)
        The real images generated ones are compared with (the world's held-out set).
    accuracy : float
        The classifier's accuracy on the reference images.
    k : int
        Neighbours of the precision / recall manifolds.
    """

    classifier: object
    reference: np.ndarray
    accuracy: float
    k: int = 3

    def features(self, images: np.ndarray) -> np.ndarray:
        """Hidden-layer activations, shape (n, hidden units)."""
        weights, bias = self.classifier.coefs_[0], self.classifier.intercepts_[0]
        return np.maximum(np.asarray(images, float) @ weights + bias, 0.0)

    def predict(self, images: np.ndarray) -> np.ndarray:
        """The classifier's labels, shape (n,)."""
        return self.classifier.predict(np.asarray(images, float))

    @cached_property
    def reference_features(self) -> np.ndarray:
        """Features of the real reference images."""
        return self.features(self.reference)

    @cached_property
    def reference_radii(self) -> np.ndarray:
        """k-NN radii of the real reference features."""
        return nearest_neighbour_radii(self.reference_features, self.k)


def feature_space(world, hidden: int | None = None) -> FeatureSpace:
    """The feature space of an image world, trained on first use and cached per process.

    The classifier is an MLP with one ReLU layer (64 units for 8×8 images, 128
    for larger), trained deterministically on up to :data:`MAX_CLASSIFIER_IMAGES`
    of the world's real training images.
    """
    key = world.fingerprint
    if key in _feature_spaces:
        return _feature_spaces[key]
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    images, labels = world.labelled_train()
    stream = np.random.default_rng(np.random.SeedSequence(FEATURE_SEED))
    if len(images) > MAX_CLASSIFIER_IMAGES:
        keep = np.sort(stream.choice(len(images), MAX_CLASSIFIER_IMAGES, replace=False))
        images, labels = images[keep], labels[keep]
    hidden = hidden or (64 if world.n_pixels <= 256 else 128)
    classifier = MLPClassifier(hidden_layer_sizes=(hidden,), alpha=1e-3, max_iter=40,
                               random_state=np.random.RandomState(stream.integers(2**32)))
    # One BLAS thread: these matrices are small, and on a busy machine threaded BLAS
    # spun ten times slower. Stopping at max_iter is fine for a feature extractor.
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier.fit(np.asarray(images, float), labels)
    held_out, held_out_labels = world.held_out_labelled()
    accuracy = float(np.mean(classifier.predict(held_out) == held_out_labels))
    space = _feature_spaces[key] = FeatureSpace(classifier, held_out, accuracy)
    return space


def reference_vae(model, world):
    """A VAE with ``model``'s settings trained on the world's real images, cached per process.

    It stands in for generation 1's encoder (trained on real data, as
    generation 1 is) so that every generation and replicate is encoded by the
    same network. Trained on up to :data:`MAX_REFERENCE_IMAGES` real training
    images from a fixed stream.
    """
    settings = {f.name: getattr(model, f.name) for f in fields(model)
                if f.init and f.name not in ("output", "threads")}
    key = (world.fingerprint, tuple(sorted((k, repr(v)) for k, v in settings.items())))
    if key not in _reference_vaes:
        stream = np.random.default_rng(np.random.SeedSequence(REFERENCE_SEED))
        images, _ = world.labelled_train()
        if len(images) > MAX_REFERENCE_IMAGES:
            images = images[np.sort(stream.choice(len(images), MAX_REFERENCE_IMAGES,
                                                  replace=False))]
        _reference_vaes[key] = model.clone().fit(Dataset.real(images), rng=stream)
    return _reference_vaes[key]


# -- the metrics ----------------------------------------------------------------------------

def _is_image_generator(model, world) -> bool:
    return (getattr(model, "conditional", True) is False and hasattr(model, "sample")
            and hasattr(world, "image_shape") and hasattr(world, "held_out_labelled"))


@dataclass(frozen=True)
class GeneratedImageMetrics:
    """Feature-space quality of generated images, and a grid of them kept as an artifact.

    Records ``frechet_distance``, ``precision``, ``recall``, ``class_coverage``
    and ``class_entropy`` (see the module docstring), from ``n_generated``
    images drawn with the stream it is given; replicate 0 keeps the first
    ``n_grid`` of them as the image artifact ``"samples"``.

    Parameters
    ----------
    n_generated : int or None, default None
        Images drawn per measurement; ``None`` draws as many as the world holds
        out, so both precision/recall manifolds rest on equal counts.
    n_grid : int, default 100
        Images in the kept grid (rows of 10).
    """

    n_generated: int | None = None
    n_grid: int = 100

    name = "image_features"
    NAMES: ClassVar[tuple[str, ...]] = ("frechet_distance", "precision", "recall",
                                        "class_coverage", "class_entropy")

    def names(self, model) -> tuple[str, ...]:  # noqa: D102
        return self.NAMES

    def applies(self, model, world) -> bool:  # noqa: D102
        return _is_image_generator(model, world)

    def measure(self, model, world, context: MeasureContext) -> dict[str, float]:  # noqa: D102
        space = feature_space(world)
        n = self.n_generated or len(space.reference)
        images = as_images(model.sample(n, rng=context.stream()).X, world.image_shape,
                           what="generated images")
        if context.artifacts is not None:
            context.artifacts.image("samples", image_grid(images[:self.n_grid], world.image_shape))
        return image_scores(space, images, world.n_classes)


def image_scores(space: FeatureSpace, images: np.ndarray, n_classes: int) -> dict[str, float]:
    """The five feature-space figures of ``images`` against the space's real reference."""
    from threadpoolctl import threadpool_limits

    # One BLAS thread: the matrices are small, and threaded BLAS on a busy machine spins.
    with threadpool_limits(limits=1, user_api="blas"):
        generated = space.features(images)
        precision, recall = precision_recall(space.reference_features, generated, space.k,
                                             space.reference_radii)
        shares = class_histogram(space.predict(images), n_classes)
        distance = frechet_distance(space.reference_features, generated)
    present = shares[shares > 0]
    return {
        "frechet_distance": distance,
        "precision": precision,
        "recall": recall,
        "class_coverage": float(np.mean(shares >= COVERAGE_SHARE / n_classes)),
        "class_entropy": float(-np.sum(present * np.log(present))),
    }


@dataclass(frozen=True)
class LatentSpread:
    """Shumailov's measure: spread of the latent means of generated images.

    Average variance per latent dimension (a variance: :class:`LatentSD`
    gives standard deviations) of the reference encoder's
    posterior means (:func:`reference_vae`) over ``n_generated`` generated
    images. Falls as samples become more typical and the tails vanish.

    Parameters
    ----------
    n_generated : int, default 1000
    """

    n_generated: int = 1000

    name = "latent_spread"
    def names(self, model) -> tuple[str, ...]:  # noqa: D102
        return (self.name,)

    def applies(self, model, world) -> bool:  # noqa: D102
        return _is_image_generator(model, world) and hasattr(model, "encode")

    def measure(self, model, world, context: MeasureContext) -> dict[str, float]:  # noqa: D102
        from modelcollapse.core.model import DegenerateFitError

        images = model.sample(self.n_generated, rng=context.stream()).X
        try:
            reference = reference_vae(model, world)
        except DegenerateFitError:  # the settings diverge on real data too: no ruler to measure
            return {self.name: float("nan")}
        means = reference.encode(images)
        return {self.name: self._spread(means)}

    @staticmethod
    def _spread(means: np.ndarray) -> float:
        """Average variance per latent dimension (a variance, despite the name)."""
        return float(np.mean(np.var(means, axis=0)))


@dataclass(frozen=True)
class LatentSD(LatentSpread):
    """:class:`LatentSpread` in standard deviations: the mean per-dimension SD of latent means."""

    name = "latent_sd"

    @staticmethod
    def _spread(means: np.ndarray) -> float:
        return float(np.mean(np.std(means, axis=0)))


@dataclass(frozen=True)
class HeldOutELBO:
    """Mean ELBO (nats per image) of the world's held-out real images under the model."""

    name = "held_out_elbo"
    def names(self, model) -> tuple[str, ...]:  # noqa: D102
        return (self.name,)

    def applies(self, model, world) -> bool:  # noqa: D102
        return hasattr(model, "elbo") and hasattr(world, "image_shape")

    def measure(self, model, world, context: MeasureContext) -> dict[str, float]:  # noqa: D102
        return {self.name: float(np.mean(model.elbo(world.held_out(), rng=context.stream())))}
