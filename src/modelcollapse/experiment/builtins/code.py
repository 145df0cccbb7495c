"""The code-model case study: the standard-library code world, code metrics and curation.

The world builds its corpus and tokenizer when an experiment is built (once
per set of settings in a process); the package registry and the squattable-
name index load the first time a metric needs them.
"""

from __future__ import annotations

from modelcollapse.code.filters import CodeReview, StaticVerifierFilter
from modelcollapse.code.metrics import CodeMetric
from modelcollapse.code.world import code_world
from modelcollapse.experiment.registry import filters, metrics, worlds

DEFAULT_METRICS: dict[str, list[str]] = {}
"""Code experiments use the language models, whose defaults are text metrics: list ``code``."""

worlds.register("python-code")(code_world)
filters.register("static-verifier")(StaticVerifierFilter)
filters.register("code-review")(CodeReview)
metrics.register("code")(CodeMetric)
