"""A model of which package names a code assistant writes (Spracklen et al. 2025).

It has learnt which packages its training code imports, with their
frequencies, and recommends them in proportion; with probability h a
recommendation slips into a mistake of the package it meant (a typo, a
conflation, a wrong affix, see :mod:`.mistakes`), the habitual mistake with
probability ``habit``. Trained on what earlier models wrote, it learns their
invented names too and repeats them.

Defaults from Spracklen et al. (USENIX Security 2025, "We Have a Package for
You!", 16 code models, 576,000 samples): h = 0.217, the open-source models'
average hallucination rate (0.052 for commercial ones); ``habit`` = 0.43,
the share of invented names they saw repeat in all ten re-runs of a prompt.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.families.code.packages.defences import check_defence
from modelcollapse.families.code.packages.writing import Generation, WritingModel, draw_names

__all__ = ["PackageWriter"]


@dataclass
class PackageWriter:
    """Recommends package names as its training code did, slipping with probability h.

    Parameters
    ----------
    hallucination_rate : float, default 0.217
        h, the chance one recommendation is a mistake.
    habit : float, default 0.43
        The chance a mistake is the package's habitual one (which is why
        invented names repeat across prompts).
    """

    batched_kernel = "modelcollapse.families.code.packages.kernel"

    hallucination_rate: float = 0.217
    habit: float = 0.43
    writer: WritingModel | None = field(default=None, repr=False, compare=False)
    conditional = False

    def __post_init__(self) -> None:
        for name in ("hallucination_rate", "habit"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value}")

    def check_chain(self, chain) -> None:
        """Refuse filters that are not this family's defences (registry-check, human-review)."""
        for curation in chain.filters:
            check_defence(curation)

    def for_world(self, world) -> PackageWriter:
        """A copy of this model over ``world``'s names (the chain calls it once)."""
        return replace(self, writer=WritingModel(world.universe, self.hallucination_rate,
                                                 self.habit))

    def clone(self) -> PackageWriter:
        """An unfitted copy with the same settings (sharing the immutable write maths)."""
        return replace(self)

    def fit(self, data: Dataset, *, rng: np.random.Generator) -> PackageWriter:
        """Remember the training names (indices into the world's universe)."""
        if self.writer is None:
            raise ValueError("a PackageWriter needs its world's names: build it with "
                             "for_world(world) (a Chain does)")
        self.items_ = np.asarray(data.X, dtype=np.int64)
        return self

    def sample(self, n: int, *, rng: np.random.Generator, X=None) -> Dataset:
        """``n`` recommendations: copies of training names, or mistakes of them."""
        mass = Generation.plain(self.writer, self.items_[:, np.newaxis]).mass
        # Model-written (origin 1), whoever wraps it later: never labelled real data.
        return Dataset.synthetic(draw_names(rng, mass, n)[:, 0], None, 1)
