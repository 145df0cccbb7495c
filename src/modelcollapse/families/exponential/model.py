"""The maximum-likelihood fit of a one-parameter exponential family: the mean statistic."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from modelcollapse.core.data import REAL, Dataset
from modelcollapse.core.model import DegenerateFitError, Model
from modelcollapse.families.exponential.world import FAMILIES, draw, statistic

__all__ = ["ExponentialFamilyModel"]


@dataclass
class ExponentialFamilyModel(Model):
    """θ̂ = the mean of the family's statistic over the training items (its MLE).

    Parameters
    ----------
    family : str or None, default None
        One of :data:`~modelcollapse.families.exponential.world.FAMILIES`; ``None``
        takes the world's (a chain calls :meth:`for_world`).
    real_weight : float or None, default None
        With a value w in [0, 1], θ̂ = w·(mean over real items) + (1 − w)·(mean
        over model-written items) whenever the training set holds both (the
        weighted mix of arXiv 2502.18049); ``None`` pools all items alike.

    Attributes
    ----------
    theta_ : float
    """

    batched_kernel = "modelcollapse.families.exponential.kernel"

    family: str | None = None
    real_weight: float | None = None
    theta_: float = field(init=False, repr=False, compare=False)

    conditional = False

    def __post_init__(self) -> None:
        if self.family is not None and self.family not in FAMILIES:
            raise ValueError(f"family must be one of {', '.join(FAMILIES)}, got {self.family!r}")
        if self.real_weight is not None and not 0 <= self.real_weight <= 1:
            raise ValueError(f"real_weight must lie in [0, 1], got {self.real_weight}")

    def for_world(self, world) -> ExponentialFamilyModel:
        """Return the model for ``world``'s family (which it must match when given)."""
        family = getattr(world, "family", None)
        if family is None:
            raise ValueError("the exponential-family model needs the exponential-family world")
        if self.family not in (None, family):
            raise ValueError(f"the model's family {self.family!r} differs from the world's "
                             f"{family!r}: leave the model's family out")
        return ExponentialFamilyModel(family, self.real_weight)

    def fit(self, data: Dataset, *, rng: np.random.Generator | None = None
            ) -> ExponentialFamilyModel:
        """θ̂ = mean statistic (weighted by origin with ``real_weight``).

        A variance or rate estimated as 0 cannot write data again.

        Raises
        ------
        DegenerateFitError
            With no items.
        """
        if len(data) == 0:
            raise DegenerateFitError("no items to fit")
        values = statistic(self.family, data.X)
        real = data.origin == REAL
        if self.real_weight is None or real.all() or not real.any():
            self.theta_ = float(np.mean(values))
        else:
            self.theta_ = float(self.real_weight * values[real].mean()
                                + (1 - self.real_weight) * values[~real].mean())
        return self

    def sample(self, n: int, *, rng: np.random.Generator, X=None) -> Dataset:
        """``n`` items from the family with the fitted θ̂."""
        return Dataset.synthetic(draw(self.family, self.theta_, n, rng), None, 1)
