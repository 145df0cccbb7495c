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

    The counts above cannot tell a rare real word from a misspelling: a model
    that writes more and more non-words shows a growing vocabulary while the
    real distribution's tails, which Shumailov et al. see vanish, are lost.
    The figures below measure the output against the real training text
    itself. They count only the output's *complete* words, those with a
    non-word character on both sides inside their sequence, because a block
    cuts the words at its edges into fragments (so real blocks score
    ``real_word_share`` exactly 1):

    - ``real_word_share``: the share of output words that occur in the real
      text; ``invented_word_share`` is 1 minus it, the words it never uses;
    - ``real_mass_common``, ``real_mass_middle``, ``real_mass_rare``: the
      share of output words in each frequency class of the real vocabulary —
      the most frequent words holding at most 50% of the real occurrences,
      the rarest holding at most 10% (the words of ``tail_mass``, so
      ``real_mass_rare`` is ``tail_mass`` counted on complete words), the
      rest in between. Real text scores about 0.5, 0.4 and 0.1; the three
      and ``invented_word_share`` add up to 1;
    - ``real_vocabulary_covered``: the share of the real text's distinct
      words that the output uses. It grows with the output's length, so
      compare it only at one ``n_sequences`` and block size;
    - ``real_vocabulary_covered_relative``: the output's distinct real words
      over the number expected among as many word occurrences (m, the
      output's complete words, invented ones included) drawn at random from
      the real text without replacement (:func:`expected_distinct`). It
      corrects for length; real blocks score a little below 1, as a passage
      repeats its own words more than scattered draws do, and invented words
      lower it because they take places real words could have had;
    - ``real_word_js_bits``: the Jensen–Shannon divergence, in bits (0 to 1),
      between the real text's word distribution and the output's distribution
      over real words (invented words dropped, the rest renormalised). No
      smoothing is needed, as the divergence stays finite where either side
      has a zero. It is the plug-in estimate from the output's counts, so
      sampling alone keeps it above 0: real blocks of the same size score
      well above 0 too, and it falls as ``n_sequences`` grows.

    A ratio with no words to count (an output without complete words, or
    without real ones for the divergence) is NaN.

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
from scipy.special import gammaln

from modelcollapse.core.data import Dataset
from modelcollapse.core.metric import MeasureContext

__all__ = ["GeneratedText", "HeldOutPerplexity", "RealWords", "complete_words", "distinct_n",
           "expected_distinct", "js_divergence_bits", "rare_words", "real_word_figures",
           "repetition_rate", "words"]

_WORD = re.compile(r"\w+")
_REFERENCES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_REAL_WORDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def words(text: str) -> list[str]:
    """The words of ``text``: runs of letters, digits and underscores, lower-cased."""
    return _WORD.findall(text.lower())


def complete_words(text: str) -> list[str]:
    """The words of ``text`` with a non-word character on both sides inside it.

    A word touching either end of ``text`` may be a fragment of a longer word
    cut by a block's edge, so it is left out.
    """
    text = text.lower()
    return [match.group() for match in _WORD.finditer(text)
            if match.start() > 0 and match.end() < len(text)]


def _take_while_within(ranked, budget: float) -> frozenset[str]:
    """The leading words of ``ranked`` (word, count) whose running total stays within budget."""
    total, taken = 0, []
    for word, count in ranked:
        if total + count > budget:
            break
        total += count
        taken.append(word)
    return frozenset(taken)


def _rarest(counts: Counter, share: float) -> frozenset[str]:
    ranked = sorted(counts.items(), key=lambda item: (item[1], item[0]))
    return _take_while_within(ranked, share * sum(counts.values()))


def rare_words(text: str, share: float = 0.1) -> frozenset[str]:
    """The least frequent words of ``text`` that together hold ``share`` of its words.

    Words are taken from the rarest up (ties in alphabetical order) while the
    running total stays within the share.
    """
    return _rarest(Counter(words(text)), share)


@dataclass(frozen=True)
class RealWords:
    """The real text's word counts and frequency classes, what the output is measured against.

    Build it with :meth:`from_text`.

    Parameters
    ----------
    counts : Counter
        Occurrences of each word of the real text.
    common : frozenset of str
        The most frequent words (ties in alphabetical order) whose occurrences
        stay within ``common_share`` of the text's.
    rare : frozenset of str
        The rarest words whose occurrences stay within ``rare_share`` (as
        :func:`rare_words`). Every other real word is in the middle class.
    """

    counts: Counter
    common: frozenset[str]
    rare: frozenset[str]

    @classmethod
    def from_text(cls, text: str, common_share: float = 0.5,
                  rare_share: float = 0.1) -> RealWords:
        """Count the words of ``text`` and split them into classes.

        Parameters
        ----------
        text : str
            The real text.
        common_share, rare_share : float, default 0.5 and 0.1
            Shares of the occurrences the common and the rare class hold at
            most; they must add up to at most 1 so the classes cannot overlap.
        """
        if not (0 <= common_share and 0 <= rare_share and common_share + rare_share <= 1):
            raise ValueError(f"common_share = {common_share!r} and rare_share = {rare_share!r} "
                             "must be at least 0 and add up to at most 1")
        counts = Counter(words(text))
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        common = _take_while_within(ranked, common_share * sum(counts.values()))
        return cls(counts, common, _rarest(counts, rare_share))


def js_divergence_bits(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen–Shannon divergence in bits between two distributions on the same support.

    Parameters
    ----------
    p, q : array-like of shape (n_outcomes,)
        Non-negative weights; each is normalised to sum to 1. Zeros are
        allowed, the divergence stays finite (between 0 and 1).
    """
    p = np.asarray(p, dtype=float) / np.sum(p)
    q = np.asarray(q, dtype=float) / np.sum(q)
    m = (p + q) / 2

    def kl_to_m(a):
        # 0 · log 0 = 0; m > 0 wherever a > 0.
        support = a > 0
        return float(np.sum(a[support] * np.log2(a[support] / m[support])))

    return (kl_to_m(p) + kl_to_m(q)) / 2


def expected_distinct(counts: np.ndarray, m: int) -> float:
    """Distinct words expected among ``m`` occurrences drawn from a text without replacement.

    A word with c of the text's N occurrences is missed with the
    hypergeometric probability C(N − c, m) / C(N, m); ``m`` beyond N takes
    the whole text.

    Parameters
    ----------
    counts : array-like of shape (n_words,)
        Occurrences of each distinct word of the text.
    m : int
        Occurrences drawn.
    """
    counts = np.asarray(counts, dtype=float)
    N = counts.sum()
    m = min(m, N)
    rest = N - counts
    # log C(N − c, m) − log C(N, m), in log-gamma form; a word is certain to be drawn
    # once m exceeds the occurrences of all the other words.
    drawable = rest >= m
    log_missed = (gammaln(rest[drawable] + 1) - gammaln(rest[drawable] - m + 1)
                  - gammaln(N + 1) + gammaln(N - m + 1))
    return float(len(counts) - np.exp(log_missed).sum())


def real_word_figures(output_words: list[str], real: RealWords) -> dict[str, float]:
    """The output's words measured against the real text (see the module notes).

    Parameters
    ----------
    output_words : list of str
        The output's words, normally its complete words (:func:`complete_words`).
    real : RealWords
        The real text's words.

    Returns
    -------
    dict
        ``real_word_share``, ``invented_word_share``, ``real_mass_common``,
        ``real_mass_middle``, ``real_mass_rare``, ``real_vocabulary_covered``,
        ``real_vocabulary_covered_relative`` and ``real_word_js_bits``.
    """
    output = Counter(output_words)
    m = sum(output.values())
    vocabulary = list(real.counts)
    real_counts = np.array([real.counts[word] for word in vocabulary], dtype=float)
    output_counts = np.array([output[word] for word in vocabulary], dtype=float)
    in_real = int(output_counts.sum())
    common = sum(output[word] for word in real.common)
    rare = sum(output[word] for word in real.rare)
    covered = int(np.count_nonzero(output_counts))
    expected = expected_distinct(real_counts, m)
    nan = float("nan")
    return {
        "real_word_share": in_real / m if m else nan,
        "invented_word_share": 1 - in_real / m if m else nan,
        "real_mass_common": common / m if m else nan,
        "real_mass_middle": (in_real - common - rare) / m if m else nan,
        "real_mass_rare": rare / m if m else nan,
        "real_vocabulary_covered": covered / len(vocabulary) if vocabulary else nan,
        "real_vocabulary_covered_relative": covered / expected if expected else nan,
        "real_word_js_bits": js_divergence_bits(real_counts, output_counts) if in_real else nan,
    }


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
    from modelcollapse.families.language.ngram import NGramLM

    key = (order,)
    cache = _REFERENCES.setdefault(world, {})
    if key not in cache:
        cache[key] = NGramLM(order=order).for_world(world).fit(Dataset.real(world.train))
    return cache[key]


def _real_words(world) -> RealWords:
    """The words of the world's real training text, counted once per world."""
    if world not in _REAL_WORDS:
        _REAL_WORDS[world] = RealWords.from_text(world.train_text)
    return _REAL_WORDS[world]


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

    def measure(self, model, world, context=None) -> dict[str, float]:  # noqa: D102
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
    NAMES = ("distinct_1", "distinct_2", "distinct_3", "vocabulary_size", "unigram_entropy",
             "tail_mass", "repetition_rate", "generated_ppl_mean", "generated_ppl_median",
             "generated_ppl_q05", "generated_ppl_q95", "real_word_share",
             "invented_word_share", "real_mass_common", "real_mass_middle", "real_mass_rare",
             "real_vocabulary_covered", "real_vocabulary_covered_relative", "real_word_js_bits")

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

    def measure(self, model, world, context: MeasureContext) -> dict[str, float]:  # noqa: D102
        rng, artifacts = context.stream(), context.artifacts
        prompts = world.draw_inputs(self.n_sequences, rng=rng) if model.conditional else None
        blocks = np.asarray(model.sample(self.n_sequences, rng=rng, X=prompts).X, dtype=np.int64)
        V = world.tokenizer.vocab_size
        texts = [world.tokenizer.decode(block) for block in blocks]
        output_words = [word for text in texts for word in words(text)]
        real = _real_words(world)
        perplexity = np.exp(-np.mean(_reference(world, self.reference_order).log_prob(blocks),
                                     axis=1))
        figures = {f"distinct_{n}": distinct_n(blocks, n, V) for n in (1, 2, 3)}
        figures |= {
            "vocabulary_size": float(len(set(output_words))),
            "unigram_entropy": _entropy_bits(blocks),
            "tail_mass": (sum(word in real.rare for word in output_words) / len(output_words)
                          if output_words else 0.0),
            "repetition_rate": repetition_rate(blocks, V),
            "generated_ppl_mean": float(np.mean(perplexity)),
            "generated_ppl_median": float(np.median(perplexity)),
            "generated_ppl_q05": float(np.quantile(perplexity, 0.05)),
            "generated_ppl_q95": float(np.quantile(perplexity, 0.95)),
        }
        figures |= real_word_figures([word for text in texts for word in complete_words(text)],
                                     real)
        if artifacts is not None:
            artifacts.array("generated_perplexity", perplexity)
            for i, text in enumerate(texts[:self.n_kept]):
                if prompts is not None:
                    artifacts.text(f"prompt_{i}", world.tokenizer.decode(prompts[i]))
                artifacts.text(f"sample_{i}", text)
        return figures
