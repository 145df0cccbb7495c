"""Human code that imports third-party packages: the Python sources of installed distributions.

The standard library imports only the standard library, so a model trained
on it never sees a third-party package name to get wrong. The sources of the
distributions installed beside the interpreter (site-packages: numpy, pandas,
requests, …) are code people wrote that imports real PyPI packages at the
frequencies real projects do. modelcollapse's own code is left out. Each
distribution contributes at most ``per_distribution`` files, spread evenly
over its sorted file list, so one large package does not make the corpus its
own; test suites are left out. The corpus is whatever is installed, so it differs between machines:
:func:`import_summary` reports what a run read, and
``python -m modelcollapse.families.code.thirdparty`` prints it for this machine.
"""

from __future__ import annotations

import ast
import importlib.metadata
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np

from modelcollapse.core.errors import UsageError
from modelcollapse.families.code.real_names import PackageRegistry

__all__ = ["import_summary", "site_packages_files"]

_OWN = {"modelcollapse"}
_TESTS = {"test", "tests", "testing", "_test", "_tests"}


@lru_cache(maxsize=2)
def site_packages_files(per_distribution: int = 20) -> tuple[Path, ...]:
    """Python source files of installed distributions, at most ``per_distribution`` each.

    Raises
    ------
    UsageError
        If no installed distribution ships Python sources.
    """
    chosen: list[Path] = []
    distributions = sorted(importlib.metadata.distributions(),
                           key=lambda d: (d.metadata["Name"] or "").lower())
    seen = set()
    for distribution in distributions:
        name = (distribution.metadata["Name"] or "").lower()
        if not name or name in _OWN or name in seen:
            continue
        seen.add(name)
        # Test suites are left out: they are not code people ship, and some hold
        # deliberately broken or non-UTF-8 files.
        files = sorted(str(f) for f in distribution.files or () if str(f).endswith(".py")
                       and not _TESTS.intersection(Path(str(f)).parts))
        if not files:
            continue
        picks = np.unique(np.linspace(0, len(files) - 1, min(per_distribution, len(files)))
                          .round().astype(int))
        for i in picks:
            path = Path(distribution.locate_file(files[i]))
            if path.is_file():
                chosen.append(path)
    if not chosen:
        raise UsageError("no installed distribution ships Python sources; install some "
                         "packages or use the standard-library corpus (corpus = 'stdlib')")
    return tuple(chosen)


def _imports(text: str) -> list[str]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name.partition(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module.partition(".")[0])
    return found


def import_summary(units: list[str], registry: PackageRegistry) -> dict:
    """Files-and-imports report of a code corpus: what the "human" reference holds.

    Parameters
    ----------
    units : list of str
        The corpus's units (functions and classes with the imports they use).
    registry : PackageRegistry

    Returns
    -------
    dict
        ``units``, ``third_party_imports`` (import statements naming a non-stdlib
        module), ``distinct_third_party`` and ``top_third_party`` (the 20 most
        imported names with their counts), and the share of those imports whose
        name is a real package (``real_share``).
    """
    counts = Counter(name for text in units for name in _imports(text)
                     if not registry.is_stdlib(name))
    total = sum(counts.values())
    real = sum(n for name, n in counts.items() if registry.distribution(name) is not None)
    return {"units": len(units), "third_party_imports": total,
            "distinct_third_party": len(counts), "top_third_party": counts.most_common(20),
            "real_share": real / total if total else float("nan")}


def main() -> None:
    """Print what the site-packages corpus holds on this machine."""
    from modelcollapse.families.code.real_names import default_registry
    from modelcollapse.families.code.world import stdlib_units

    files = site_packages_files()
    train, held_out = stdlib_units(corpus="site-packages", max_chars=_PRINTED_UNIT_CHARS)
    summary = import_summary([text for _, text in train + held_out], default_registry())
    print(f"{len(files):,} files; {summary['units']:,} top-level functions and classes of at "
          f"most {_PRINTED_UNIT_CHARS} characters ({len(held_out):,} held out)")
    print(f"{summary['third_party_imports']:,} third-party imports of "
          f"{summary['distinct_third_party']} distinct names; "
          f"{summary['real_share']:.0%} name a real PyPI package")
    for name, count in summary["top_third_party"]:
        print(f"  {name:<24} {count:>6,}")


_PRINTED_UNIT_CHARS = 960
"""Units as long as a 160-token BPE block holds (6 characters a token at most)."""

if __name__ == "__main__":
    main()
