"""Staleness against contamination: policies for a world that keeps changing.

Beside retraining on a scraped web (:class:`~modelcollapse.policies.WebScrape`)
a drifting world offers three more ways to keep a model:

- :class:`Frozen`: generation 1's model, never retrained; it grows stale.
- :class:`FreshOnly`: retrain every generation on ``budget`` fresh real items
  only: clean and current, but real data costs, so the budget is small.
- :class:`Retrieval`: the frozen model corrected at prediction time by ``k``
  fresh real items, a secondary source as small as a context window
  (:mod:`modelcollapse.policies.retrieval`).

:class:`Distill` is a legitimate use of synthetic data: every generation a
student learns from the samples of the same teacher (generation 1's model),
so the cost of learning from a model is paid once and does not compound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.policies.retrieval import correct, supports_retrieval
from modelcollapse.policies.training_sets import Policy, Recipe, Replace

__all__ = ["Distill", "FreshOnly", "Frozen", "Retrieval", "real_supply"]


def real_supply(world) -> int | None:
    """How many distinct real items ``world`` can supply at once (``supply``), None if unbounded."""
    return getattr(world, "supply", None)


def _check_count(name: str, value, world, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be an integer of at least 1, got {value!r}")
    supply = real_supply(world)
    if supply is not None and value > supply:
        raise ValueError(f"{name} = {value} {what}, but the {getattr(world, 'name', 'given')} "
                         f"world holds only {supply} real items: lower {name} to at most "
                         f"{supply}")


class _KeepsFirstModel:
    """Policies that never retrain after generation 1 (the chain calls :meth:`adapt`)."""

    refits = False

    def check(self, chain) -> None:
        """Reject filters: nothing is trained after generation 1, so nothing is curated."""
        if chain.filters:
            raise ValueError(f"the {self.name} policy trains nothing after generation 1, so "
                             "there is nothing to curate: remove the filters")


@dataclass(frozen=True)
class Frozen(_KeepsFirstModel):
    """Keep generation 1's model for ever; every generation measures it against today's world."""

    name = "frozen"

    def adapt(self, model, world, *, n_samples: int, rng: np.random.Generator):
        """Generation 1's model, unchanged."""
        return model

    @property
    def label(self) -> str:  # noqa: D102
        return self.name


@dataclass(frozen=True)
class Retrieval(_KeepsFirstModel):
    """The frozen model corrected each generation by ``k`` real items of the current world.

    The frozen model counts as the ``n_samples`` items it was trained on;
    the k retrieved items update it in closed form (see
    :mod:`modelcollapse.policies.retrieval`). Corrections are not carried over: each
    generation corrects generation 1's model afresh.

    Parameters
    ----------
    k : int, default 10
        Items retrieved per generation (the context window).
    """

    k: int = 10
    name = "retrieval"

    def __post_init__(self) -> None:
        _check_count("k", self.k, None, "")

    def check(self, chain) -> None:  # noqa: D102
        super().check(chain)
        if not supports_retrieval(chain.model):
            raise ValueError(f"retrieval has no correction for {chain.model!r}: use a "
                             "gaussian, categorical, polynomial or linear model, or an n-gram "
                             "model with plain decoding (no temperature, top_k, top_p, "
                             "repetition_penalty or beams)")
        _check_count("k", self.k, chain.world, "items are retrieved each generation")

    def adapt(self, model, world, *, n_samples: int, rng: np.random.Generator):
        """Generation 1's model corrected by ``k`` fresh items of ``world``."""
        return correct(model, world.sample(self.k, rng=rng), weight=n_samples, world=world)

    @property
    def label(self) -> str:  # noqa: D102
        return f"{self.name}({self.k})"


@dataclass(frozen=True)
class FreshOnly(Policy):
    """Retrain every generation on ``budget`` fresh real items and nothing else.

    Parameters
    ----------
    budget : int, default 30
        Real items bought per generation (generation 1 trains on ``n_samples``).
    """

    budget: int = 30
    name = "fresh-only"

    def __post_init__(self) -> None:
        _check_count("budget", self.budget, None, "")

    def check(self, chain) -> None:
        """Reject a budget larger than the world's supply of real items."""
        _check_count("budget", self.budget, chain.world, "real items are bought each generation")

    def recipe(self, n_samples: int, generation: int = 2) -> Recipe:  # noqa: D102
        return Recipe(new_synthetic=0, fresh_real=self.budget)  # the fresh real items alone

    @property
    def label(self) -> str:  # noqa: D102
        return f"{self.name}({self.budget})"


@dataclass(frozen=True)
class Distill(Replace):
    """Every generation trains only on what generation 1's model (the teacher) writes.

    Under :class:`~modelcollapse.policies.Replace` each student learns from
    the previous student and the errors compound; here every student learns
    from the same teacher, so the error of learning from a model is paid once.
    """

    name = "distill"
    writer = "first"
