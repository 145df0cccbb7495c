"""The code-model case study: code worlds and curation, and the package-name family.

Generated code is data here: it is parsed with :mod:`ast`, never executed or
imported outside a sandbox. See docs/foundations.md §6 (Spracklen et al. 2025)
and docs/code-study.md for what is measured. The world builds its corpus and
tokenizer when an experiment is built; the package registry and the
squattable-name index load the first time a metric needs them.
"""

from __future__ import annotations

from functools import partial

from modelcollapse.core import registry
from modelcollapse.families.code.filters import CodeReview, StaticVerifierFilter
from modelcollapse.families.code.metrics import CodeMetric
from modelcollapse.families.code.packages import theory as package_theory
from modelcollapse.families.code.packages.defences import RegistryCheck
from modelcollapse.families.code.packages.metrics import PACKAGE_METRICS, PackageNameMetric
from modelcollapse.families.code.packages.model import PackageWriter
from modelcollapse.families.code.packages.world import PackageNameWorld
from modelcollapse.families.code.real_names import (
    PackageRegistry,
    RegistryError,
    default_registry,
    load_registry,
    normalize,
)
from modelcollapse.families.code.sandbox.filter import SandboxTests
from modelcollapse.families.code.squat import (
    SquatIndex,
    SquatMatch,
    naive_squat_search,
    osa_distance,
)
from modelcollapse.families.code.stdlib import StdlibIndex
from modelcollapse.families.code.verifier import Finding, StaticVerifier, Verdict
from modelcollapse.families.code.world import code_world

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

# Code experiments with language models list ``code`` themselves (their defaults are text
# metrics); the package-name writer measures every package-name metric.

registry.worlds.register("python-code")(code_world)
registry.filters.register("static-verifier")(StaticVerifierFilter)
registry.filters.register("code-review")(CodeReview)
registry.metrics.register("code")(CodeMetric)

registry.worlds.register("package-names")(PackageNameWorld)
registry.filters.register("registry-check")(RegistryCheck)
for _name in PACKAGE_METRICS:
    registry.metrics.register(_name)(partial(PackageNameMetric, _name))


@registry.models.register("package-writer", example={"world": {"name": "package-names",
                                                                "n_packages": 200},
                                                      "samples": 100},
                          metrics=list(PACKAGE_METRICS))
def _package_writer(hallucination_rate: float = 0.217, habit: float = 0.43) -> PackageWriter:
    """Recommends package names as its training code did; slips with chance h (Spracklen 2025)."""
    return PackageWriter(hallucination_rate, habit)


@registry.filters.register("sandbox-tests")
def _sandbox_tests(timeout: float = 5.0, cpu_seconds: int = 5, memory_mb: int = 512,
                   n_cases: int = 6):
    """Runs each item in a bubblewrap sandbox; keeps what runs and agrees with the stdlib."""
    return SandboxTests(timeout, cpu_seconds, memory_mb, n_cases)


registry.theories.register("invented_name_rate", "model_invented_rate")(
    package_theory.chain_invented_rate_theory)
