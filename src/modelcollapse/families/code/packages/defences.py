"""Defences against invented package names, as the package-name kernel applies them.

Each defence accepts a written name with some probability; a rejected
suggestion is replaced by a fresh one (the assistant is asked again), so the
published names follow the write distribution reweighted by acceptance (see
:mod:`.writing`). Defences act on what models write; human-written code is
not checked.

- :class:`RegistryCheck` (``registry-check``): the name must exist, either in
  the *live* registry, which includes whatever the squatter has registered, or
  in a *low-background* registry of names that certainly existed before a
  cutoff month (:mod:`.lowbackground`);
- the generic :class:`~modelcollapse.filters.HumanReview` (``human-review``):
  reviewers read ``budget`` of the generation's writes and reject an invented
  name with probability ``accuracy`` (and a real one with ``1 − accuracy``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.families.code.packages.lowbackground import check_cutoff, release_months
from modelcollapse.filters.curation import Filter, HumanReview

__all__ = ["RegistryCheck", "acceptance", "check_defence", "review_acceptance"]

REGISTRIES = ("live", "low-background")


@dataclass(frozen=True)
class RegistryCheck(Filter):
    """Accepts a written package name only if it exists in the chosen registry.

    Parameters
    ----------
    registry : {"live", "low-background"}, default "live"
        ``"live"``: the registry as it is now, squatted names included;
        ``"low-background"``: names whose latest release came before ``cutoff``.
    cutoff : str, default "2022-11"
        Month ``YYYY-MM`` of the low-background registry (ChatGPT's release by default).
    months : str or None
        Path of a ``name, download_rank, latest_release_month`` snapshot;
        ``None`` for the shipped one.
    """

    registry: str = "live"
    cutoff: str = "2022-11"
    months: str | None = None
    name = "registry-check"
    world_needs = ("universe",)  # checks names against the package-names world

    def __post_init__(self) -> None:
        if self.registry not in REGISTRIES:
            raise ValueError(f"registry must be 'live' or 'low-background', got "
                             f"{self.registry!r}")
        check_cutoff(self.cutoff)
        if self.registry == "low-background":
            release_months(self.months)   # a bad file fails when the experiment is built

    def names(self) -> tuple[str, ...]:  # noqa: D102
        return ("registry_check_rejected",)

    def known(self, universe) -> np.ndarray:
        """Whether each name of ``universe`` is in this registry before any squatting, (V,)."""
        if self.registry == "live":
            return ~universe.invented
        months = release_months(self.months)
        return np.array([months.get(name, "9999-99") < self.cutoff for name in universe.names])

    def apply(self, data: Dataset, *, world, rng):  # noqa: D102
        # Outside the kernel (a dataset of names on its own) no squatter has registered anything.
        keep = self.known(world.universe)[data.X]
        return data.take(keep), {"registry_check_rejected": float(np.mean(~keep))}


def review_acceptance(review: HumanReview, universe, n_writes: int) -> np.ndarray:
    """Chance a name survives review, shape (V,): each write is read with chance budget/n."""
    read = min(1.0, review.budget / n_writes) if n_writes else 0.0
    wrong = np.where(universe.invented, review.accuracy, 1.0 - review.accuracy)
    return 1.0 - read * wrong


def acceptance(curation, universe, n_writes: int) -> np.ndarray:
    """Chance a name gets past one defence before any squatting, shape (V,).

    A live registry check also accepts whatever the squatter registers; the
    kernel adds that per replicate.

    Raises
    ------
    ValueError
        For a filter that is not a defence of this family.
    """
    check_defence(curation)
    if isinstance(curation, RegistryCheck):
        return curation.known(universe).astype(float)
    return review_acceptance(curation, universe, n_writes)


def check_defence(curation) -> None:
    """Raise a ValueError naming the fix unless ``curation`` is a defence of this family."""
    if not isinstance(curation, RegistryCheck | HumanReview):
        raise ValueError(f"the package-name family's defences are registry-check and "
                         f"human-review, not {curation.name!r}: remove that filter or use one "
                         "of them")
