r"""Metrics of language models, for every family that keeps the language-model contract.

They use only ``model.log_prob``, ``model.sample``, ``model.conditional`` and
the world's tokenizer, blocks and texts, so n-gram, transformer and Hugging
Face models are measured alike.

``held_out_perplexity`` (the headline)
    exp of the mean negative log-probability of the held-out real blocks
    (at most ``max_blocks`` of them, evenly spaced through the held-out set).
``generated_text``
    Writes ``n_sequences`` blocks (continuing real prompts if the model is
    conditional) and records, of that output:

    - ``distinct_1``, ``distinct_2``, ``distinct_3``: distinct token n-grams
      over all n-grams (Li et al. 2016), n-grams taken within sequences;
    - ``vocabulary_size``: distinct words (``\w+``, lower-cased) in the decoded text;
    - ``unigram_entropy``: entropy in bits of the output's token frequencies;
    - ``tail_mass``: the share of output words that are rare real words —
      the least frequent words of the real training text that together make
      up 10% of its word occurrences (so real text scores about 0.1; words
      the real text never uses are not counted as rare);
    - ``repetition_rate``: per sequence, the share of its token 4-grams that
      repeat an earlier one (Welleck et al. 2019's seq-rep-4), averaged;
    - ``generated_ppl_mean``, ``_median``, ``_q05``, ``_q95``: the
      per-sequence perplexities of the output under a reference model, a
      Kneser–Ney n-gram model of order ``reference_order`` fitted once on all
      real training blocks (the histogram of Shumailov et al.'s Fig. 1, who
      score under the generation-0 model).

    For the replicate that keeps artifacts it keeps the per-sequence
    perplexities (array ``generated_perplexity``) and the first ``n_kept``
    texts (``sample_0`` …, with ``prompt_0`` … for prompted models).
"""

from __future__ import annotations

import re
import weakref
from collections import Counter
from dataclasses import dataclass

import numpy as np

from modelcollapse.data import Dataset

__all__ = ["GeneratedText", "HeldOutPerplexity", "distinct_n", "rare_words", "repetition_rate",
           "words"]

_WORD = re.compile(r"\w+")
_REFERENCES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_RARE_WORDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def words(text: str) -> list[str]:
    """The words of ``text``: runs of letters, digits and underscores, lower-cased."""
    return _WORD.findall(text.lower())


def rare_words(text: str, share: float = 0.1) -> frozenset[str]:
    """The least frequent words of ``text`` that together hold ``share`` of its words.

    Words are taken from the rarest up (ties in alphabetical order) while the
    running total stays within the share.
    """
    counts = Counter(words(text))
    ranked = sorted(counts.items(), key=lambda item: (item[1], item[0]))
    budget, total, rare = share * sum(counts.values()), 0, []
    for word, count in ranked:
        if total + count > budget:
            break
        total += count
        rare.append(word)
    return frozenset(rare)


def _ngram_keys(blocks: np.ndarray, n: int, vocab_size: int) -> np.ndarray:
    """One int64 key per token n-gram inside each block, shape (rows, B − n + 1)."""
    B = blocks.shape[1]
    keys = np.zeros((len(blocks), B - n + 1), dtype=np.int64)
    for offset in range(n):
        keys = keys * vocab_size + blocks[:, offset:B - n + 1 + offset]
    return keys


def distinct_n(blocks: np.ndarray, n: int, vocab_size: int) -> float:
    """Distinct token n-grams over all n-grams, n-grams taken within rows."""
    if blocks.shape[1] < n:
        return float("nan")
    keys = _ngram_keys(blocks, n, vocab_size)
    return len(np.unique(keys)) / keys.size


def repetition_rate(blocks: np.ndarray, vocab_size: int, n: int = 4) -> float:
    """Mean over rows of the share of a row's n-grams that repeat an earlier one."""
    if blocks.shape[1] < n:
        return float("nan")
    keys = np.sort(_ngram_keys(blocks, n, vocab_size), axis=1)
    distinct = 1 + np.count_nonzero(np.diff(keys, axis=1), axis=1)
    return float(np.mean(1 - distinct / keys.shape[1]))


def _entropy_bits(ids: np.ndarray) -> float:
    counts = np.bincount(ids.ravel()).astype(float)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def _reference(world, order: int):
    """A Kneser–Ney model of the world's real training blocks, fitted once per world."""
    from modelcollapse.models.ngram import NGramLM

    key = (order,)
    cache = _REFERENCES.setdefault(world, {})
    if key not in cache:
        cache[key] = NGramLM(order=order).for_world(world).fit(Dataset.real(world.train))
    return cache[key]


def _rare(world) -> frozenset[str]:
    if world not in _RARE_WORDS:
        _RARE_WORDS[world] = rare_words(world.train_text)
    return _RARE_WORDS[world]


