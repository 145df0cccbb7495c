"""A categorical model refitted on its own samples, with the decoding biases of language models.

Counting is maximum likelihood, so a category that draws no sample gets
probability zero and can never come back (an absorbing state). Sampling may
be biased as decoders are: temperature T reweights p ↦ p^(1/T); top-k keeps
the k most probable categories; top-p keeps the smallest set of most probable
categories whose mass reaches p. The maths is vectorised over a trailing
replicate axis and shared with the batched kernel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.core.model import DegenerateFitError, Model

__all__ = ["CategoricalModel", "counts", "decoding_distribution", "sample_indices"]


def decoding_distribution(p: np.ndarray, temperature: float = 1.0, top_k: int | None = None,
                          top_p: float | None = None) -> np.ndarray:
    """The distribution a decoder actually samples from.

    Parameters
    ----------
    p : ndarray of shape (V, R)
        Model probabilities, one column per replicate.
    temperature, top_k, top_p
        See :class:`CategoricalModel`.

    Returns
    -------
    ndarray of shape (V, R)
    """
    q = p.copy()
    if temperature != 1.0:
        with np.errstate(divide="ignore"):
            logits = np.log(q) / temperature
        logits -= np.max(logits, axis=0, keepdims=True)
        q = np.exp(logits)
    if top_k is not None or top_p is not None:
        order = np.argsort(-q, axis=0, kind="stable")
        ranked = np.take_along_axis(q, order, axis=0)
        keep = np.ones_like(ranked, dtype=bool)
        if top_k is not None:
            keep[top_k:] = False
        if top_p is not None:
            mass_before = np.cumsum(ranked, axis=0) - ranked
            keep &= mass_before < top_p * ranked.sum(axis=0, keepdims=True)
        mask = np.zeros_like(keep)
        np.put_along_axis(mask, order, keep, axis=0)
        q = np.where(mask, q, 0.0)
    return q / q.sum(axis=0, keepdims=True)


def sample_indices(rng: np.random.Generator, q: np.ndarray, n: int) -> np.ndarray:
    """``n`` category indices drawn from each column of ``q`` (V, R), shape (n, R).

    All replicates are searched at once by inverse CDF: shifting replicate r's
    CDF into [r, r + 1] makes one sorted array of every CDF.
    """
    V, R = q.shape
    cdf = np.cumsum(q, axis=0)
    cdf /= cdf[-1]
    shift = np.arange(R)
    stacked = (cdf + shift).T.ravel()                       # replicate-major, increasing
    draws = rng.random((n, R)) + shift
    index = np.minimum(np.searchsorted(stacked, draws, side="right"), V * R - 1)
    return index - shift * V


def counts(indices: np.ndarray, vocabulary: int) -> np.ndarray:
    """Per-replicate category counts of ``indices`` (n, R), shape (V, R)."""
    R = indices.shape[1]
    flat = (indices + np.arange(R) * vocabulary).ravel()
    return np.bincount(flat, minlength=vocabulary * R).reshape(R, vocabulary).T.astype(float)


@dataclass
class CategoricalModel(Model):
    """Category frequencies fitted by counting; sampling with temperature, top-k or top-p.

    Parameters
    ----------
    temperature : float, default 1.0
        Below 1 sharpens towards frequent categories, above 1 flattens.
    top_k : int or None
        Sample only among the k most probable categories.
    top_p : float or None
        Sample only among the most probable categories holding this much mass.

    Attributes
    ----------
    probabilities_ : ndarray of shape (V,)
    """

    batched_kernel = "modelcollapse.families.categorical.kernel"

    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    probabilities_: np.ndarray = field(init=False, repr=False, compare=False)

    conditional = False

    def __post_init__(self) -> None:
        if not self.temperature > 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")
        if self.top_k is not None and (int(self.top_k) != self.top_k or self.top_k < 1):
            raise ValueError(f"top_k must be an integer >= 1, got {self.top_k}")
        if self.top_p is not None and not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must lie in (0, 1], got {self.top_p}")

    def fit(self, data: Dataset, *, rng: np.random.Generator | None = None) -> CategoricalModel:
        """Count categories (up to the largest index seen; metrics pad to the vocabulary).

        Raises
        ------
        DegenerateFitError
            For an empty training set.
        """
        items = np.asarray(data.X, dtype=np.int64)
        if len(items) == 0:
            raise DegenerateFitError("no items to count")
        tally = np.bincount(items).astype(float)
        self.probabilities_ = tally / tally.sum()
        return self

    def sample(self, n: int, *, rng: np.random.Generator, X: np.ndarray | None = None,
               generation: int = 1) -> Dataset:
        """Draw ``n`` category indices from the decoding distribution."""
        q = decoding_distribution(self.probabilities_[:, np.newaxis], self.temperature,
                                  self.top_k, self.top_p)[:, 0]
        return Dataset.synthetic(rng.choice(len(q), size=n, p=q), None, generation)
