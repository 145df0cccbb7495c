"""Curation of generated code: a static verifier and a human-review budget.

Both read items through the world (``world.decode_item``) and judge them by
static verification (:class:`~modelcollapse.families.code.verifier.StaticVerifier`):
an item is correct when it parses and invents no package, attribute or
keyword. Generated code is never run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.core.data import REAL, Dataset
from modelcollapse.families.code.metrics import default_verifier
from modelcollapse.filters.curation import Filter

__all__ = ["CodeReview", "StaticVerifierFilter", "passes_verification"]


def passes_verification(data: Dataset, world) -> np.ndarray:
    """Whether each item of ``data`` parses and invents nothing, shape (n_items,)."""
    verifier = default_verifier()
    return np.array([verifier.verify(world.decode_item(item)).passes for item in data.X],
                    dtype=bool)


def _share(part: np.ndarray, whole: np.ndarray) -> float:
    return float(part.sum() / whole.sum()) if whole.sum() else float("nan")


@dataclass(frozen=True)
class StaticVerifierFilter(Filter):
    """Keeps the items that pass static verification, real and model-written alike.

    A scraper cannot tell who wrote an item, so real items are checked too
    (the figures report both kept shares).
    """

    name = "static-verifier"
    world_needs = ("decode_item",)  # reads items as code: a code world only

    def names(self) -> tuple[str, ...]:  # noqa: D102
        return ("static_verifier_failing_candidates", "static_verifier_kept_synthetic",
                "static_verifier_kept_real")

    def apply(self, data, *, world, rng):  # noqa: D102
        synthetic = data.origin != REAL
        keep = passes_verification(data, world)
        return data.take(keep), {
            "static_verifier_failing_candidates": _share(~keep & synthetic, synthetic),
            "static_verifier_kept_synthetic": _share(keep & synthetic, synthetic),
            "static_verifier_kept_real": _share(keep & ~synthetic, ~synthetic),
        }


@dataclass(frozen=True)
class CodeReview(Filter):
    """Reviewers read up to ``budget`` model-written items a generation and drop failing ones.

    Parameters
    ----------
    budget : int, default 10
        Items reviewed per generation, chosen at random among the model-written ones.
    accuracy : float, default 0.9
        The chance a reviewer judges an item rightly (drops a failing item,
        keeps a passing one); otherwise the judgement is the opposite.
    """

    budget: int = 10
    accuracy: float = 0.9
    name = "code-review"
    world_needs = ("decode_item",)

    def __post_init__(self) -> None:
        if isinstance(self.budget, bool) or not isinstance(self.budget, int | np.integer) \
                or self.budget < 0:
            raise ValueError(f"budget must be an integer >= 0, got {self.budget!r}")
        if not 0.0 <= self.accuracy <= 1.0:
            raise ValueError(f"accuracy must lie in [0, 1], got {self.accuracy}")

    def names(self) -> tuple[str, ...]:  # noqa: D102
        return ("code_review_reviewed", "code_review_dropped")

    def apply(self, data, *, world, rng):  # noqa: D102
        synthetic = np.flatnonzero(data.origin != REAL)
        reviewed = rng.permutation(synthetic)[:self.budget]
        correct = passes_verification(data.take(reviewed), world)
        judged_right = rng.random(len(reviewed)) < self.accuracy
        dropped = reviewed[correct != judged_right]   # failing judged rightly, passing wrongly
        keep = np.ones(len(data), dtype=bool)
        keep[dropped] = False
        return data.take(keep), {"code_review_reviewed": float(len(reviewed)),
                                 "code_review_dropped": float(len(dropped))}
