"""The fixed train / held-out split of a tokenized corpus into blocks of B tokens.

The token stream is cut into consecutive blocks of ``block_size`` tokens (a
last partial block is dropped). The blocks are grouped into up to 20
contiguous stripes of equal length, and the last ``held_out_fraction`` of
every stripe is held out. Held-out text therefore comes from all over the
corpus (every genre of play, every part of the library), each held-out run
is contiguous, and nothing random is involved: the same corpus, tokenizer and
settings always give the same split.

Sizes, with the character tokenizer, ``block_size=64`` and
``held_out_fraction=0.1``: Shakespeare (4.42 million characters) gives 69,122
blocks, 62,202 for training and 6,920 held out.
"""

from __future__ import annotations

import numpy as np

from modelcollapse.core.errors import UsageError

__all__ = ["N_STRIPES", "split_blocks"]

N_STRIPES = 20
"""Contiguous stripes the blocks are grouped into; each gives its tail to the held-out set."""


def split_blocks(ids: np.ndarray, block_size: int,
                 held_out_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``ids`` into blocks and split them into training and held-out blocks.

    Parameters
    ----------
    ids : ndarray of int64 of shape (n_tokens,)
        The tokenized corpus.
    block_size : int
        Tokens per block (B).
    held_out_fraction : float
        Share of every stripe's blocks held out, in (0, 1).

    Returns
    -------
    train, held_out : ndarray of int64 of shape (n, B) and (m, B)
        In corpus order.

    Raises
    ------
    UsageError
        If the corpus cannot give at least one training and one held-out block.
    """
    if int(block_size) != block_size or block_size < 1:
        raise UsageError(f"block_size must be an integer >= 1, got {block_size!r}")
    if not 0 < held_out_fraction < 1:
        raise UsageError(f"held_out_fraction must lie in (0, 1), got {held_out_fraction!r}")
    n_blocks = len(ids) // block_size
    if n_blocks < 2:
        raise UsageError(f"the corpus has {len(ids)} tokens, fewer than two blocks of "
                         f"{block_size}: use a larger corpus (or max_chars) or a smaller "
                         "block_size")
    blocks = np.asarray(ids[:n_blocks * block_size], dtype=np.int64).reshape(n_blocks,
                                                                              block_size)
    held = np.zeros(n_blocks, dtype=bool)
    for stripe in np.array_split(np.arange(n_blocks), min(N_STRIPES, n_blocks)):
        n_held = round(len(stripe) * held_out_fraction)
        if n_held:
            held[stripe[-n_held:]] = True
    if not held.any() or held.all():
        raise UsageError(f"held_out_fraction={held_out_fraction} leaves "
                         f"{'no held-out' if not held.any() else 'no training'} blocks out of "
                         f"{n_blocks}: choose a fraction nearer 0.1 or a larger corpus")
    return blocks[~held], blocks[held]
