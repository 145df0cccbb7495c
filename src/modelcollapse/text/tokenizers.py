"""Tokenizers: characters, byte-level BPE trained locally, or a local Hugging Face checkpoint's.

All three share one small interface: ``encode(text) -> int64 array``,
``decode(ids) -> str``, ``vocab_size`` and ``name``; ``bos_id`` / ``eos_id``
are set where the tokenizer has such tokens (``None`` otherwise).

- ``char``: one id per character of the corpus (sorted by code point), plus
  ``unk_id`` (the last id) for characters the corpus never showed; it decodes
  to U+FFFD.
- ``bpe``: byte-level BPE trained with the ``tokenizers`` library on the
  corpus (every string is encodable, so there is no unknown token). Training
  is deterministic: the same text and vocabulary size give the same merges.
- ``hf:PATH``: ``PATH/tokenizer.json`` of a local checkpoint, read with the
  ``tokenizers`` library (never the network); its BOS/EOS ids come from
  ``PATH/config.json`` where it names them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from modelcollapse.core.errors import UsageError

__all__ = ["BPETokenizer", "CharTokenizer", "HFTokenizer", "build_tokenizer"]

_REPLACEMENT = "\ufffd"


def _lines(text: str) -> list[str]:
    # Our own BPE is trained and applied line by line (newlines kept), so no merge spans a
    # line break and encoding runs in fast batches. It is not the same as encoding the whole
    # text ("\n   " pre-tokenizes as one piece there), so checkpoints' tokenizers, trained
    # on whole texts, encode whole texts (HFTokenizer.encode).
    return text.splitlines(keepends=True)


def _import_tokenizers():
    try:
        import tokenizers
    except ImportError:
        raise UsageError("BPE and hf: tokenizers need the tokenizers package: "
                         "pip install 'modelcollapse[text]'") from None
    return tokenizers


@dataclass(eq=False)
class CharTokenizer:
    """One id per character of ``alphabet``; anything else maps to ``unk_id``.

    Parameters
    ----------
    alphabet : str
        The characters, each once, in id order.
    """

    alphabet: str
    name = "char"
    bos_id = None
    eos_id = None
    _code_points: np.ndarray = field(init=False, repr=False)
    _order: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.alphabet or len(set(self.alphabet)) != len(self.alphabet):
            raise ValueError("the alphabet must hold each character once, and at least one")
        points = np.array([ord(c) for c in self.alphabet], dtype=np.int64)
        self._order = np.argsort(points)
        self._code_points = points[self._order]

    @classmethod
    def from_text(cls, text: str) -> CharTokenizer:
        """The tokenizer of every character in ``text``, sorted by code point."""
        return cls("".join(sorted(set(text))))

    @property
    def vocab_size(self) -> int:
        """Characters plus the unknown id."""
        return len(self.alphabet) + 1

    @property
    def unk_id(self) -> int:
        """The id of characters outside the alphabet."""
        return len(self.alphabet)

    def encode(self, text: str) -> np.ndarray:
        """Ids of the characters of ``text``, shape (len(text),)."""
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        where = np.minimum(np.searchsorted(self._code_points, points), len(self._code_points) - 1)
        known = self._code_points[where] == points
        return np.where(known, self._order[where], self.unk_id).astype(np.int64)

    def decode(self, ids) -> str:
        """The text of ``ids``; the unknown id decodes to U+FFFD."""
        table = np.array([*self.alphabet, _REPLACEMENT])
        return "".join(table[np.asarray(ids, dtype=np.int64)])


@dataclass(eq=False)
class _LibraryTokenizer:
    """A ``tokenizers.Tokenizer`` behind the project's small interface."""

    backend: object
    bos_id: int | None = None
    eos_id: int | None = None

    @property
    def vocab_size(self) -> int:
        """Number of ids, special tokens included."""
        return int(self.backend.get_vocab_size(with_added_tokens=True))

    def encode(self, text: str) -> np.ndarray:
        """Ids of ``text``, shape (n_tokens,)."""
        encodings = self.backend.encode_batch(_lines(text), add_special_tokens=False)
        return np.fromiter((i for e in encodings for i in e.ids), dtype=np.int64)

    def decode(self, ids) -> str:
        """The text of ``ids``."""
        return self.backend.decode([int(i) for i in np.asarray(ids).ravel()],
                                   skip_special_tokens=False)


