"""What the package-name study measures each generation, for many replicates at once.

Rates are exact expectations given each replicate's fitted model (no
sampling noise on top of the chain's own), computed from its write
distribution W and what its defences accept (see :mod:`.writing`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.core.named_metric import NamedMetric
from modelcollapse.families.code.packages.writing import Generation

__all__ = ["PACKAGE_METRICS", "Generation", "PackageNameMetric", "package_metrics", "top_names"]

PACKAGE_METRICS = {
    "invented_name_rate": "share of published writes naming a package that did not exist "
                          "before the chain began (squatted names included)",
    "model_invented_rate": "the same share before the defences: what the model itself writes",
    "squatted_install_rate": "share of published writes, i.e. of installs, that land on a "
                             "package the squatter registered",
    "squatted_names": "names the squatter has registered so far",
    "invented_names_known": "distinct invented names in the model's training set",
    "squattable_names": "those within Damerau-Levenshtein distance 2 of a top package",
    "invented_top10_share": "share of invented writes that go to the 10 most written "
                            "invented names (concentration)",
    "invented_name_age": "mean generations since each invented name in the training set "
                         "first entered a training set (how long names survive)",
    "real_names_rejected": "share of the model's real-package writes the defences reject",
    "real_packages_known": "distinct real packages in the model's training set",
}
"""Metric name -> what it measures."""

_TOP_NAMES = 10




def _top_share(accepted_invented: np.ndarray, total: np.ndarray, k: int) -> np.ndarray:
    """Share of invented published mass held by the ``k`` most written invented names."""
    k = min(k, accepted_invented.shape[1])
    top = -np.partition(-accepted_invented, k - 1, axis=1)[:, :k]
    return top.sum(axis=1) / np.where(total > 0, total, 1.0)


def package_metrics(names, universe, state: Generation) -> dict[str, np.ndarray]:
    """The metrics ``names`` of every replicate, each (R,); NaN where nothing is published."""
    n_real = universe.n_real
    counts, mass, accepted, share = state.counts, state.mass, state.accepted, state.share
    squattable = universe.squattable[n_real:]

    def ratio(part, whole):
        return np.where(whole > 0, part / np.where(whole > 0, whole, 1.0), np.nan)

    def invented_published():
        return accepted[:, n_real:].sum(axis=1)

    def squatted_installs():
        if state.squatted is None:
            return np.zeros(len(share))
        return (accepted[:, n_real:] * state.squatted).sum(axis=1)

    def age():
        if state.first_seen is None:
            return np.full(len(share), np.nan)
        held = counts[:, n_real:] > 0
        years = np.where(held, state.generation - state.first_seen + 1, 0).sum(axis=1)
        return ratio(years, held.sum(axis=1))

    def rejected_real():
        if accepted is mass:
            return np.zeros(len(share))
        return 1.0 - ratio(accepted[:, :n_real].sum(axis=1), mass[:, :n_real].sum(axis=1))

    everything = {
        "invented_name_rate": lambda: ratio(invented_published(), share),
        "model_invented_rate": lambda: mass[:, n_real:].sum(axis=1),
        "squatted_install_rate": lambda: ratio(squatted_installs(), share),
        "squatted_names": lambda: (np.zeros(len(share)) if state.squatted is None
                                   else state.squatted.sum(axis=1)),
        "invented_names_known": lambda: (counts[:, n_real:] > 0).sum(axis=1),
        "squattable_names": lambda: ((counts[:, n_real:] > 0) & squattable).sum(axis=1),
        "invented_top10_share": lambda: np.where(
            invented_published() > 0,
            _top_share(accepted[:, n_real:], invented_published(), 10), np.nan),
        "invented_name_age": age,
        "real_names_rejected": rejected_real,
        "real_packages_known": lambda: (counts[:, :n_real] > 0).sum(axis=1),
    }
    dead = share == 0
    return {name: np.where(dead, np.nan, np.asarray(everything[name](), dtype=float))
            for name in names}


@dataclass(frozen=True)
class PackageNameMetric(NamedMetric):
    """One metric of the package-name study (a key of :data:`PACKAGE_METRICS`).

    In the per-replicate loop no squatter acts, no defence applies and no
    history is kept, so ``squatted_*`` are 0 and ``invented_name_age`` is
    missing there; chains with a squatter or defences run on the batched
    kernel, which keeps all three.
    """

    known = PACKAGE_METRICS
    family = "package-name"

    def applies(self, model, world) -> bool:  # noqa: D102
        return hasattr(model, "hallucination_rate") and hasattr(world, "universe")

    def measure(self, model, world, context=None) -> dict[str, float]:  # noqa: D102
        state = Generation.plain(model.writer, model.items_[:, np.newaxis])
        return {self.name: float(package_metrics([self.name], world.universe, state)
                                 [self.name][0])}


def top_names(universe, P: np.ndarray, squatted: np.ndarray) -> list[dict]:
    """The most published invented names of one replicate.

    ``P`` (V,) is its published distribution, ``squatted`` (V − n_real,) what is registered.
    """
    n_real = universe.n_real
    order = n_real + np.argsort(-P[n_real:], kind="stable")[:_TOP_NAMES]
    return [{"name": universe.names[v], "imitates": universe.names[universe.root[v]],
             "edit": universe.kind[v], "share of writes": round(float(P[v]), 5),
             "squatted": bool(squatted[v - n_real]), "squattable": bool(universe.squattable[v])}
            for v in order if P[v] > 0]
