"""An n-gram language model over token blocks: counted with numpy, sampled in batches.

Every block is read on its own: its first token is predicted from k − 1
beginning-of-block symbols (an id ``V`` outside the vocabulary, never
predicted), so ``log_prob`` gives every position a probability, the first one
given only the block start. An m-gram is stored as one int64 key, its symbols
as digits in base ``V + 1`` (context first, so all continuations of one context
are neighbours in the sorted key table); ``np.unique`` does all the counting.

Smoothing (all interpolated, each order backing off to the one below and,
under the lowest, to the uniform distribution over the V ids):

``kneser-ney``
    Interpolated Kneser–Ney (Chen & Goodman 1998) with one absolute discount
    ``d``: the highest order discounts raw counts, lower orders discount
    continuation counts N₁₊(•h w). The unigram level is discounted too, by
    ``base_discount`` (default ``d``), and that mass goes to the uniform
    distribution: every id of the vocabulary, seen in training or not (an
    unknown token), keeps a finite probability. ``base_discount=0`` gives the
    textbook form of ``nltk.lm.KneserNeyInterpolated``, where ids never seen
    have probability 0.
``witten-bell``
    Interpolated Witten–Bell: context h gives the lower order the weight
    N₁₊(h•) / (c(h) + N₁₊(h•)); parameter-free.
``laplace``
    Add-one on the highest order alone: (c(h, w) + 1) / (c(h) + V), as
    ``nltk.lm.Laplace``.

Ids outside ``[0, V)`` are not unknown tokens but a tokenizer/model mismatch,
and an error. Sampling needs no table over the vocabulary when decoding is
plain: an interpolated model is a mixture, so each sequence picks a level
(with its probability) and draws among that level's continuations by one
binary search, all sequences at once. Temperature, top-k, top-p, repetition
penalty and beam search build the full (n, V) table instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.core.model import NOT_A_SETTING, DegenerateFitError, Model
from modelcollapse.text.decoding import (
    Decoding,
    apply_repetition_penalty,
    decoding_distribution,
    sample_rows,
)

__all__ = ["SMOOTHINGS", "NGramLM"]

SMOOTHINGS = ("kneser-ney", "witten-bell", "laplace")
_TABLE_CELLS = 1 << 22  # rows × V per dense block: 32 MB of float64


@dataclass(frozen=True)
class _Level:
    """One order's table: p(w | h) = (mass(h, w) + backoff(h) · p_lower(w | h')) / denominator(h).

    ``keys`` holds the order's m-gram keys sorted; the continuations of context
    ``context_keys[i]`` are ``keys[start[i]:stop[i]]``. ``cumulative`` is the
    running sum of ``mass`` with a leading 0, for sampling by binary search.
    """

    order: int
    keys: np.ndarray
    mass: np.ndarray
    cumulative: np.ndarray
    context_keys: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    backoff: np.ndarray
    denominator: np.ndarray

    def find_contexts(self, context: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of each context key in the table, and whether it is there."""
        index = np.minimum(np.searchsorted(self.context_keys, context), len(self.context_keys) - 1)
        return index, self.context_keys[index] == context

    def mass_of(self, grams: np.ndarray) -> np.ndarray:
        """The discounted mass of each m-gram key (0 for m-grams never seen)."""
        index = np.minimum(np.searchsorted(self.keys, grams), len(self.keys) - 1)
        return np.where(self.keys[index] == grams, self.mass[index], 0.0)


