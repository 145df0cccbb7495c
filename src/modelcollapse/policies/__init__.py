"""Data policies: what each generation's training set is made of, declared once.

The loop and the batched kernels both read a policy's
:class:`~modelcollapse.policies.training_sets.Recipe`; staleness options and
retrieval live beside them. Each is registered here under the name
experiment files use.
"""

from modelcollapse.core.registry import policies as _registry
from modelcollapse.policies import staleness
from modelcollapse.policies.training_sets import (
    Accumulate,
    AccumulateSubsample,
    FreshReal,
    KeepOriginal,
    Policy,
    Recipe,
    Replace,
    WebScrape,
    parse_policy,
)

__all__ = [
    "Accumulate",
    "AccumulateSubsample",
    "FreshReal",
    "KeepOriginal",
    "Policy",
    "Recipe",
    "Replace",
    "WebScrape",
    "parse_policy",
]

_registry.register("replace")(Replace)
_registry.register("accumulate")(Accumulate)
_registry.register("accumulate-subsample")(AccumulateSubsample)
_registry.register("fresh-real")(FreshReal)
_registry.register("keep-original")(KeepOriginal)
_registry.register("web-scrape")(WebScrape)
_registry.register("frozen")(staleness.Frozen)
_registry.register("retrieval")(staleness.Retrieval)
_registry.register("fresh-only")(staleness.FreshOnly)
_registry.register("distill")(staleness.Distill)
