"""The code world: whole top-level functions and classes of CPython's standard library.

Code written before code assistants existed: the "low-background" corpus.
Every item is one unit (a top-level ``def`` or ``class`` with its decorators,
after the file's own import lines that it uses, so imports, module attributes
and keywords can be verified within the item) encoded by a text tokenizer
(:mod:`modelcollapse.text.tokenizers`) and padded to B tokens with newlines
after a blank-line terminator, so a generated block decodes back to one unit
that can be parsed on its own. Units that do not fit B tokens are left out.
Whole modules are held out (every k-th file in sorted order), so held-out
units come from code the model never saw.

API drift: with ``drift`` > 0, generation g's world (:meth:`CodeWorld.at`)
has renamed a share ``drift`` of the remaining original API functions at each
generation 2 … g, ``name`` becoming ``name_v<h>`` at generation h, and every
unit rewritten accordingly. The API is the public top-level functions whose
name means only them: defined once, not a builtin (``input``) nor a method
of a builtin type (``split``) nor of a class anywhere in the corpus
(``write``), since a rename rewrites every use of the word.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.core.drift import check_drift
from modelcollapse.core.errors import UsageError
from modelcollapse.families.code.thirdparty import site_packages_files
from modelcollapse.text.corpora import read_utf8_files, stdlib_files

__all__ = ["TERMINATOR", "CodeWorld", "code_world", "stdlib_units"]

TERMINATOR = "\n\n\n"
"""Ends every unit (units themselves never hold two blank lines in a row)."""

_MAX_CHARS_PER_TOKEN = 6  # generous for a BPE of 1,000 ids on code (about 3 on average)
_BLANK_RUNS = re.compile(r"\n\s*\n(\s*\n)+")
_WORD = re.compile(r"[A-Za-z_]\w*")
_UNIT_START = re.compile(r"(?:async\s+def|def|class)\s+([A-Za-z_]\w*)")


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _import_lines(source: str) -> list[tuple[str, set[str]]]:
    """The file's one-line top-level imports and the names each binds."""
    found = []
    for line in source.splitlines():
        if line.startswith(("import ", "from ")) and "(" not in line and "\\" not in line:
            try:
                node = ast.parse(line).body[0]
            except (SyntaxError, IndexError):
                continue
            found.append((line, {(a.asname or a.name).partition(".")[0] for a in node.names}))
    return found


def _units_of(source: str, max_chars: int) -> list[tuple[str, str]]:
    """(name, text) of the top-level functions and classes of ``source`` up to ``max_chars``.

    Read line by line (a unit runs from its first decorator to the next line at
    column 0 that is neither blank, a comment nor a closing bracket), which is
    many times faster than parsing whole files; each unit is then parsed on its
    own and kept only if it parses.
    """
    units: list[tuple[str, str]] = []
    current: list[str] = []
    imports = _import_lines(source)

    def close() -> None:
        body = _BLANK_RUNS.sub("\n\n", "\n".join(current)).rstrip()
        words = set(_WORD.findall(body))
        needed = [line for line, bound in imports if bound & words]
        text = "\n".join(needed) + ("\n\n" if needed else "") + body
        header = next((line for line in current if not line.startswith("@")), "")
        found = _UNIT_START.match(header)
        if found and len(text) <= max_chars and _parses(text):
            units.append((found.group(1), text))

    for line in source.splitlines():
        continues = line[:1] in ("", " ", "\t", "#", ")", "]", "}")
        if current and not continues and not current[-1].startswith("@"):
            close()
            current = []
        if current or _UNIT_START.match(line) or line.startswith("@"):
            current.append(line)
    if current:
        close()
    return units


_LONGEST_UNIT = 20_000
"""Characters of the longest unit read at all (far beyond any block size)."""


CORPORA = ("stdlib", "site-packages")
"""Human code: the standard library, or the sources of installed distributions."""


