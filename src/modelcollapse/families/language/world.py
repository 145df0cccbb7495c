"""Text worlds: a real corpus, tokenized and cut into blocks of B tokens.

A text world draws real training blocks, owns a fixed held-out set of real
blocks, and draws real prompt blocks for models that continue a prompt
(Shumailov et al.: prompt with a real block, write the next B tokens). See
:mod:`modelcollapse.text.corpora` for the corpora, :mod:`modelcollapse.text.tokenizers`
for the tokenizers and :mod:`modelcollapse.text.split` for the split.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.core.errors import UsageError
from modelcollapse.text.corpora import load_corpus
from modelcollapse.text.split import split_blocks
from modelcollapse.text.tokenizers import build_tokenizer

__all__ = ["TextWorld", "text_world"]


@dataclass(frozen=True, eq=False)
class TextWorld:
    """Real blocks of a tokenized corpus.

    Build one with :func:`text_world`.

    Attributes
    ----------
    name : str
        The corpus name (``shakespeare``, ``python-stdlib``, ``text:PATH``).
    tokenizer : CharTokenizer, BPETokenizer or HFTokenizer
        ``encode``, ``decode``, ``vocab_size``, ``name``.
    train : ndarray of int64 of shape (n_train, B)
        Training blocks.
    held_out : ndarray of int64 of shape (n_held_out, B)
        Held-out blocks.
    prompt_size : int
        Tokens per prompt (P) for models that continue real prompts.
    """

    name: str
    tokenizer: object
    train: np.ndarray
    held_out: np.ndarray
    prompt_size: int

    @property
    def block_size(self) -> int:
        """Tokens per block (B)."""
        return self.train.shape[1]

    @cached_property
    def train_text(self) -> str:
        """The training blocks decoded, in corpus order."""
        return self.tokenizer.decode(self.train.ravel())

    @cached_property
    def held_out_text(self) -> str:
        """The held-out blocks decoded, in corpus order."""
        return self.tokenizer.decode(self.held_out.ravel())

    def sample(self, n: int, *, rng: np.random.Generator) -> Dataset:
        """``n`` real training blocks, drawn without replacement (with, past the pool)."""
        index = rng.choice(len(self.train), size=n, replace=n > len(self.train))
        return Dataset.real(self.train[index])

    def draw_inputs(self, n: int, *, rng: np.random.Generator) -> np.ndarray:
        """``n`` real prompts: the last ``prompt_size`` tokens of random training blocks."""
        index = rng.choice(len(self.train), size=n, replace=n > len(self.train))
        return self.train[index, self.block_size - self.prompt_size:]

    def describe(self) -> str:
        """One line with the world's sizes."""
        return (f"{self.name} ({self.tokenizer.name}, {self.tokenizer.vocab_size} ids): "
                f"{len(self.train):,} training and {len(self.held_out):,} held-out blocks of "
                f"{self.block_size} tokens")


def text_world(corpus: str, tokenizer: str = "char", vocab_size: int = 1000,
               block_size: int = 64, held_out_fraction: float = 0.1,
               max_chars: int | None = None, prompt_size: int | None = None) -> TextWorld:
    """A text world, built once per set of settings in a process (corpora are large).

    Parameters
    ----------
    corpus : str
        ``"shakespeare"``, ``"python-stdlib"`` or ``"text:PATH"`` (a file, folder or glob).
    tokenizer : str, default "char"
        ``"char"``, ``"bpe"`` (trained on the corpus) or ``"hf:PATH"`` (a local checkpoint's).
    vocab_size : int, default 1000
        Ids of a BPE tokenizer (ignored by the others).
    block_size : int, default 64
        Tokens per block (B).
    held_out_fraction : float, default 0.1
        Share of blocks held out (see :mod:`modelcollapse.text.split`).
    max_chars : int or None
        Use only the corpus's first ``max_chars`` characters, for speed.
    prompt_size : int or None
        Tokens per prompt, at most ``block_size``; ``None`` means ``block_size``.

    Raises
    ------
    UsageError
        For a corpus or tokenizer that cannot be built, or impossible sizes.
    """
    if prompt_size is not None and (int(prompt_size) != prompt_size
                                    or not 1 <= prompt_size <= block_size):
        raise UsageError(f"prompt_size must be an integer in [1, block_size={block_size}] or "
                         f"None, got {prompt_size!r}")
    return _build(corpus, tokenizer, int(vocab_size), block_size, float(held_out_fraction),
                  max_chars, block_size if prompt_size is None else int(prompt_size))


@lru_cache(maxsize=8)
def _build(corpus: str, tokenizer: str, vocab_size: int, block_size: int,
           held_out_fraction: float, max_chars: int | None, prompt_size: int) -> TextWorld:
    text = load_corpus(corpus, max_chars).text
    coder = build_tokenizer(tokenizer, text, vocab_size)
    ids = coder.encode(text)
    try:
        train, held_out = split_blocks(ids, block_size, held_out_fraction)
    except UsageError as error:
        raise UsageError(f"{corpus}: {error}") from None
    train.flags.writeable = False  # shared by every chain built with these settings
    held_out.flags.writeable = False
    return TextWorld(corpus, coder, train, held_out, prompt_size)
