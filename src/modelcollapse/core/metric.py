"""The metric contract: what the chain asks of every metric, and what it hands over.

A metric has ``names(model)`` (the figures it returns for models like
``model``), ``applies(model, world)`` (so a wrong pairing is refused when the
chain is built) and ``measure(model, world, context)``, one signature for
every metric: ``context`` carries what some metrics need and the rest ignore.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

__all__ = ["MeasureContext", "Metric"]


@dataclass(frozen=True)
class MeasureContext:
    """What a metric may use besides the model and the world.

    Parameters
    ----------
    rng : numpy.random.Generator or None
        A stream of the metric's own, for metrics that sample from the model.
    artifacts : ArtifactSink or None
        Where to keep images or text for this (replicate, generation), or None
        when the replicate keeps nothing (:mod:`modelcollapse.core.artifacts`).
    replicate, generation : int or None
        Where the chain is, for metrics that compare a generation with the one
        before; None outside a chain.
    """

    rng: np.random.Generator | None = None
    artifacts: Any = None
    replicate: int | None = None
    generation: int | None = None

    def stream(self) -> np.random.Generator:
        """The metric's stream.

        Raises
        ------
        ValueError
            Outside a chain, when the caller gave no ``rng``.
        """
        if self.rng is None:
            raise ValueError("this metric samples from the model: pass "
                             "MeasureContext(rng=numpy.random.default_rng(seed))")
        return self.rng


class Metric(Protocol):
    """Anything that measures a fitted model against the world."""

    def names(self, model) -> tuple[str, ...]:
        """The metric names :meth:`measure` returns for models like ``model``."""

    def applies(self, model, world) -> bool:
        """Whether this metric can measure ``model`` against ``world``."""

    def measure(self, model, world, context: MeasureContext) -> dict[str, float]:
        """Return ``{metric name: value}`` for one fitted model."""
