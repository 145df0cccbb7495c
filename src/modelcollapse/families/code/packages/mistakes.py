"""How code models get package names wrong: the edits behind invented names.

Spracklen et al. (2025) found the package names code models invent are
rarely random strings: most sit near a real name. The edits here are the
kinds they and typosquatting studies describe:

- a keyboard slip: a letter replaced by one of its QWERTY neighbours;
- two adjacent letters swapped, a letter dropped or doubled;
- a separator changed or lost (``-``, ``_``, ``.`` and nothing);
- an ecosystem affix added or removed (``python-``, ``py``, ``-py``, ``-python``);
- a plural made singular or the other way round;
- two real packages conflated into one name (``flask-requests``).

Every function is deterministic given its ``rng``, so a world built from the
same seed always makes the same mistakes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["EDITS", "candidate_mistakes"]

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, str]:
    """Letter keys next to each letter on a QWERTY keyboard (its row and the rows beside it)."""
    position = {key: (row, column) for row, keys in enumerate(_KEYBOARD_ROWS)
                for column, key in enumerate(keys)}
    neighbours = {}
    for key, (row, column) in position.items():
        near = [other for other, (r, c) in position.items()
                if other != key and abs(r - row) <= 1 and abs(c - column) <= 1]
        neighbours[key] = "".join(near)
    return neighbours


_NEIGHBOURS = _keyboard_neighbours()
_PREFIXES = ("python-", "py")
_SUFFIXES = ("-py", "-python", "py", "-lib")


def _slip(name: str, rng: np.random.Generator) -> str | None:
    spots = [i for i, c in enumerate(name) if c in _NEIGHBOURS]
    if not spots:
        return None
    i = spots[rng.integers(len(spots))]
    near = _NEIGHBOURS[name[i]]
    return name[:i] + near[rng.integers(len(near))] + name[i + 1:]


def _swap(name: str, rng: np.random.Generator) -> str | None:
    spots = [i for i in range(len(name) - 1) if name[i] != name[i + 1]]
    if not spots:
        return None
    i = spots[rng.integers(len(spots))]
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]


def _drop(name: str, rng: np.random.Generator) -> str | None:
    if len(name) < 4:
        return None
    i = int(rng.integers(len(name)))
    return name[:i] + name[i + 1:]


def _double(name: str, rng: np.random.Generator) -> str | None:
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    if not letters:
        return None
    i = letters[rng.integers(len(letters))]
    return name[:i] + name[i] + name[i:]


def _separator(name: str, rng: np.random.Generator) -> str | None:
    # "_" and "." for "-" name the same package after PEP 503 normalisation, so a
    # separator mistake that invents a name drops one or puts one where none was.
    if "-" in name:
        return name.replace("-", "", 1)
    if len(name) < 6:
        return None
    i = int(rng.integers(2, len(name) - 2))
    return name[:i] + "-" + name[i:]


def _affix(name: str, rng: np.random.Generator) -> str | None:
    for prefix in _PREFIXES:   # a real "python-x" often gets written as "x", and vice versa
        if name.startswith(prefix) and len(name) > len(prefix) + 2:
            return name[len(prefix):]
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 2:
            return name[:-len(suffix)]
    if rng.random() < 0.5:
        return _PREFIXES[rng.integers(len(_PREFIXES))] + name
    return name + _SUFFIXES[rng.integers(len(_SUFFIXES))]


def _number(name: str, rng: np.random.Generator) -> str | None:
    if name.endswith("ies") and len(name) > 5:
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss") and len(name) > 4:
        return name[:-1]
    if name.endswith("y") and len(name) > 3:
        return name[:-1] + "ies"
    return name + "s"


EDITS = {"keyboard-slip": _slip, "transposition": _swap, "dropped-letter": _drop,
         "doubled-letter": _double, "separator": _separator, "affix": _affix,
         "plural": _number}
"""Single-name edits by kind; conflation of two names is done by :func:`candidate_mistakes`."""


def candidate_mistakes(name: str, others: list[str], rng: np.random.Generator,
                       n_tries: int = 48) -> list[tuple[str, str]]:
    """Plausible wrong versions of the real package ``name``, with the kind of each edit.

    Parameters
    ----------
    name : str
        A real (PEP 503-normalised) package name.
    others : list of str
        Real names it may be conflated with (``name-other``).
    rng : numpy.random.Generator
        Source of the edits.
    n_tries : int, default 48
        Edits attempted; duplicates and edits that change nothing are dropped.

    Returns
    -------
    list of (str, str)
        Distinct ``(mistake, kind)`` pairs in the order drawn; some may be real
        names, which the caller filters out against its registry.
    """
    kinds = [*EDITS, "conflation"]
    found: dict[str, str] = {}
    for _ in range(n_tries):
        kind = kinds[rng.integers(len(kinds))]
        if kind == "conflation":
            other = others[rng.integers(len(others))] if others else None
            wrong = None if other in (None, name) else f"{name}-{other}"
        else:
            wrong = EDITS[kind](name, rng)
        wrong = wrong.strip("-") if wrong else None
        if wrong and wrong != name and wrong not in found:
            found[wrong] = kind
    return list(found.items())
