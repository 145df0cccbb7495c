"""Image worlds: real pictures for generative families (8×8 digits, 28×28 Fashion-MNIST).

Items are flattened images, float32 in [0, 1], in ``Dataset.X``; ``Dataset.y``
is ``None`` (generative families learn and write images only). The world keeps
the class labels, for metrics that read images through a classifier:
:meth:`ImageWorld.labelled_train` and :meth:`ImageWorld.held_out_labelled`.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.families.classification.world import SPLIT

__all__ = [
    "FASHION_CLASSES",
    "FASHION_MNIST_DIR",
    "ImageWorld",
    "as_images",
    "digits_images",
    "fashion_mnist",
    "read_idx",
]

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
"""Where Debian's ``dataset-fashion-mnist`` package puts the IDX files."""

FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot")

# IDX type codes (the third byte of the magic number) and the numpy dtypes they hold.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def as_images(images, image_shape: tuple[int, int], *, what: str = "images") -> np.ndarray:
    """Check an array of images and return it flattened, float32, shape (n, H·W).

    Parameters
    ----------
    images : array-like of shape (n, H·W) or (n, H, W)
        Pixel values in [0, 1].
    image_shape : tuple of int
        (H, W) the images must have.
    what : str, default "images"
        Names the array in error messages.

    Raises
    ------
    ValueError
        For another shape, NaN or infinite pixels, or values outside [0, 1].
    """
    array = np.asarray(images, dtype=np.float32)
    height, width = image_shape
    if array.ndim == 3 and array.shape[1:] == (height, width):
        array = array.reshape(len(array), -1)
    if array.ndim != 2 or array.shape[1] != height * width:
        raise ValueError(f"{what} must have shape (n, {height * width}) or (n, {height}, {width}) "
                         f"for {height}x{width} images, got {array.shape}: flatten each image "
                         "or pick the world with this image size")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what} contain NaN or infinite pixels: drop or repair those images")
    if array.size and (array.min() < 0 or array.max() > 1):
        raise ValueError(f"{what} must hold pixels in [0, 1], got values from {array.min():g} to "
                         f"{array.max():g}: divide 8-bit images by 255")
    return array


@dataclass(frozen=True, eq=False)
class ImageWorld:
    """Real labelled images with a fixed held-out set.

    Parameters
    ----------
    name : str
        Short name used in messages and caches (``"digits-images"``).
    image_shape : tuple of int
        (H, W) of every image.
    train_images, held_out_images : ndarray of shape (n, H·W)
        Pixels in [0, 1]; generation 1 and fresh real data come from the first.
    train_labels, held_out_labels : ndarray of int of shape (n,)
        Class of each image, 0 … ``len(class_names)`` − 1.
    class_names : tuple of str
        One name per class.
    """

    name: str
    image_shape: tuple[int, int]
    train_images: np.ndarray = field(repr=False)
    train_labels: np.ndarray = field(repr=False)
    held_out_images: np.ndarray = field(repr=False)
    held_out_labels: np.ndarray = field(repr=False)
    class_names: tuple[str, ...] = tuple(str(k) for k in range(10))

    def __post_init__(self) -> None:
        if len(self.image_shape) != 2 or min(self.image_shape) < 1:
            raise ValueError(f"image_shape must be (height, width), got {self.image_shape}")
        for part in ("train", "held_out"):
            images = as_images(getattr(self, f"{part}_images"), self.image_shape,
                               what=f"{part} images")
            labels = np.asarray(getattr(self, f"{part}_labels"), dtype=np.int64)
            if labels.shape != (len(images),):
                raise ValueError(f"{part} labels must have shape ({len(images)},), one per "
                                 f"image, got {labels.shape}")
            if len(labels) and (labels.min() < 0 or labels.max() >= self.n_classes):
                raise ValueError(f"{part} labels must lie in 0 … {self.n_classes - 1} "
                                 f"(one per class name)")
            if not len(images):
                raise ValueError(f"the world needs {part} images, got none")
            object.__setattr__(self, f"{part}_images", images)
            object.__setattr__(self, f"{part}_labels", labels)

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return len(self.class_names)

    @property
    def n_pixels(self) -> int:
        """H·W, the length of a flattened image."""
        return self.image_shape[0] * self.image_shape[1]

    @cached_property
    def fingerprint(self) -> str:
        """A digest of the world's images and labels: equal worlds share cached helpers."""
        digest = hashlib.blake2b(digest_size=16)
        digest.update(repr((self.name, self.image_shape, self.class_names)).encode())
        for array in (self.train_images, self.train_labels, self.held_out_images,
                      self.held_out_labels):
            digest.update(np.ascontiguousarray(array).data)
        return digest.hexdigest()

    def sample(self, n: int, *, rng: np.random.Generator) -> Dataset:
        """``n`` real training images, drawn without replacement (with, past the pool)."""
        index = rng.choice(len(self.train_images), size=n, replace=n > len(self.train_images))
        return Dataset.real(self.train_images[index])

    def labelled_train(self) -> tuple[np.ndarray, np.ndarray]:
        """All training images and their labels."""
        return self.train_images, self.train_labels

    def held_out_labelled(self) -> tuple[np.ndarray, np.ndarray]:
        """The fixed held-out images and their labels."""
        return self.held_out_images, self.held_out_labels

    def held_out(self) -> np.ndarray:
        """The fixed held-out images."""
        return self.held_out_images


