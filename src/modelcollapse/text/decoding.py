"""How language models write: the decoding settings, and decoding on numpy tables.

:class:`Decoding` holds and checks the settings every language model takes
from an experiment file (n-gram, transformer, hf), so a key means the same in
each. The functions apply them to numpy probability tables of shape (n, V),
one row per sequence being written (the n-gram model); the PyTorch models
apply the same rules to logits in :mod:`modelcollapse.neural.decoding`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Decoding", "apply_repetition_penalty", "decoding_distribution", "sample_rows"]


@dataclass(frozen=True)
class Decoding:
    """How a language model writes tokens.

    Parameters
    ----------
    temperature : float, default 1.0
        Probabilities are raised to ``1 / temperature`` (logits divided by it);
        0 means greedy (always the most likely token).
    top_k : int or None, default None
        Sample only among the k most likely tokens; 0 or ``None`` turns it off
        (0 as in Hugging Face's ``generate``, so experiment files can sweep it).
    top_p : float or None, default None
        Sample only among the smallest set of most likely tokens whose
        probabilities add up to at least ``top_p`` (nucleus sampling).
    repetition_penalty : float, default 1.0
        CTRL's penalty (Keskar et al. 2019) on log-probabilities: a token the
        sequence already holds (prompt included) has its probability raised to
        this power before renormalising; above 1 discourages repeats, 1 is none.
    beams : int, default 1
        More than 1: deterministic beam search keeping ``beams`` hypotheses per
        sequence, returning the most likely (temperature, top-k and top-p must
        stay at their defaults; the repetition penalty still applies).
    """

    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    repetition_penalty: float = 1.0
    beams: int = 1

    def __post_init__(self) -> None:
        if not self.temperature >= 0:
            raise ValueError(f"temperature must be >= 0 (0 is greedy), got {self.temperature}")
        if self.top_k is not None and (int(self.top_k) != self.top_k or self.top_k < 0):
            raise ValueError(f"top_k must be an integer >= 1, or 0 or unset for none, "
                             f"got {self.top_k}")
        if self.top_p is not None and not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1] or unset, got {self.top_p}")
        if not self.repetition_penalty > 0:
            raise ValueError("repetition_penalty must be > 0 (1 is no penalty), "
                             f"got {self.repetition_penalty}")
        if int(self.beams) != self.beams or self.beams < 1:
            raise ValueError(f"beams must be an integer >= 1, got {self.beams}")
        sampling_set = self.temperature != 1.0 or self.top_k or self.top_p is not None
        if self.beams > 1 and sampling_set:
            raise ValueError("beam search is deterministic: with beams > 1 leave temperature, "
                             "top_k and top_p unset, or use beams = 1 to sample")


def apply_repetition_penalty(probabilities: np.ndarray, seen: np.ndarray,
                             penalty: float) -> np.ndarray:
    """Discourage ids a sequence already holds (Keskar et al. 2019, CTRL).

    CTRL divides a positive logit by the penalty and multiplies a negative one;
    on log-probabilities (never positive) that is ``p ↦ p ** penalty`` for
    the ids already seen. Rows are left unnormalised.

    Parameters
    ----------
    probabilities : ndarray of shape (n, V)
    seen : ndarray of bool of shape (n, V)
        Which ids each sequence holds so far (prompt included).
    penalty : float
        1 leaves the table as it is.
    """
    if penalty == 1:
        return probabilities
    return np.where(seen, probabilities ** penalty, probabilities)


def decoding_distribution(probabilities: np.ndarray, temperature: float = 1.0,
                          top_k: int | None = None, top_p: float | None = None) -> np.ndarray:
    """The distribution a decoder samples from, each row normalised.

    Temperature T reweights ``p ↦ p ** (1/T)``; top-k keeps each row's k most
    probable ids (ties broken by id); top-p keeps the smallest set of most
    probable ids whose mass reaches p (always at least one).

    Parameters
    ----------
    probabilities : ndarray of shape (n, V)
        Non-negative rows (need not be normalised).
    temperature, top_k, top_p
        See :class:`Decoding`.

    Returns
    -------
    ndarray of shape (n, V)
    """
    q = np.asarray(probabilities, dtype=float)
    if temperature == 0:  # greedy: all mass on each row's most likely id (ties: lowest id)
        greedy = np.zeros_like(q)
        greedy[np.arange(len(q)), np.argmax(q, axis=1)] = 1.0
        return greedy
    if temperature != 1.0:
        q = q / q.max(axis=1, keepdims=True)  # keeps p ** (1/T) away from underflow
        q = q ** (1.0 / temperature)
    if top_k and top_k < q.shape[1]:
        order = np.argsort(-q, axis=1, kind="stable")
        keep = np.zeros(q.shape, dtype=bool)
        np.put_along_axis(keep, order[:, :top_k], True, axis=1)
        q = np.where(keep, q, 0.0)
    if top_p is not None and top_p < 1:
        order = np.argsort(-q, axis=1, kind="stable")
        ranked = np.take_along_axis(q, order, axis=1)
        mass_before = np.cumsum(ranked, axis=1) - ranked
        keep = np.zeros(q.shape, dtype=bool)
        np.put_along_axis(keep, order, mass_before < top_p * ranked.sum(axis=1, keepdims=True),
                          axis=1)
        q = np.where(keep, q, 0.0)
    return q / q.sum(axis=1, keepdims=True)


def sample_rows(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One id per row of a normalised table, by inverse CDF; shape (n,)."""
    cdf = np.cumsum(probabilities, axis=1)
    draws = rng.random(len(cdf)) * cdf[:, -1]
    ids = (cdf <= draws[:, None]).sum(axis=1)
    return np.minimum(ids, cdf.shape[1] - 1)
