"""Decoding shared by the PyTorch language models: sampling settings, sampling and beam search.

A model plugs in through a :class:`Stepper`: it turns a prompt into the logits
of the next token and then advances one token at a time, keeping whatever
cache it likes. :func:`generate` drives it with the settings of
:class:`~modelcollapse.text.decoding.Decoding` (the settings every language
model shares, with the same meaning). All randomness comes from a ``torch.Generator`` the caller
seeds from its numpy stream; every step draws exactly one uniform per
sequence, so a cached and an uncached stepper given the same generator write
the same tokens.
"""

from __future__ import annotations

from typing import Protocol

import torch

from modelcollapse.text.decoding import Decoding

__all__ = ["Decoding", "GeneratorPerGroup", "Stepper", "adjust_logits", "draw", "generate",
           "uniforms"]


class Stepper(Protocol):
    """One batch of sequences being written by a model."""

    def start(self, prompt: torch.Tensor) -> torch.Tensor:
        """Read ``prompt`` (n, P), P may be 0; return the next token's logits (n, V)."""

    def advance(self, token: torch.Tensor) -> torch.Tensor:
        """Append ``token`` (n,) to every sequence; return the next logits (n, V)."""

    def reorder(self, index: torch.Tensor) -> None:
        """Keep sequences ``index`` (n,) in that order (beam search)."""


def adjust_logits(logits: torch.Tensor, seen: torch.Tensor, decoding: Decoding) -> torch.Tensor:
    """Apply the repetition penalty, temperature, top-k and top-p to ``logits``.

    Parameters
    ----------
    logits : Tensor of shape (n, V)
    seen : bool Tensor of shape (n, V)
        Which tokens each sequence already holds.
    decoding : Decoding

    Returns
    -------
    Tensor of shape (n, V), float32
        Excluded tokens at ``-inf``; with temperature 0 the logits are left
        unscaled (greedy takes the arg-max).
    """
    logits = logits.float()
    if decoding.repetition_penalty != 1.0:
        # On log-probabilities, as the n-gram model does: p ↦ p ** penalty for seen tokens
        # (raw logits would make the penalty depend on their arbitrary offset).
        log_p = torch.log_softmax(logits, dim=-1)
        logits = torch.where(seen, log_p * decoding.repetition_penalty, log_p)
    if decoding.temperature not in (0.0, 1.0):
        logits = logits / decoding.temperature
    if decoding.top_k and decoding.top_k < logits.shape[-1]:
        kth = torch.topk(logits, decoding.top_k, dim=-1).values[:, -1:]  # (n, 1)
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if decoding.top_p is not None and decoding.top_p < 1.0:
        ordered, order = torch.sort(logits, dim=-1, descending=True)
        cumulative = torch.softmax(ordered, dim=-1).cumsum(dim=-1)
        # Drop a token when the more likely ones already reach top_p; the first always stays.
        drop = (cumulative - torch.softmax(ordered, dim=-1)) >= decoding.top_p
        logits = logits.scatter(-1, order, ordered.masked_fill(drop, float("-inf")))
    return logits


class GeneratorPerGroup:
    """One ``torch.Generator`` per equal group of consecutive rows.

    Replicates written together (:mod:`.replicated`) each keep their own
    stream this way: group ``r``'s rows draw exactly the uniforms that
    replicate ``r`` writing alone from ``generators[r]`` would draw.
    """

    def __init__(self, generators: list[torch.Generator]):
        self.generators = list(generators)

    def rand(self, n_rows: int, device: torch.device) -> torch.Tensor:
        """Uniforms (n_rows, 1), ``n_rows / len(generators)`` from each generator in turn."""
        per_group = n_rows // len(self.generators)
        return torch.cat([torch.rand(per_group, 1, generator=g, device=device)
                          for g in self.generators])


def uniforms(generator: torch.Generator | GeneratorPerGroup, n_rows: int,
             device: torch.device) -> torch.Tensor:
    """One uniform per row (n_rows, 1) from ``generator``."""
    if isinstance(generator, GeneratorPerGroup):
        return generator.rand(n_rows, device)
    return torch.rand(n_rows, 1, generator=generator, device=device)