@cache
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits, pixels scaled to [0, 1], read once per process."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.data / 16.0, digits.target


def digits_images(test_fraction: float = 0.3) -> ImageWorld:
    """scikit-learn's bundled 8×8 digits (1,797 images), pixels scaled to [0, 1].

    The train / held-out split is the one
    :class:`~modelcollapse.families.classification.world.DigitsWorld`
    uses, so the classification and image families see the same held-out images.

    Parameters
    ----------
    test_fraction : float, default 0.3
        Share held out.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    images, labels = _digits_arrays()
    order = np.random.default_rng(np.random.SeedSequence(SPLIT)).permutation(len(labels))
    n_test = round(test_fraction * len(labels))
    test, train = order[:n_test], order[n_test:]
    return ImageWorld("digits-images", (8, 8), images[train], labels[train],
                      images[test], labels[test])


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (the MNIST format), gzipped or not, into a numpy array.

    Raises
    ------
    ValueError
        If the header or the size does not match the format.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()})")
    dtype, n_dims = np.dtype(_IDX_TYPES[raw[2]]), raw[3]
    header = 4 + 4 * n_dims
    shape = tuple(int(d) for d in np.frombuffer(raw[4:header], dtype=">u4"))
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"{path} holds {len(raw)} bytes but its header {shape} needs {expected}: "
                         "the file is truncated or corrupt")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


@cache
def _fashion_arrays(root: str) -> tuple[np.ndarray, ...]:
    """The four Fashion-MNIST arrays under ``root``, read once per process."""
    folder = Path(root)
    names = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise ValueError(f"Fashion-MNIST not found: {folder} lacks {', '.join(missing)}; install "
                         "it with `apt-get install dataset-fashion-mnist` or pass root= the "
                         "folder that holds the four IDX files")
    arrays = tuple(read_idx(folder / name) for name in names)
    for images in arrays[::2]:
        if images.ndim != 3 or images.shape[1:] != (28, 28):
            raise ValueError(f"Fashion-MNIST images under {folder} are not 28x28: "
                             f"got {images.shape}")
    return arrays


def fashion_mnist(n_train: int | None = None, n_held_out: int | None = 2000,
                  root: str | None = None) -> ImageWorld:
    """Fashion-MNIST (28×28 greyscale clothing, 10 classes) from Debian's package.

    Parameters
    ----------
    n_train : int or None, default None
        Keep this many training images (a fixed subset); ``None`` keeps all 60,000.
    n_held_out : int or None, default 2000
        Keep this many of the 10,000 test images as the held-out set (metrics
        read all of it every generation); ``None`` keeps all.
    root : str or None
        Folder of the IDX files; ``None`` means :data:`FASHION_MNIST_DIR`.

    Raises
    ------
    ValueError
        If the files are missing (the message names ``apt-get install
        dataset-fashion-mnist``) or the sizes are impossible.
    """
    train_x, train_y, test_x, test_y = _fashion_arrays(str(root or FASHION_MNIST_DIR))
    subsets = []
    for what, size, images, labels in (("n_train", n_train, train_x, train_y),
                                        ("n_held_out", n_held_out, test_x, test_y)):
        if size is None:
            size = len(labels)
        if int(size) != size or not 1 <= size <= len(labels):
            raise ValueError(f"{what} must be an integer in 1 … {len(labels)}, got {size}")
        # A fixed subset, independent of any experiment's seed.
        keep = np.sort(np.random.default_rng(np.random.SeedSequence(SPLIT)).permutation(
            len(labels))[:int(size)])
        subsets += [images[keep].reshape(int(size), -1) / np.float32(255), labels[keep]]
    return ImageWorld("fashion-mnist", (28, 28), *subsets, class_names=FASHION_CLASSES)
