"""What the package-name study measures each generation, for many replicates at once.

Rates are exact expectations given each replicate's fitted model (no
sampling noise on top of the chain's own), computed from its write
distribution W and what its defences let through, P (see :mod:`.writing`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.code.packages.writing import published
from modelcollapse.metrics.named import NamedMetric
from modelcollapse.models.categorical import counts

__all__ = ["PACKAGE_METRICS", "PackageNameMetric", "package_metrics", "top_invented"]

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


def top_invented(P: np.ndarray, invented: np.ndarray, k: int) -> np.ndarray:
    """Share of invented mass held by the ``k`` most written invented names, shape (R,)."""
    part = P[invented]
    total = part.sum(axis=0)
    k = min(k, len(part))
    top = -np.partition(-part, k - 1, axis=0)[:k].sum(axis=0) if k else np.zeros_like(total)
    return np.where(total > 0, top / np.where(total > 0, total, 1.0), np.nan)


def package_metrics(names, *, universe, items: np.ndarray, mass: np.ndarray,
                    acceptance, squatted: np.ndarray, first_seen: np.ndarray | None,
                    generation: int) -> dict[str, np.ndarray]:
    """The metrics ``names`` for R fitted models at once, each of shape (R,).

    Parameters
    ----------
    names : iterable of str
        Keys of :data:`PACKAGE_METRICS`.
    universe : NameUniverse
    items : ndarray of int of shape (m, R)
        Each model's training set (``-1`` = none).
    mass : ndarray of shape (V, R)
        W, each model's write distribution.
    acceptance : ndarray of shape (V, R) or float
        A, what the defences let through.
    squatted : ndarray of bool of shape (V, R)
        Names the squatter has registered.
    first_seen : ndarray of int of shape (V, R) or None
        Generation each name first entered a training set (0 = never); ``None``
        where the history is not kept (the age is then missing).
    generation : int
    """
    V = len(universe)
    invented = universe.invented
    P, share = published(mass, acceptance)
    known = counts(np.where(items >= 0, items, V), V + 1)[:V] > 0
    dead = share == 0
    real_mass = mass[~invented].sum(axis=0)
    kept_real = (mass * acceptance)[~invented].sum(axis=0)
    age = np.full(mass.shape[1], np.nan)
    if first_seen is not None:
        held = known & invented[:, np.newaxis]
        n_held = held.sum(axis=0)
        total_age = np.where(held, generation - first_seen + 1, 0).sum(axis=0)
        age = np.where(n_held > 0, total_age / np.maximum(n_held, 1), np.nan)
    everything = {
        "invented_name_rate": lambda: P[invented].sum(axis=0),
        "model_invented_rate": lambda: mass[invented].sum(axis=0),
        "squatted_install_rate": lambda: (P * squatted).sum(axis=0),
        "squatted_names": lambda: squatted.sum(axis=0).astype(float),
        "invented_names_known": lambda: (known & invented[:, np.newaxis]).sum(axis=0),
        "squattable_names": lambda: (known & universe.squattable[:, np.newaxis]).sum(axis=0),
        "invented_top10_share": lambda: top_invented(P, invented, 10),
        "invented_name_age": lambda: age,
        "real_names_rejected": lambda: np.where(real_mass > 0, 1 - kept_real / np.where(
            real_mass > 0, real_mass, 1.0), np.nan),
        "real_packages_known": lambda: (known & ~invented[:, np.newaxis]).sum(axis=0),
    }
    return {name: np.where(dead, np.nan, everything[name]().astype(float)) for name in names}


@dataclass(frozen=True)
class PackageNameMetric(NamedMetric):
    """One metric of the package-name study (a key of :data:`PACKAGE_METRICS`).

    In the per-replicate loop no squatter acts and no history is kept, so
    ``squatted_*`` are 0 and ``invented_name_age`` is missing there; chains
    with a squatter or defences run on the batched kernel, which keeps both.
    """

    known = PACKAGE_METRICS
    family = "package-name"

    def applies(self, model, world) -> bool:  # noqa: D102
        return hasattr(model, "hallucination_rate") and hasattr(world, "universe")

    def measure(self, model, world) -> dict[str, float]:  # noqa: D102
        items = model.items_[:, np.newaxis]
        mass = model.writer.write_mass(items)
        values = package_metrics([self.name], universe=world.universe, items=items, mass=mass,
                                 acceptance=1.0, squatted=np.zeros_like(mass, dtype=bool),
                                 first_seen=None, generation=0)
        return {self.name: float(values[self.name][0])}