def _level(order: int, keys: np.ndarray, weights: np.ndarray, base: int, discount: float | None,
           extra_denominator: float | None = None) -> _Level:
    """Build one level from sorted unique keys and their (continuation) counts.

    ``discount`` set: absolute discounting (Kneser–Ney). Otherwise the counts
    are kept and the lower order gets ``extra_denominator`` (Laplace: V) or,
    when that is None, N₁₊(h•) (Witten–Bell) as backoff weight.
    """
    weights = weights.astype(float)
    context_keys, start, types = np.unique(keys // base, return_index=True, return_counts=True)
    total = np.add.reduceat(weights, start)
    if discount is not None:
        mass = np.maximum(weights - discount, 0.0)
        backoff, denominator = discount * types, total
    else:
        mass = weights
        backoff = np.full(len(types), extra_denominator, dtype=float) \
            if extra_denominator is not None else types.astype(float)
        denominator = total + backoff
    return _Level(order, keys, mass, np.concatenate([[0.0], np.cumsum(mass)]), context_keys,
                  start, start + types, backoff, denominator)


def gram_keys(blocks: np.ndarray, order: int, base: int) -> list[np.ndarray]:
    """Keys of the m-grams ending at every position, m = 1 … order, each (n, B).

    Blocks are padded on the left with ``order − 1`` start symbols (id ``base − 1``).
    """
    n, B = blocks.shape
    padded = np.hstack([np.full((n, order - 1), base - 1, dtype=np.int64), blocks])
    keys = [blocks.astype(np.int64)]
    for m in range(2, order + 1):
        keys.append(padded[:, order - m:order - m + B] * base ** (m - 1) + keys[-1])
    return keys


def _context_keys(history: np.ndarray, order: int, base: int) -> np.ndarray:
    """Key of the last ``order − 1`` symbols of each history row (0 for unigrams)."""
    key = np.zeros(len(history), dtype=np.int64)
    for column in range(history.shape[1] - (order - 1), history.shape[1]):
        key = key * base + history[:, column]
    return key


def _concatenated_ranges(start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """``concatenate([arange(a, b) for a, b in zip(start, stop)])`` without a loop."""
    lengths = stop - start
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(start - offsets, lengths) + np.arange(lengths.sum())


@dataclass
class NGramLM(Model):
    """An order-k n-gram language model with interpolated smoothing.

    Parameters
    ----------
    order : int, default 3
        k: each token is predicted from the k − 1 before it.
    smoothing : {"kneser-ney", "witten-bell", "laplace"}, default "kneser-ney"
        See the module notes.
    discount : float, default 0.75
        Kneser–Ney's absolute discount, in (0, 1].
    base_discount : float or None
        Kneser–Ney's discount of the unigram level towards the uniform
        distribution, in [0, 1]; ``None`` uses ``discount``; 0 leaves ids never
        seen in training with probability 0.
    temperature, top_k, top_p, repetition_penalty : decoding settings
        See :mod:`modelcollapse.text.decoding`.
    beams : int, default 1
        More than 1: deterministic beam search of this width (the highest
        total log-probability, after the other decoding settings), as
        Shumailov et al. decode with 5 beams.
    conditional : bool, default False
        False: ``sample`` writes blocks from the block start. True: the chain
        passes real prompts (``X``, shape (n, P)) and ``sample`` writes the B
        tokens that follow each.
    vocab_size, block_size : int or None
        Set from the world by :meth:`for_world`; a bare model takes V from its
        first training data and B from the blocks it sees.

    Attributes
    ----------
    levels_ : list of _Level
        The fitted tables, lowest order first.
    """

    order: int = 3
    smoothing: str = "kneser-ney"
    discount: float = 0.75
    base_discount: float | None = None
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    repetition_penalty: float = 1.0
    beams: int = 1
    conditional: bool = False
    # Read from the world by for_world, never set by an experiment file:
    vocab_size: int | None = field(default=None, metadata=NOT_A_SETTING)
    block_size: int | None = field(default=None, metadata=NOT_A_SETTING)
    tokenizer: object = field(default=None, repr=False, compare=False, metadata=NOT_A_SETTING)
    levels_: list = field(init=False, repr=False, compare=False, default_factory=list)
    _bigram_table_: np.ndarray | None = field(init=False, repr=False, compare=False,
                                              default=None)

    def __post_init__(self) -> None:
        if int(self.order) != self.order or self.order < 1:
            raise ValueError(f"order must be an integer >= 1, got {self.order}")
        if self.smoothing not in SMOOTHINGS:
            raise ValueError(f"unknown smoothing {self.smoothing!r}; use one of "
                             f"{', '.join(SMOOTHINGS)}")
        if not 0 < self.discount <= 1:
            raise ValueError(f"discount must lie in (0, 1], got {self.discount}")
        if self.base_discount is not None and not 0 <= self.base_discount <= 1:
            raise ValueError(f"base_discount must lie in [0, 1] or be None, got "
                             f"{self.base_discount}")
        Decoding(self.temperature, self.top_k, self.top_p, self.repetition_penalty,
                 self.beams)  # checks the settings, with the meaning every model gives them
        if self.vocab_size is not None:
            self._check_vocabulary(self.vocab_size)

    def _check_vocabulary(self, vocab_size: int) -> None:
        if (vocab_size + 1) ** self.order >= 2**63:
            raise ValueError(f"an order-{self.order} model over {vocab_size} ids needs keys "
                             "wider than 64 bits: lower the order or use a smaller vocabulary")

    # --- The model contract -------------------------------------------------------------------

    def for_world(self, world) -> NGramLM:
        """An unfitted copy with the world's tokenizer, vocabulary size and block size."""
        return replace(self, vocab_size=int(world.tokenizer.vocab_size),
                       block_size=int(world.block_size), tokenizer=world.tokenizer)

    @property
    def _base(self) -> int:
        return self.vocab_size + 1

    def fit(self, data: Dataset, *, rng: np.random.Generator | None = None) -> NGramLM:
        """Count the n-grams of ``data.X`` (int64 blocks, shape (n, B)).

        Raises
        ------
        DegenerateFitError
            For an empty training set.
        ValueError
            For ids outside the vocabulary (a tokenizer/model mismatch).
        """
        blocks = np.asarray(data.X)
        if blocks.ndim != 2 or blocks.size == 0:
            raise DegenerateFitError(f"no token blocks to count (got shape {blocks.shape})")
        if self.vocab_size is None:
            self.vocab_size = int(blocks.max()) + 1
            self._check_vocabulary(self.vocab_size)
        self._check_ids(blocks)
        if self.block_size is None:
            self.block_size = blocks.shape[1]
        grams = gram_keys(blocks, self.order, self._base)
        k, base, V = self.order, self._base, self.vocab_size
        keys, counts = np.unique(grams[-1], return_counts=True)
        if self.smoothing == "laplace":
            self.levels_ = [_level(k, keys, counts, base, None, float(V))]
            self._bigram_table_ = None
            return self
        levels = []
        for m in range(k, 0, -1):
            if m < k:
                if self.smoothing == "kneser-ney":  # continuation counts N₁₊(•g)
                    keys, counts = np.unique(keys % base ** m, return_counts=True)
                else:
                    keys, counts = np.unique(grams[m - 1], return_counts=True)
            if self.smoothing == "kneser-ney":
                d = self.discount if m > 1 or self.base_discount is None else self.base_discount
                levels.append(_level(m, keys, counts, base, d))
            else:
                levels.append(_level(m, keys, counts, base, None))
        self.levels_ = levels[::-1]
        self._bigram_table_ = None
        return self

    def log_prob(self, blocks: np.ndarray) -> np.ndarray:
        """Natural-log probability of every token given the tokens before it in its block.

        The first token of a block is given only the block start.

        Parameters
        ----------
        blocks : ndarray of int64 of shape (n, B)

        Returns
        -------
        ndarray of float64 of shape (n, B)
        """
        blocks = np.asarray(blocks, dtype=np.int64)
        self._check_ids(blocks)
        grams = gram_keys(blocks, self.order, self._base)
        p = np.full(blocks.shape, 1.0 / self.vocab_size)
        for level in self.levels_:
            gram = grams[level.order - 1]
            index, seen = level.find_contexts(gram // self._base)
            mixed = (level.mass_of(gram) + level.backoff[index] * p) / level.denominator[index]
            p = np.where(seen, mixed, p)
        with np.errstate(divide="ignore"):
            return np.log(p)

    def sample(self, n: int, *, rng: np.random.Generator, X: np.ndarray | None = None) -> Dataset:
        """Write ``n`` blocks of B tokens (continuations of the prompts ``X`` if conditional).

        Returns
        -------
        Dataset
            ``X`` of int64, shape (n, B); ``y`` None.
        """
        if self.conditional:
            if X is None or len(X) != n:
                raise ValueError("a conditional n-gram model continues prompts: pass X with "
                                 "one prompt per block (world.draw_inputs)")
            prompts = np.asarray(X, dtype=np.int64)
            self._check_ids(prompts)
        else:
            prompts = np.empty((n, 0), dtype=np.int64)
        # Model-written: origin 1, whoever wraps it later (the chain sets the generation).
        return Dataset.synthetic(self.generate(prompts, rng=rng), None, 1)

    # --- Generation ---------------------------------------------------------------------------

    def generate(self, prompts: np.ndarray, *, rng: np.random.Generator,
                 length: int | None = None) -> np.ndarray:
        """Continue each prompt by ``length`` tokens (default B); shape (n, length).

        An empty prompt (shape (n, 0)) starts from the block start.
        """
        length = self.block_size if length is None else length
        n = len(prompts)
        start = np.full((n, self.order - 1), self.vocab_size, dtype=np.int64)  # block start
        history = np.hstack([start, prompts])[:, prompts.shape[1]:]
        if self.beams > 1:
            return self._beam_search(history, prompts, length)
        plain = (self.temperature == 1 and self.top_k is None and self.top_p is None
                 and self.repetition_penalty == 1)
        seen = None if plain else self._seen(prompts)
        out = np.empty((n, length), dtype=np.int64)
        for t in range(length):
            if plain:
                token = self._draw(history, rng)
            else:
                token = np.concatenate([
                    sample_rows(self._decoded(history[rows], seen[rows]), rng)
                    for rows in self._row_chunks(n)])
                seen[np.arange(n), token] = True
            out[:, t] = token
            history = np.hstack([history[:, 1:], token[:, None]])
        return out

    def _seen(self, prompts: np.ndarray) -> np.ndarray:
        seen = np.zeros((len(prompts), self.vocab_size), dtype=bool)
        seen[np.repeat(np.arange(len(prompts)), prompts.shape[1]), prompts.ravel()] = True
        return seen

    def _row_chunks(self, n: int) -> list[np.ndarray]:
        size = max(1, _TABLE_CELLS // self.vocab_size)
        return [np.arange(i, min(i + size, n)) for i in range(0, n, size)]

    def _draw(self, history: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One token per history row, from the mixture the smoothing defines."""
        token = np.full(len(history), -1, dtype=np.int64)
        pending = np.arange(len(history))
        for level in reversed(self.levels_):
            index, seen = level.find_contexts(_context_keys(history[pending], level.order,
                                                            self._base))
            rows, index = pending[seen], index[seen]
            start, stop = level.start[index], level.stop[index]
            u = rng.random(len(rows)) * level.denominator[index]
            here = u < level.cumulative[stop] - level.cumulative[start]
            entry = np.searchsorted(level.cumulative, level.cumulative[start[here]] + u[here],
                                    side="right") - 1
            entry = np.clip(entry, start[here], stop[here] - 1)  # guards float rounding
            token[rows[here]] = level.keys[entry] % self._base
            pending = pending[token[pending] < 0]
        token[pending] = rng.integers(self.vocab_size, size=len(pending))
        return token

    def probabilities(self, history: np.ndarray) -> np.ndarray:
        """The model's next-token distribution after each history row, shape (n, V).

        Parameters
        ----------
        history : ndarray of int64 of shape (n, order − 1)
            The preceding symbols; id V stands for the block start.
        """
        levels, table = self.levels_, None
        if self.order >= 2 and levels[0].order == 1 and (self.vocab_size + 1) * self.vocab_size \
                <= _TABLE_CELLS:
            # Unigram and bigram levels depend on the last symbol alone: look them up.
            table = self._bigram_table()[history[:, -1]]
            levels = levels[2:]
        return self._mix(levels, history, table)

    def _bigram_table(self) -> np.ndarray:
        """The distribution after the two lowest levels for every last symbol, (V + 1, V)."""
        if getattr(self, "_bigram_table_", None) is None:
            last = np.arange(self.vocab_size + 1)[:, None]
            self._bigram_table_ = self._mix(self.levels_[:2], last, None)
        return self._bigram_table_

    def _mix(self, levels: list[_Level], history: np.ndarray,
             table: np.ndarray | None) -> np.ndarray:
        """Apply ``levels`` in order, starting from ``table`` (uniform when None)."""
        n, base = len(history), self._base
        if table is None:
            table = np.full((n, self.vocab_size), 1.0 / self.vocab_size)
        for level in levels:
            index, seen = level.find_contexts(_context_keys(history, level.order, base))
            rows, index = np.flatnonzero(seen), index[seen]
            factor = np.ones(n)
            factor[rows] = level.backoff[index] / level.denominator[index]
            table *= factor[:, None]
            lengths = level.stop[index] - level.start[index]
            entries = _concatenated_ranges(level.start[index], level.stop[index])
            table[np.repeat(rows, lengths), level.keys[entries] % base] += (
                level.mass[entries] / np.repeat(level.denominator[index], lengths))
        return table

    def _decoded(self, history: np.ndarray, seen: np.ndarray) -> np.ndarray:
        table = apply_repetition_penalty(self.probabilities(history), seen,
                                         self.repetition_penalty)
        return decoding_distribution(table, self.temperature, self.top_k, self.top_p)

    def _beam_search(self, history: np.ndarray, prompts: np.ndarray, length: int) -> np.ndarray:
        """The most probable continuation found by beam search, per prompt; (n, length)."""
        size = max(1, _TABLE_CELLS // (self.vocab_size * self.beams))
        parts = [self._beam_rows(history[i:i + size], prompts[i:i + size], length)
                 for i in range(0, len(history), size)]
        return np.concatenate(parts) if parts else np.empty((0, length), dtype=np.int64)

    def _beam_rows(self, history: np.ndarray, prompts: np.ndarray, length: int) -> np.ndarray:
        n, b, V = len(history), self.beams, self.vocab_size
        score = np.full((n, b), -np.inf)
        score[:, 0] = 0.0  # one live hypothesis at first, so the beams do not start as copies
        history = np.repeat(history, b, axis=0)                      # (n·b, k − 1)
        seen = np.repeat(self._seen(prompts), b, axis=0)             # (n·b, V)
        tokens = np.zeros((n, b, length), dtype=np.int64)
        for t in range(length):
            with np.errstate(divide="ignore"):
                step = np.log(self._decoded(history, seen)).reshape(n, b, V)
            total = (score[:, :, None] + step).reshape(n, b * V)
            best = np.argpartition(-total, b - 1, axis=1)[:, :b]
            best = np.take_along_axis(best, np.argsort(-np.take_along_axis(total, best, axis=1),
                                                       axis=1, kind="stable"), axis=1)
            parent, token = best // V, best % V
            score = np.take_along_axis(total, best, axis=1)
            tokens = np.take_along_axis(tokens, parent[:, :, None], axis=1)
            tokens[:, :, t] = token
            flat_parent = (parent + np.arange(n)[:, None] * b).ravel()
            history = np.hstack([history[flat_parent, 1:], token.reshape(-1, 1)])
            seen = seen[flat_parent]
            seen[np.arange(n * b), token.ravel()] = True
        return tokens[np.arange(n), np.argmax(score, axis=1)]

    def _check_ids(self, ids: np.ndarray) -> None:
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
            raise ValueError(f"token ids must lie in [0, {self.vocab_size}) for this model's "
                             f"vocabulary, got ids from {ids.min()} to {ids.max()}: the "
                             "tokenizer and the model disagree; build the model with "
                             "for_world(world) of the world that tokenized the data")
