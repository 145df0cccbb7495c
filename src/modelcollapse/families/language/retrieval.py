"""Retrieval for n-gram models: a model counted on the k retrieved blocks, interpolated.

p(w | h) = (N·p_frozen(w | h) + k·p_retrieved(w | h))/(N + k), N and k in
blocks: the weight pooling the two training sets' counts would give each,
with every context's smoothing kept within its own model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.families.language.ngram import NGramLM
from modelcollapse.policies.retrieval import corrects

__all__ = ["InterpolatedNGram", "interpolated", "plain_decoding"]


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


def plain_decoding(model: NGramLM) -> bool:
    """Whether ``model`` samples plainly, which the interpolated model needs.

    It samples by mixing the two models' draws, which temperature, top-k,
    top-p, repetition penalty and beam search would not respect.
    """
    return (model.temperature == 1 and model.top_k is None and model.top_p is None
            and model.repetition_penalty == 1 and model.beams == 1)


@corrects(NGramLM, when=plain_decoding)
def interpolated(model: NGramLM, data: Dataset, weight: int, world) -> InterpolatedNGram:
    """The frozen model interpolated with one counted on the retrieved blocks."""
    retrieved = model.clone().fit(data)
    return InterpolatedNGram(model, retrieved, len(data) / (weight + len(data)))
