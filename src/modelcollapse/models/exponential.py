"""The maximum-likelihood fit of a one-parameter exponential family: the mean statistic."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from modelcollapse.data import Dataset
from modelcollapse.models.regression import DegenerateFitError
from modelcollapse.worlds.exponential import FAMILIES, draw, statistic

__all__ = ["ExponentialFamilyModel"]


@dataclass
class ExponentialFamilyModel:
    """θ̂ = the mean of the family's statistic over the training items (its MLE).

    Parameters
    ----------
    family : str or None, default None
        One of :data:`~modelcollapse.worlds.exponential.FAMILIES`; ``None``
        takes the world's (a chain calls :meth:`for_world`).

    Attributes
    ----------
    theta_ : float
    """

    family: str | None = None
    theta_: float = field(init=False, repr=False, compare=False)

    conditional = False

    def __post_init__(self) -> None:
        if self.family is not None and self.family not in FAMILIES:
            raise ValueError(f"family must be one of {', '.join(FAMILIES)}, got {self.family!r}")

    def for_world(self, world) -> ExponentialFamilyModel:
        """Return the model for ``world``'s family (which it must match when given)."""
        family = getattr(world, "family", None)
        if family is None:
            raise ValueError("the exponential-family model needs the exponential-family world")
        if self.family not in (None, family):
            raise ValueError(f"the model's family {self.family!r} differs from the world's "
                             f"{family!r}: leave the model's family out")
        return ExponentialFamilyModel(family)

    def clone(self) -> ExponentialFamilyModel:
        """Return an unfitted copy with the same settings."""
        return ExponentialFamilyModel(self.family)

    def fit(self, data: Dataset, *, rng: np.random.Generator | None = None
            ) -> ExponentialFamilyModel:
        """θ̂ = mean statistic. A variance or rate estimated as 0 cannot write data again.

        Raises
        ------
        DegenerateFitError
            With no items.
        """
        if len(data) == 0:
            raise DegenerateFitError("no items to fit")
        self.theta_ = float(np.mean(statistic(self.family, data.X)))
        return self

    def sample(self, n: int, *, rng: np.random.Generator, X=None) -> Dataset:
        """``n`` items from the family with the fitted θ̂."""
        return Dataset.synthetic(draw(self.family, self.theta_, n, rng), None, 1)
