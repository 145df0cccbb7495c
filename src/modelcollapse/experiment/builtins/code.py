"""The code-model case study: code worlds, code metrics and curation, and the package-name family.

The world builds its corpus and tokenizer when an experiment is built (once
per set of settings in a process); the package registry and the squattable-
name index load the first time a metric needs them.
"""

from __future__ import annotations

from functools import partial

from modelcollapse.code.filters import CodeReview, StaticVerifierFilter
from modelcollapse.code.metrics import CodeMetric
from modelcollapse.code.packages.defences import RegistryCheck
from modelcollapse.code.packages.metrics import PACKAGE_METRICS, PackageNameMetric
from modelcollapse.code.packages.model import PackageWriter
from modelcollapse.code.packages.world import PackageNameWorld
from modelcollapse.code.sandbox.filter import SandboxTests
from modelcollapse.code.world import code_world
from modelcollapse.experiment.registry import filters, metrics, models, worlds

# Code experiments with language models list ``code`` themselves (their defaults are text
# metrics); the package-name writer measures every package-name metric.

worlds.register("python-code")(code_world)
filters.register("static-verifier")(StaticVerifierFilter)
filters.register("code-review")(CodeReview)
metrics.register("code")(CodeMetric)

worlds.register("package-names")(PackageNameWorld)
filters.register("registry-check")(RegistryCheck)
for _name in PACKAGE_METRICS:
    metrics.register(_name)(partial(PackageNameMetric, _name))


@models.register("package-writer", example={"world": {"name": "package-names",
                                                       "n_packages": 200},
                                             "samples": 100},
                 metrics=list(PACKAGE_METRICS))
def _package_writer(hallucination_rate: float = 0.217, habit: float = 0.43):
    """Recommends package names as its training code did; slips with chance h (Spracklen 2025)."""
    return PackageWriter(hallucination_rate, habit)


@filters.register("sandbox-tests")
def _sandbox_tests(timeout: float = 5.0, cpu_seconds: int = 5, memory_mb: int = 512,
                   n_cases: int = 6):
    """Runs each item in a bubblewrap sandbox; keeps what runs and agrees with the stdlib."""
    return SandboxTests(timeout, cpu_seconds, memory_mb, n_cases)
