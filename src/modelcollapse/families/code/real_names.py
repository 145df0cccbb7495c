"""The package registry: which top-level import names name something real.

A name is real when it is a standard-library module of the running
interpreter (``sys.stdlib_module_names``) or a package in a snapshot of PyPI.
The snapshot shipped as package data (``data/pypi-names.tsv.gz``) lists every
package name, PEP 503-normalised, one a line, with its download rank among the
15,000 most downloaded where it has one::

    requests<TAB>6
    requests-aws<TAB>

Users can point at their own snapshot in the same format (gzipped or plain).
A package is *hallucinated*, as Spracklen et al. (2025) count it, when its name
is in no real registry snapshot.
"""

from __future__ import annotations

import gzip
import re
import sys
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from modelcollapse.core.errors import UsageError

__all__ = ["IMPORT_ALIASES", "PackageRegistry", "RegistryError", "default_registry",
           "load_registry", "normalize"]

SNAPSHOT = "pypi-names.tsv.gz"
"""File name of the shipped PyPI snapshot inside ``modelcollapse/families/code/data``."""

IMPORT_ALIASES: dict[str, str] = {
    "attr": "attrs",
    "bs4": "beautifulsoup4",
    "crypto": "pycryptodome",
    "cv2": "opencv-python",
    "dateutil": "python-dateutil",
    "docx": "python-docx",
    "dotenv": "python-dotenv",
    "fitz": "pymupdf",
    "git": "gitpython",
    "google": "protobuf",
    "jwt": "pyjwt",
    "magic": "python-magic",
    "mpl-toolkits": "matplotlib",
    "openssl": "pyopenssl",
    "pil": "pillow",
    "pkg-resources": "setuptools",
    "serial": "pyserial",
    "skimage": "scikit-image",
    "sklearn": "scikit-learn",
    "win32api": "pywin32",
    "win32con": "pywin32",
    "yaml": "pyyaml",
    "zmq": "pyzmq",
}
"""Well-known import names whose distribution on PyPI is called differently (normalised)."""

_SEPARATORS = re.compile(r"[-_.]+")
_LINE = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\t(?:[1-9][0-9]*)?"
_VALID_LINE = re.compile(_LINE)
_BAD_CHARACTER = re.compile(r"[^a-z0-9\t\n-]")


class RegistryError(UsageError):
    """A registry snapshot that is missing or malformed; the message names the file and fix."""


def normalize(name: str) -> str:
    """PEP 503 normal form: lower case, runs of ``-``, ``_`` and ``.`` become one ``-``.

    >>> normalize("Typing_Extensions")
    'typing-extensions'
    """
    return _SEPARATORS.sub("-", name).lower()


@dataclass(frozen=True)
class PackageRegistry:
    """Real package names, their download ranks, and the standard library.

    Parameters
    ----------
    packages : frozenset of str
        Normalised names of every real package in the snapshot.
    ranks : dict of str to int
        Download rank (1 = most downloaded) of the packages that have one.
    stdlib : frozenset of str
        Top-level standard-library module names (as written in imports).
    aliases : dict of str to str
        Normalised import names mapped to the distribution that provides them.
    source : str
        Where the snapshot came from, for messages and provenance.
    """

    packages: frozenset[str]
    ranks: dict[str, int]
    stdlib: frozenset[str] = field(default_factory=lambda: frozenset(sys.stdlib_module_names))
    aliases: dict[str, str] = field(default_factory=lambda: dict(IMPORT_ALIASES))
    source: str = "custom"

    def is_stdlib(self, module: str) -> bool:
        """Whether ``module``'s top-level name is a standard-library module."""
        return module.partition(".")[0] in self.stdlib

    def distribution(self, module: str) -> str | None:
        """The real package providing top-level import ``module``, or None if none exists."""
        name = normalize(module.partition(".")[0])
        if name in self.packages:
            return name
        alias = self.aliases.get(name)
        return alias if alias in self.packages else None

    def is_real(self, module: str) -> bool:
        """Whether the top-level name of ``module`` names a stdlib module or a real package."""
        return self.is_stdlib(module) or self.distribution(module) is not None

    def top(self, n: int) -> list[str]:
        """The ``n`` most downloaded package names, most downloaded first."""
        if int(n) != n or n < 1:
            raise ValueError(f"top needs an integer n >= 1, got {n!r}")
        return sorted(self.ranks, key=self.ranks.__getitem__)[:n]


def _first_bad_line(lines: list[str], source: str) -> RegistryError:
    for number, line in enumerate(lines, start=1):
        if line and not _VALID_LINE.fullmatch(line):
            return RegistryError(
                f"registry snapshot {source}, line {number}: expected 'name<TAB>rank' with a "
                f"normalised package name and an optional integer rank >= 1, got {line[:80]!r}; "
                "fix the file or use the shipped snapshot")
    return RegistryError(f"registry snapshot {source} is malformed; expected one "
                         "'name<TAB>rank' line per package")


def _parse(text: str, source: str) -> PackageRegistry:
    lines = text.splitlines()
    rows = [line.partition("\t") for line in lines if line]
    # Cheap whole-file checks first (the shipped file has 886,000 lines); only a
    # file that fails one is walked again to name the bad line.
    well_formed = (not _BAD_CHARACTER.search(text) and text.count("\t") == len(rows)
                   and all(_VALID_LINE.fullmatch(f"{name}\t{rank}")
                           for name, _, rank in rows if rank or not name[-1:].isalnum()
                           or not name[:1].isalnum()))
    if not well_formed:
        raise _first_bad_line(lines, source)
    if not rows:
        raise RegistryError(f"registry snapshot {source} lists no packages; point at a "
                            "snapshot with one 'name<TAB>rank' line per package")
    ranks = {name: int(rank) for name, _, rank in rows if rank}
    if not ranks:
        raise RegistryError(f"registry snapshot {source} ranks no package by downloads; the "
                            "squattable-name search needs ranks in the second column")
    return PackageRegistry(frozenset(name for name, _, _ in rows), ranks, source=source)


def load_registry(path: str | Path | None = None) -> PackageRegistry:
    """Read a registry snapshot: ``path`` (gzipped if it ends in ``.gz``) or the shipped one.

    Raises
    ------
    RegistryError
        If the file is missing, unreadable, not UTF-8 text or not in the
        ``name<TAB>rank`` format.
    """
    if path is None:
        return default_registry()
    path = Path(path)
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise RegistryError(f"registry snapshot {path} does not exist; give the path of a "
                            "'name<TAB>rank' file or leave it out for the shipped one") from None
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise RegistryError(f"registry snapshot {path} cannot be read ({error}); give a "
                            "UTF-8 'name<TAB>rank' file, gzipped only if it ends in .gz") from None
    return _parse(text, str(path))


@cache
def default_registry() -> PackageRegistry:
    """The shipped PyPI snapshot (read once per process)."""
    data = resources.files("modelcollapse.families.code") / "data" / SNAPSHOT
    try:
        text = gzip.decompress(data.read_bytes()).decode("utf-8")
    except (OSError, EOFError) as error:
        raise RegistryError(f"the shipped registry snapshot {SNAPSHOT} is missing or damaged "
                            f"({error}); reinstall modelcollapse") from None
    return _parse(text, f"shipped {SNAPSHOT}")