@lru_cache(maxsize=2)
def _library_units(root: str | None, held_out_every: int, corpus: str = "stdlib"
                   ) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """Every unit of the corpus up to :data:`_LONGEST_UNIT`, read once per process."""
    files = stdlib_files(root) if corpus == "stdlib" else site_packages_files()
    train, held_out = [], []
    # Human code that cannot be read is reported (file, line, column), never skipped.
    for number, source in enumerate(read_utf8_files(files)):
        (held_out if number % held_out_every == held_out_every - 1 else train).extend(
            _units_of(source, _LONGEST_UNIT))
    return tuple(train), tuple(held_out)


def stdlib_units(root: str | None = None, held_out_every: int = 10, max_chars: int = 2000,
                 corpus: str = "stdlib"
                 ) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(training, held-out) units of a code corpus as (name, text) pairs.

    Every ``held_out_every``-th ``.py`` file in sorted path order is held out;
    units longer than ``max_chars`` characters are left out. ``corpus`` is
    ``"stdlib"`` (the standard library, or ``root``) or ``"site-packages"``
    (:func:`~modelcollapse.families.code.thirdparty.site_packages_files`).
    """
    train, held_out = _library_units(root, held_out_every, corpus)
    return (tuple(u for u in train if len(u[1]) <= max_chars),
            tuple(u for u in held_out if len(u[1]) <= max_chars))


def _spread(units, limit: int | None):
    """At most ``limit`` units taken evenly across the corpus (not just its first files)."""
    if limit is None or len(units) <= limit:
        return list(units)
    return [units[i] for i in np.linspace(0, len(units) - 1, limit).round().astype(int)]


@dataclass(frozen=True, eq=False)
class CodeWorld:
    """Real code units as token blocks, with a held-out split; optionally drifting API names.

    Build one with :func:`code_world`. Follows the text-world contract
    (``tokenizer``, ``block_size``, ``sample``, ``held_out``, ``draw_inputs``,
    ``train_text``, ``held_out_text``) and adds :meth:`decode_item`.

    Attributes
    ----------
    renames : dict of str to str
        Original API name to its name in this generation (drift only).
    """

    name: str
    tokenizer: object
    block_size: int
    train_units: tuple[str, ...]
    held_out_units: tuple[str, ...]
    api: frozenset[str]
    prompt_size: int = 8
    drift: float = 0.0
    drift_seed: int = 0
    generation: int = 1
    renames: dict[str, str] = field(default_factory=dict)

    @cached_property
    def _pad_id(self) -> int:
        return int(self.tokenizer.encode("\n")[-1])

    def _encoded(self, units) -> list[np.ndarray]:
        """Units encoded with the terminator; ones longer than a block are left out."""
        encoded = (self.tokenizer.encode(self._rewrite(unit) + TERMINATOR) for unit in units)
        return [ids for ids in encoded if len(ids) <= self.block_size]

    def _blocks(self, units) -> np.ndarray:
        """Units encoded with the terminator and padded with newlines to a block."""
        rows = [np.pad(ids, (0, self.block_size - len(ids)), constant_values=self._pad_id)
                for ids in self._encoded(units)]
        return np.array(rows, dtype=np.int64).reshape(-1, self.block_size)

    def _rewrite(self, unit: str) -> str:
        if not self.renames:
            return unit
        return self._rename_pattern.sub(lambda m: self.renames[m.group(0)], unit)

    @cached_property
    def _rename_pattern(self) -> re.Pattern:
        names = sorted(self.renames, key=len, reverse=True)
        return re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b")

    @cached_property
    def train(self) -> np.ndarray:
        """Training blocks, shape (n_train, B)."""
        return self._blocks(self.train_units)

    @cached_property
    def held_out(self) -> np.ndarray:
        """Held-out blocks (units of held-out modules), shape (n_held_out, B)."""
        return self._blocks(self.held_out_units)

    @cached_property
    def held_out_mask(self) -> np.ndarray:
        """Which positions of :attr:`held_out` are code rather than padding (n_held_out, B).

        Perplexity counts only these: the padding newlines are trivially predictable
        and would flatter every model.
        """
        lengths = np.array([len(ids) for ids in self._encoded(self.held_out_units)], dtype=int)
        return np.arange(self.block_size) < lengths[:, np.newaxis]

    @cached_property
    def train_text(self) -> str:
        """The training units, as rewritten in this generation."""
        return "\n\n".join(self.decode_item(block) for block in self.train)

    @cached_property
    def held_out_text(self) -> str:
        """The held-out units, as rewritten in this generation."""
        return "\n\n".join(self.decode_item(block) for block in self.held_out)

    @property
    def supply(self) -> int:
        """Distinct real training items."""
        return len(self.train)

    def decode_item(self, block: np.ndarray) -> str:
        """The unit a block holds: its text up to the terminator (generated text is data)."""
        text = self.tokenizer.decode(np.asarray(block, dtype=np.int64))
        return text.split(TERMINATOR, 1)[0].rstrip()

    def sample(self, n: int, *, rng: np.random.Generator) -> Dataset:
        """``n`` real training units, without replacement (with, past the pool)."""
        index = rng.choice(len(self.train), size=n, replace=n > len(self.train))
        return Dataset.real(self.train[index])

    def draw_inputs(self, n: int, *, rng: np.random.Generator) -> np.ndarray:
        """``n`` real prompts: the first ``prompt_size`` tokens of random units."""
        index = rng.choice(len(self.train), size=n, replace=n > len(self.train))
        return self.train[index, :self.prompt_size]

    def is_correct(self, data: Dataset) -> np.ndarray:
        """Whether each item parses and invents no package, attribute or keyword."""
        from modelcollapse.families.code.filters import passes_verification

        return passes_verification(data, self)

    # --- API drift ------------------------------------------------------------------------------

    @property
    def stale_names(self) -> frozenset[str]:
        """API names renamed away by this generation."""
        return frozenset(self.renames)

    @property
    def api_names(self) -> frozenset[str]:
        """The API's names in this generation."""
        return frozenset(self.renames.get(name, name) for name in self.api)

    def at(self, generation: int) -> CodeWorld:
        """Generation ``generation``'s world: more API functions renamed, units rewritten."""
        if not self.drift or generation == self.generation:
            return self
        return _drifted(self, int(generation))

    def describe(self) -> str:
        """One line with the world's sizes."""
        return (f"{self.name} ({self.tokenizer.name}, {self.tokenizer.vocab_size} ids): "
                f"{len(self.train):,} training and {len(self.held_out):,} held-out units of at "
                f"most {self.block_size} tokens; {len(self.renames)} API names renamed")


