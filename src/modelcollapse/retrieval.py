"""Correcting a frozen model at prediction time with k retrieved real items.

The frozen model counts as ``weight`` items of evidence (its training-set
size); the k items retrieved from the current world are added to that
evidence in closed form, as a conjugate update would: the model is never
refitted, and the correction of one generation is not carried to the next.

- Gaussian: first and second moments pooled, mean (Nμ̂ + Σx)/(N + k).
- Categorical: counts pooled, p = (Np̂ + counts)/(N + k), so words the frozen
  model never saw get mass once retrieved.
- Polynomial and linear regression: least squares with the frozen fit as a
  prior of N items, β = (N·G + ΦᵀΦ)⁻¹(N·G·β̂ + Φᵀy), G the second moments of
  the features under the input law (the world's grid for polynomials, I for
  x ~ N(0, I)).
- N-gram language model: an n-gram model with the same settings is counted on
  the k retrieved blocks, and the two are interpolated token by token,
  p(w | h) = (N·p_frozen(w | h) + k·p_retrieved(w | h))/(N + k), N and k in
  blocks: the weight pooling the two training sets' counts would give each,
  with every context's smoothing kept within its own model
  (:class:`InterpolatedNGram`).
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass

import numpy as np

from modelcollapse.data import Dataset
from modelcollapse.models.categorical import CategoricalModel
from modelcollapse.models.density import GaussianModel
from modelcollapse.models.linear import LinearRegression
from modelcollapse.models.ngram import NGramLM
from modelcollapse.models.regression import (
    PolynomialRegression,
    to_unit_interval,
    unit_vandermonde,
)

__all__ = ["InterpolatedNGram", "correct", "supports_retrieval"]


def _gaussian(model: GaussianModel, data: Dataset, weight: int, world) -> GaussianModel:
    X = np.asarray(data.X, dtype=float).reshape(len(data), -1)
    total = weight + len(X)
    mean = (weight * model.mean_ + X.sum(axis=0)) / total
    second = (weight * (model.cov_ + np.outer(model.mean_, model.mean_)) + X.T @ X) / total
    corrected = copy(model)
    corrected.mean_, corrected.cov_ = mean, second - np.outer(mean, mean)
    return corrected


def _categorical(model: CategoricalModel, data: Dataset, weight: int, world) -> CategoricalModel:
    items = np.asarray(data.X, dtype=np.int64)
    size = max(len(model.probabilities_), int(items.max()) + 1 if len(items) else 0)
    evidence = np.zeros(size)
    evidence[:len(model.probabilities_)] = weight * model.probabilities_
    evidence += np.bincount(items, minlength=size)
    corrected = copy(model)
    corrected.probabilities_ = evidence / evidence.sum()
    return corrected


def _with_prior(coef: np.ndarray, prior_gram: np.ndarray, design: np.ndarray, y: np.ndarray,
                weight: int) -> np.ndarray:
    """Least squares on ``design``, ``y`` with a prior of ``weight`` items centred on ``coef``."""
    gram = weight * prior_gram + design.T @ design
    return np.linalg.solve(gram, weight * prior_gram @ coef + design.T @ y)


def _polynomial(model: PolynomialRegression, data: Dataset, weight: int,
                world) -> PolynomialRegression:
    def features(x):
        return unit_vandermonde(to_unit_interval(np.asarray(x, float), model.domain),
                                model.degree)
    grid = features(world.grid)
    corrected = copy(model)
    corrected.coef_unit_ = _with_prior(model.coef_unit_, grid.T @ grid / len(grid),
                                       features(data.X), np.asarray(data.y, float), weight)
    return corrected


def _linear(model: LinearRegression, data: Dataset, weight: int, world) -> LinearRegression:
    X = np.asarray(data.X, float)
    corrected = copy(model)
    corrected.coef_ = _with_prior(model.coef_, np.eye(X.shape[1]), X,
                                  np.asarray(data.y, float), weight)
    return corrected


@dataclass(frozen=True)
class InterpolatedNGram:
    """Two fitted n-gram models mixed token by token with fixed weights.

    Keeps the language-model contract the text metrics use (``log_prob``,
    ``sample``, ``conditional``, ``vocab_size``, ``block_size``, ``tokenizer``).
    Sampling draws each token from ``frozen`` with probability
    1 − ``weight`` and from ``retrieved`` otherwise, given the same history,
    which is exactly the mixture :meth:`log_prob` scores (plain decoding only).

    Parameters
    ----------
    frozen, retrieved : NGramLM
        Fitted models with the same order, vocabulary and block size.
    weight : float
        The retrieved model's share, in [0, 1].
    """

    frozen: NGramLM
    retrieved: NGramLM
    weight: float

    @property
    def conditional(self) -> bool:  # noqa: D102
        return self.frozen.conditional

    @property
    def vocab_size(self) -> int:  # noqa: D102
        return self.frozen.vocab_size

    @property
    def block_size(self) -> int:  # noqa: D102
        return self.frozen.block_size

    @property
    def tokenizer(self):  # noqa: D102
        return self.frozen.tokenizer

    def log_prob(self, blocks: np.ndarray) -> np.ndarray:
        """Natural-log probability of every token under the mixture, shape (n, B)."""
        return np.logaddexp(np.log1p(-self.weight) + self.frozen.log_prob(blocks),
                            np.log(self.weight) + self.retrieved.log_prob(blocks))

    def sample(self, n: int, *, rng: np.random.Generator, X: np.ndarray | None = None) -> Dataset:
        """Write ``n`` blocks (continuing the prompts ``X`` if conditional), as NGramLM does."""
        frozen = self.frozen
        if frozen.conditional:
            if X is None or len(X) != n:
                raise ValueError("a conditional n-gram model continues prompts: pass X with "
                                 "one prompt per block (world.draw_inputs)")
            prompts = np.asarray(X, dtype=np.int64)
        else:
            prompts = np.empty((n, 0), dtype=np.int64)
        start = np.full((n, frozen.order - 1), frozen.vocab_size, dtype=np.int64)
        history = np.hstack([start, prompts])[:, prompts.shape[1]:]
        out = np.empty((n, frozen.block_size), dtype=np.int64)
        for t in range(frozen.block_size):
            retrieved = rng.random(n) < self.weight
            token = np.empty(n, dtype=np.int64)
            for rows, model in ((~retrieved, frozen), (retrieved, self.retrieved)):
                token[rows] = model._draw(history[rows], rng)
            out[:, t] = token
            history = np.hstack([history[:, 1:], token[:, None]])
        return Dataset.real(out)


def _ngram(model: NGramLM, data: Dataset, weight: int, world) -> InterpolatedNGram:
    retrieved = model.clone().fit(data)
    return InterpolatedNGram(model, retrieved, len(data) / (weight + len(data)))


def _plain_decoding(model: NGramLM) -> bool:
    return (model.temperature == 1 and model.top_k is None and model.top_p is None
            and model.repetition_penalty == 1 and model.beams == 1)


_CORRECTIONS = {
    GaussianModel: _gaussian,
    CategoricalModel: _categorical,
    PolynomialRegression: _polynomial,
    LinearRegression: _linear,
    NGramLM: _ngram,
}


def supports_retrieval(model) -> bool:
    """Whether a closed-form retrieval correction exists for ``model``'s family.

    N-gram models need plain decoding: the interpolated model samples by
    mixing the two models' draws, which temperature, top-k, top-p, repetition
    penalty and beam search would not respect.
    """
    if type(model) is NGramLM:
        return _plain_decoding(model)
    return type(model) in _CORRECTIONS


def correct(model, data: Dataset, *, weight: int, world):
    """A copy of the fitted ``model`` corrected by the retrieved real items ``data``.

    Parameters
    ----------
    model : GaussianModel, CategoricalModel, PolynomialRegression, LinearRegression or NGramLM
        A fitted model; left unchanged.
    data : Dataset
        The k retrieved items, drawn from the current world.
    weight : int
        How many items the frozen model's fit is worth (its training-set size).
    world : object
        The current world (the polynomial correction weights errors on its grid).
    """
    return _CORRECTIONS[type(model)](model, data, weight, world)
