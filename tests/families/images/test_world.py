"""Image worlds: the bundled digits, Fashion-MNIST's IDX files, and checks on image arrays."""

import gzip

import numpy as np
import pytest

from modelcollapse.families.classification.world import DigitsWorld
from modelcollapse.families.images.world import (
    FASHION_MNIST_DIR,
    ImageWorld,
    as_images,
    digits_images,
    fashion_mnist,
    read_idx,
)


def _write_idx(path, array: np.ndarray) -> None:
    """Write ``array`` (uint8) as a gzipped IDX file, the format of (Fashion-)MNIST."""
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def fake_fashion(tmp_path):
    """Four tiny IDX files laid out like Debian's package: 30 train and 20 test images."""
    rng = np.random.default_rng(0)
    arrays = {"train": (rng.integers(0, 256, (30, 28, 28)), np.arange(30) % 10),
              "t10k": (rng.integers(0, 256, (20, 28, 28)), np.arange(20) % 10)}
    for prefix, (images, labels) in arrays.items():
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", images)
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return tmp_path, arrays


def test_digits_are_flat_float32_images_in_the_unit_interval_with_the_classifiers_split():
    world = digits_images()
    assert world.image_shape == (8, 8) and world.n_classes == 10
    assert world.train_images.shape == (1258, 64) and world.train_images.dtype == np.float32
    assert world.train_images.min() == 0.0 and world.train_images.max() == 1.0
    held_out, labels = world.held_out_labelled()
    reference, reference_labels = DigitsWorld().held_out_labelled()
    np.testing.assert_allclose(held_out, reference, atol=1e-7)
    np.testing.assert_array_equal(labels, reference_labels)


def test_sample_draws_real_training_images_only_without_labels():
    world = digits_images()
    data = world.sample(200, rng=np.random.default_rng(1))
    assert data.y is None and (data.origin == 0).all() and data.X.shape == (200, 64)
    train = {row.tobytes() for row in world.train_images}
    assert all(row.tobytes() in train for row in data.X)
    assert len({row.tobytes() for row in data.X}) == 200  # without replacement
    again = world.sample(200, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(data.X, again.X)


@pytest.mark.parametrize(("images", "message"), [
    (np.zeros((5, 63)), r"shape \(n, 64\) or \(n, 8, 8\)"),
    (np.zeros((5, 8, 9)), r"got \(5, 8, 9\)"),
    (np.full((5, 64), 255.0), "divide 8-bit images by 255"),
    (np.full((5, 64), -0.1), r"\[0, 1\]"),
    (np.full((5, 64), np.nan), "NaN"),
])
def test_wrong_shapes_and_ranges_are_clear_errors(images, message):
    with pytest.raises(ValueError, match=message):
        as_images(images, (8, 8))


def test_square_images_are_flattened():
    images = np.random.default_rng(0).random((4, 8, 8))
    flat = as_images(images, (8, 8))
    assert flat.shape == (4, 64) and flat.dtype == np.float32
    np.testing.assert_allclose(flat[2], images[2].ravel(), rtol=1e-6)


def test_a_world_checks_its_labels():
    images = np.zeros((3, 4))
    with pytest.raises(ValueError, match="one per image"):
        ImageWorld("x", (2, 2), images, np.zeros(2), images, np.zeros(3))
    with pytest.raises(ValueError, match="0 … 9"):
        ImageWorld("x", (2, 2), images, np.array([0, 1, 10]), images, np.zeros(3))


def test_read_idx_reads_what_was_written_and_refuses_broken_files(tmp_path):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    _write_idx(tmp_path / "a.gz", array)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz"), array)
    (tmp_path / "b").write_bytes(b"PK\x03\x04rest")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "b")
    raw = gzip.decompress((tmp_path / "a.gz").read_bytes())
    (tmp_path / "c").write_bytes(raw[:-5])
    with pytest.raises(ValueError, match="truncated"):
        read_idx(tmp_path / "c")


def test_fashion_mnist_from_idx_files_scales_subsets_and_keeps_labels(fake_fashion):
    root, arrays = fake_fashion
    world = fashion_mnist(n_train=12, n_held_out=None, root=str(root))
    assert world.image_shape == (28, 28) and world.class_names[9] == "Ankle boot"
    assert world.train_images.shape == (12, 784) and world.held_out_images.shape == (20, 784)
    images, labels = arrays["t10k"]
    np.testing.assert_allclose(world.held_out_images, images.reshape(20, -1) / 255, rtol=1e-6)
    np.testing.assert_array_equal(world.held_out_labels, labels)
    # the training subset is fixed and keeps each image with its own label
    train_images, train_labels = arrays["train"]
    again = fashion_mnist(n_train=12, n_held_out=None, root=str(root))
    np.testing.assert_array_equal(world.train_images, again.train_images)
    for image, label in zip(world.train_images, world.train_labels, strict=True):
        pixels = np.round(image * 255)
        match = np.flatnonzero((train_images.reshape(30, -1) == pixels).all(axis=1))
        assert train_labels[match[0]] == label
    with pytest.raises(ValueError, match="n_train must be an integer in 1 … 30"):
        fashion_mnist(n_train=31, root=str(root))


def test_missing_fashion_mnist_names_the_package_to_install(tmp_path):
    with pytest.raises(ValueError, match="apt-get install dataset-fashion-mnist"):
        fashion_mnist(root=str(tmp_path))


@pytest.mark.skipif(not (FASHION_MNIST_DIR / "t10k-images-idx3-ubyte.gz").exists(),
                    reason="Debian's dataset-fashion-mnist is not installed (.ci/run installs it)")
def test_the_installed_fashion_mnist_has_its_published_shape():
    world = fashion_mnist(n_held_out=None)
    assert world.train_images.shape == (60000, 784) and world.held_out_images.shape == (10000, 784)
    assert np.array_equal(np.bincount(world.held_out_labels), np.full(10, 1000))
    assert world.train_images.dtype == np.float32 and world.train_images.max() == 1.0