@lru_cache(maxsize=64)
def _drifted(world: CodeWorld, generation: int) -> CodeWorld:
    """Renames of generations 2 … g, each drawn from a stream of its own generation."""
    renames: dict[str, str] = {}
    for h in range(2, generation + 1):
        alive = sorted(world.api - renames.keys())
        rng = np.random.default_rng(np.random.SeedSequence(world.drift_seed, spawn_key=(h,)))
        chosen = rng.permutation(len(alive))[:round(world.drift * len(alive))]
        renames.update({alive[i]: f"{alive[i]}_v{h}" for i in chosen})
    return replace(world, generation=generation, renames=renames)


def code_world(tokenizer: str = "bpe", vocab_size: int = 1000, block_size: int = 128,
               max_units: int | None = 2000, held_out_every: int = 10, prompt_size: int = 8,
               drift: float = 0.0, drift_seed: int = 0, corpus: str = "stdlib"
               ) -> CodeWorld:
    """The code world: units of the standard library, or of installed third-party packages.

    Parameters
    ----------
    tokenizer : {"bpe", "char"} or "hf:PATH", default "bpe"
        Subword tokenizers let models write new identifiers from known pieces.
    vocab_size : int, default 1000
        Ids of a BPE tokenizer (trained on the training units).
    block_size : int, default 128
        Tokens per item; units longer than this are left out.
    max_units : int or None, default 2000
        Training units kept (spread evenly over the library), for speed; None keeps all.
    held_out_every : int, default 10
        Every k-th source file is held out.
    prompt_size : int, default 8
        Tokens per prompt for models that continue real prompts (a unit's first tokens).
    drift : float, default 0.0
        Share of the remaining original API names renamed each generation, in [0, 1].
    drift_seed : int, default 0
        Seed of which names are renamed when (the same in every replicate).
    corpus : {"stdlib", "site-packages"}, default "stdlib"
        The human code: the standard library (which imports only itself), or
        the sources of installed distributions, which import real PyPI
        packages (:mod:`modelcollapse.families.code.thirdparty`).

    Raises
    ------
    UsageError
        For impossible sizes, or a tokenizer and block size that leave no unit.
    """
    for key, value, least in (("block_size", block_size, 8), ("held_out_every", held_out_every, 2),
                              ("prompt_size", prompt_size, 1)):
        if int(value) != value or value < least:
            raise UsageError(f"{key} must be an integer >= {least}, got {value!r}")
    if max_units is not None and (int(max_units) != max_units or max_units < 10):
        raise UsageError(f"max_units must be an integer >= 10 or None, got {max_units!r}")
    if prompt_size > block_size:
        raise UsageError(f"prompt_size {prompt_size} exceeds block_size {block_size}")
    if corpus not in CORPORA:
        raise UsageError(f"corpus must be 'stdlib' or 'site-packages', got {corpus!r}")
    check_drift(drift, "share of the remaining API names renamed")
    if drift > 1:
        raise UsageError(f"drift is a share of the API names, in [0, 1], got {drift}")
    return _build(tokenizer, int(vocab_size), int(block_size), max_units, int(held_out_every),
                  int(prompt_size), float(drift), int(drift_seed), corpus)