def draw(logits: torch.Tensor, decoding: Decoding,
         generator: torch.Generator | GeneratorPerGroup) -> torch.Tensor:
    """Draw one token per row of adjusted ``logits`` (n, V); greedy at temperature 0.

    One uniform per row is drawn either way, and the token is found by
    inverting the cumulative distribution, so the generator advances the same
    whatever the logits are.
    """
    uniform = uniforms(generator, logits.shape[0], logits.device)
    if decoding.temperature == 0.0:
        return logits.argmax(dim=-1)
    probabilities = torch.softmax(logits, dim=-1)  # (n, V)
    cumulative = probabilities.cumsum(dim=-1)
    # right=True skips tokens of probability 0; rounding can push u·total past the end,
    # which then means the last token that has any probability.
    token = torch.searchsorted(cumulative, uniform * cumulative[:, -1:], right=True).squeeze(1)
    last = probabilities.shape[-1] - 1 - (probabilities > 0).flip(-1).int().argmax(dim=-1)
    return torch.minimum(token, last)


def generate(stepper: Stepper, prompt: torch.Tensor, n_new: int, vocab_size: int,
             decoding: Decoding, generator: torch.Generator) -> torch.Tensor:
    """Write ``n_new`` tokens after each prompt.

    Parameters
    ----------
    stepper : Stepper
        A fresh stepper of the model (it may have no state yet).
    prompt : Tensor of shape (n, P)
        Token ids; P may be 0 (unconditional writing).
    n_new : int
    vocab_size : int
        V, the width of the logits.
    decoding : Decoding
    generator : torch.Generator
        Unused by greedy decoding and beam search, which are deterministic.

    Returns
    -------
    Tensor of shape (n, n_new), int64
    """
    if decoding.beams > 1:
        return _beam_search(stepper, prompt, n_new, vocab_size, decoding)
    n = prompt.shape[0]
    seen = _seen(prompt, vocab_size)
    written = torch.empty(n, n_new, dtype=torch.long, device=prompt.device)
    logits = stepper.start(prompt)
    for t in range(n_new):
        token = draw(adjust_logits(logits, seen, decoding), decoding, generator)
        written[:, t] = token
        seen[torch.arange(n, device=seen.device), token] = True
        if t + 1 < n_new:
            logits = stepper.advance(token)
    return written


def _seen(prompt: torch.Tensor, vocab_size: int) -> torch.Tensor:
    seen = torch.zeros(prompt.shape[0], vocab_size, dtype=torch.bool, device=prompt.device)
    if prompt.shape[1]:
        seen.scatter_(1, prompt, True)
    return seen


def _beam_search(stepper: Stepper, prompt: torch.Tensor, n_new: int, vocab_size: int,
                 decoding: Decoding) -> torch.Tensor:
    """Keep the ``beams`` most likely continuations of each prompt; return the best."""
    n, k, V = prompt.shape[0], decoding.beams, vocab_size
    device = prompt.device
    prompt = prompt.repeat_interleave(k, dim=0)  # (n·k, P): beams of a sequence side by side
    seen = _seen(prompt, V)
    written = torch.empty(n * k, 0, dtype=torch.long, device=device)
    # Every beam starts identical: only the first counts, or the k beams would stay copies.
    scores = torch.full((n, k), float("-inf"), device=device)
    scores[:, 0] = 0.0
    logits = stepper.start(prompt)
    for t in range(n_new):
        log_p = torch.log_softmax(adjust_logits(logits, seen, decoding), dim=-1)  # (n·k, V)
        total = (scores.reshape(-1, 1) + log_p).reshape(n, k * V)
        scores, flat = torch.topk(total, k, dim=-1)  # (n, k), best first
        parent = (flat // V + torch.arange(n, device=device).unsqueeze(1) * k).reshape(-1)
        token = (flat % V).reshape(-1)
        written = torch.cat([written[parent], token.unsqueeze(1)], dim=1)
        seen = seen[parent]
        seen[torch.arange(n * k, device=device), token] = True
        if t + 1 < n_new:
            stepper.reorder(parent)
            logits = stepper.advance(token)
    return written.reshape(n, k, n_new)[:, 0]
