"""The code-model case study: a package registry, a static verifier and squattable names.

Generated code is data here: it is parsed with :mod:`ast`, never executed or
imported. See docs/foundations.md §6 (Spracklen et al. 2025) and docs/code-study.md
for what is measured.
"""

from modelcollapse.code.real_names import (
    PackageRegistry,
    RegistryError,
    default_registry,
    load_registry,
    normalize,
)
from modelcollapse.code.squat import SquatIndex, SquatMatch, naive_squat_search, osa_distance
from modelcollapse.code.stdlib import StdlibIndex
from modelcollapse.code.verifier import Finding, StaticVerifier, Verdict

__all__ = [
    "Finding",
    "PackageRegistry",
    "RegistryError",
    "SquatIndex",
    "SquatMatch",
    "StaticVerifier",
    "StdlibIndex",
    "Verdict",
    "default_registry",
    "load_registry",
    "naive_squat_search",
    "normalize",
    "osa_distance",
]