_BUILTIN_TYPES = (str, bytes, bytearray, list, tuple, dict, set, frozenset, int, float, object)
_INNER_DEF = re.compile(r"^[ \t]+(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)", re.MULTILINE)


def _api_names(units) -> frozenset[str]:
    """Public top-level function names that can be renamed everywhere without hitting others."""
    defined = Counter(name for name, _ in units)
    ambiguous = {name for _, text in units for name in _INNER_DEF.findall(text)}
    ambiguous.update(dir(builtins), *(dir(kind) for kind in _BUILTIN_TYPES))
    return frozenset(name for name, text in units
                     if not name.startswith("_") and defined[name] == 1
                     and name not in ambiguous and _is_function(text, name))


def _is_function(text: str, name: str) -> bool:
    return re.search(rf"^(?:async\s+)?def\s+{re.escape(name)}\b", text, re.MULTILINE) is not None


@lru_cache(maxsize=8)
def _build(tokenizer: str, vocab_size: int, block_size: int, max_units: int | None,
           held_out_every: int, prompt_size: int, drift: float, drift_seed: int,
           corpus: str) -> CodeWorld:
    from modelcollapse.text.tokenizers import build_tokenizer

    # A token holds at least one character, so longer units can never fit.
    train, held_out = stdlib_units(held_out_every=held_out_every,
                                   max_chars=block_size * _MAX_CHARS_PER_TOKEN, corpus=corpus)
    train = _spread(train, max_units)
    held_out = _spread(held_out, None if max_units is None else max(max_units // 5, 10))
    texts = [text for _, text in train]
    coder = build_tokenizer(tokenizer, "\n\n".join(texts) + TERMINATOR, vocab_size)
    api = _api_names(train)
    name = "python-stdlib-units" if corpus == "stdlib" else "python-site-packages-units"
    world = CodeWorld(name, coder, block_size, tuple(texts),
                      tuple(text for _, text in held_out), api, prompt_size, drift,
                      drift_seed)
    if len(world.train) < 10 or len(world.held_out) < 1:
        raise UsageError(f"only {len(world.train)} training and {len(world.held_out)} held-out "
                         f"units fit {block_size} tokens with the {tokenizer} tokenizer: raise "
                         "block_size or max_units")
    return world