def _applies(model, world) -> bool:
    return hasattr(world, "tokenizer") and hasattr(world, "held_out")


@dataclass(frozen=True)
class HeldOutPerplexity:
    """Perplexity of the world's held-out real blocks under the model.

    A world whose items are padded to a block (code units) offers
    ``held_out_mask``; only the positions it marks are scored.

    Parameters
    ----------
    max_blocks : int or None, default 1000
        Score at most this many held-out blocks, evenly spaced; None scores all.
    """

    max_blocks: int | None = 1000
    name = "held_out_perplexity"

    def __post_init__(self):
        if self.max_blocks is not None and not (isinstance(self.max_blocks, int)
                                                and self.max_blocks >= 1):
            raise ValueError(f"held_out_perplexity: max_blocks = {self.max_blocks!r} must be "
                             "a whole number of at least 1 (or left out to score every block)")

    def names(self, model) -> tuple[str, ...]:  # noqa: D102
        return (self.name,)

    def applies(self, model, world) -> bool:  # noqa: D102
        return hasattr(model, "log_prob") and _applies(model, world)

    def measure(self, model, world) -> dict[str, float]:  # noqa: D102
        blocks = world.held_out
        # Worlds whose items are padded to a block (code units) say which positions count.
        mask = getattr(world, "held_out_mask", None)
        mask = np.ones(blocks.shape, dtype=bool) if mask is None else mask
        if self.max_blocks is not None and len(blocks) > self.max_blocks:
            chosen = np.linspace(0, len(blocks) - 1, self.max_blocks).astype(int)
            blocks, mask = blocks[chosen], mask[chosen]
        return {self.name: float(np.exp(-np.mean(model.log_prob(blocks)[mask])))}


@dataclass(frozen=True)
class GeneratedText:
    """Statistics of text the model writes (see the module notes).

    Parameters
    ----------
    n_sequences : int, default 256
        Blocks written per measurement.
    n_kept : int, default 3
        Texts kept as artifacts.
    reference_order : int, default 4
        Order of the reference Kneser–Ney model that scores the output.
    """

    n_sequences: int = 256
    n_kept: int = 3
    reference_order: int = 4
    name = "generated_text"
    needs_rng = True
    keeps_artifacts = True
    NAMES = ("distinct_1", "distinct_2", "distinct_3", "vocabulary_size", "unigram_entropy",
             "tail_mass", "repetition_rate", "generated_ppl_mean", "generated_ppl_median",
             "generated_ppl_q05", "generated_ppl_q95")

    def __post_init__(self):
        for key, least in (("n_sequences", 1), ("n_kept", 0), ("reference_order", 1)):
            value = getattr(self, key)
            if not isinstance(value, int) or value < least:
                raise ValueError(f"generated_text: {key} = {value!r} must be a whole number "
                                 f"of at least {least}")

    def names(self, model) -> tuple[str, ...]:  # noqa: D102
        return self.NAMES

    def applies(self, model, world) -> bool:  # noqa: D102
        return hasattr(model, "sample") and hasattr(world, "train") and _applies(model, world)

    def measure(self, model, world, *, rng: np.random.Generator,  # noqa: D102
                artifacts=None) -> dict[str, float]:
        prompts = world.draw_inputs(self.n_sequences, rng=rng) if model.conditional else None
        blocks = np.asarray(model.sample(self.n_sequences, rng=rng, X=prompts).X, dtype=np.int64)
        V = world.tokenizer.vocab_size
        texts = [world.tokenizer.decode(block) for block in blocks]
        output_words = [word for text in texts for word in words(text)]
        rare = _rare(world)
        perplexity = np.exp(-np.mean(_reference(world, self.reference_order).log_prob(blocks),
                                     axis=1))
        figures = {f"distinct_{n}": distinct_n(blocks, n, V) for n in (1, 2, 3)}
        figures |= {
            "vocabulary_size": float(len(set(output_words))),
            "unigram_entropy": _entropy_bits(blocks),
            "tail_mass": (sum(word in rare for word in output_words) / len(output_words)
                          if output_words else 0.0),
            "repetition_rate": repetition_rate(blocks, V),
            "generated_ppl_mean": float(np.mean(perplexity)),
            "generated_ppl_median": float(np.median(perplexity)),
            "generated_ppl_q05": float(np.quantile(perplexity, 0.05)),
            "generated_ppl_q95": float(np.quantile(perplexity, 0.95)),
        }
        if artifacts is not None:
            artifacts.array("generated_perplexity", perplexity)
            for i, text in enumerate(texts[:self.n_kept]):
                if prompts is not None:
                    artifacts.text(f"prompt_{i}", world.tokenizer.decode(prompts[i]))
                artifacts.text(f"sample_{i}", text)
        return figures
