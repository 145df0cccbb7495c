"""Retrieval for categorical laws: counts pooled, p = (Np̂ + counts)/(N + k).

Words the frozen model never saw get mass once they are retrieved.
"""

from __future__ import annotations

from copy import copy

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.families.categorical.model import CategoricalModel
from modelcollapse.policies.retrieval import corrects

__all__ = ["pooled_counts"]


@corrects(CategoricalModel)
def pooled_counts(model: CategoricalModel, data: Dataset, weight: int, world) -> CategoricalModel:
    """The model with its probabilities pooled with the retrieved items' counts."""
    items = np.asarray(data.X, dtype=np.int64)
    size = max(len(model.probabilities_), int(items.max()) + 1 if len(items) else 0)
    evidence = np.zeros(size)
    evidence[:len(model.probabilities_)] = weight * model.probabilities_
    evidence += np.bincount(items, minlength=size)
    corrected = copy(model)
    corrected.probabilities_ = evidence / evidence.sum()
    return corrected
