"""Curation of training data: detectors, verifiers, human review, and their theory.

Each filter is registered here under the name experiment files use.
"""

from modelcollapse.core.registry import filters as _registry
from modelcollapse.filters.curation import (
    Filter,
    HumanReview,
    SelectionBias,
    SelfCorrection,
    SyntheticDetector,
    Verifier,
    is_correct,
)
from modelcollapse.policies.measured import DETECTORS

__all__ = ["Filter", "HumanReview", "SelectionBias", "SelfCorrection", "SyntheticDetector",
           "Verifier", "is_correct"]

_registry.register("selection-bias")(SelectionBias)
_registry.register("self-correction")(SelfCorrection)
_registry.register("detector")(SyntheticDetector)
_registry.register("verifier")(Verifier)
_registry.register("human-review")(HumanReview)


@_registry.register("measured-detector")
def _measured_detector(detector: str = "commercial-reported") -> SyntheticDetector:
    """A synthetic-data detector with the error rates reported for a real one."""
    if detector not in DETECTORS:
        raise ValueError(f"unknown detector {detector!r}; known: {', '.join(DETECTORS)}")
    tpr, fpr, _ = DETECTORS[detector]
    return SyntheticDetector(tpr=tpr, fpr=fpr)