class BPETokenizer(_LibraryTokenizer):
    """Byte-level BPE trained with the ``tokenizers`` library.

    Build it with :meth:`train`.
    """

    name = "bpe"

    @classmethod
    def train(cls, text: str, vocab_size: int = 1000) -> BPETokenizer:
        """Learn up to ``vocab_size`` ids (256 bytes plus merges) from ``text``.

        Raises
        ------
        ValueError
            If ``vocab_size`` is below 257 (the bytes plus one merge).
        """
        if int(vocab_size) != vocab_size or vocab_size < 257:
            raise ValueError(f"a byte-level BPE vocabulary needs vocab_size >= 257 (256 bytes "
                             f"and merges), got {vocab_size}")
        lib = _import_tokenizers()
        backend = lib.Tokenizer(lib.models.BPE())
        backend.pre_tokenizer = lib.pre_tokenizers.ByteLevel(add_prefix_space=False)
        backend.decoder = lib.decoders.ByteLevel()
        trainer = lib.trainers.BpeTrainer(
            vocab_size=int(vocab_size), show_progress=False,
            initial_alphabet=lib.pre_tokenizers.ByteLevel.alphabet())
        backend.train_from_iterator(_lines(text), trainer=trainer)
        return cls(backend)


class HFTokenizer(_LibraryTokenizer):
    """The tokenizer of a local Hugging Face checkpoint (``PATH/tokenizer.json``)."""

    name = "hf"

    def encode(self, text: str) -> np.ndarray:
        """Ids of ``text`` as the checkpoint's own tokenizer splits it, whole."""
        ids = self.backend.encode(text, add_special_tokens=False).ids
        return np.asarray(ids, dtype=np.int64)

    @classmethod
    def from_checkpoint(cls, path: str | Path) -> HFTokenizer:
        """Read ``path/tokenizer.json`` and the BOS/EOS ids of ``path/config.json``.

        Raises
        ------
        UsageError
            If the folder or its ``tokenizer.json`` is missing or unreadable.
        """
        folder = Path(path).expanduser()
        file = folder / "tokenizer.json"
        if not file.is_file():
            raise UsageError(f"hf:{path}: no tokenizer.json in {folder}; point at a local "
                             "checkpoint folder saved with a fast tokenizer "
                             "(tokenizer.save_pretrained), or make a tiny one with "
                             f"python -m modelcollapse.families.language.hf build-tiny {path}")
        lib = _import_tokenizers()
        try:
            backend = lib.Tokenizer.from_file(str(file))
        except Exception as error:  # the library raises its own untyped exception
            raise UsageError(f"hf:{path}: {file} cannot be read as a tokenizer ({error})") \
                from None
        ids = {}
        config = folder / "config.json"
        if config.is_file():
            settings = json.loads(config.read_text(encoding="utf-8"))
            ids = {key: settings.get(key) for key in ("bos_token_id", "eos_token_id")}
            ids = {key: value if isinstance(value, int) else None for key, value in ids.items()}
        return cls(backend, ids.get("bos_token_id"), ids.get("eos_token_id"))


def build_tokenizer(kind: str, text: str, vocab_size: int = 1000):
    """The tokenizer an experiment names.

    Parameters
    ----------
    kind : str
        ``"char"``, ``"bpe"`` or ``"hf:PATH"``.
    text : str
        The corpus the ``char`` and ``bpe`` tokenizers learn from.
    vocab_size : int, default 1000
        Size of a BPE vocabulary (ignored otherwise).

    Raises
    ------
    UsageError
        For an unknown kind or an unusable checkpoint path.
    """
    if kind == "char":
        return CharTokenizer.from_text(text)
    if kind == "bpe":
        return BPETokenizer.train(text, vocab_size)
    if kind.startswith("hf:") and len(kind) > 3:
        return HFTokenizer.from_checkpoint(kind[3:])
    raise UsageError(f"unknown tokenizer {kind!r}; use 'char', 'bpe' or 'hf:PATH' "
                     "(a local checkpoint folder)")
