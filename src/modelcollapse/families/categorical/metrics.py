"""Metrics of a fitted categorical law against the true one: support, entropy, tails.

One vectorised function serves the per-replicate loop and the batched kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.core.named_metric import NamedMetric

__all__ = ["CATEGORICAL_METRICS", "CategoricalMetric", "categorical_metrics", "rare_set"]

RARE_MASS = 0.10
"""The rare set: the truth's least probable categories that together hold this much mass."""

CATEGORICAL_METRICS = {
    "support_size": "number of categories with probability > 0",
    "entropy": "Shannon entropy in nats",
    "gini_simpson": "one minus the sum of squared probabilities: the chance two draws differ",
    "kl_to_truth": "KL(model ‖ truth), finite even after categories are lost",
    "lost_mass": "true probability of the categories the model has lost",
    "rare_mass": "model probability of the truth's rarest categories holding 10% of its mass",
}


def rare_set(truth: np.ndarray, mass: float = RARE_MASS) -> np.ndarray:
    """Boolean mask of the least probable categories whose total mass is at most ``mass``."""
    order = np.argsort(truth, kind="stable")
    keep = np.cumsum(truth[order]) <= mass
    mask = np.zeros(len(truth), dtype=bool)
    mask[order[keep]] = True
    return mask


def categorical_metrics(p: np.ndarray, truth: np.ndarray, names) -> dict[str, np.ndarray]:
    """The requested metrics of fitted laws ``p`` (V, R) against ``truth`` (V,).

    ``p`` may be shorter than ``truth`` (categories never seen): it is padded with zeros.
    """
    V = len(truth)
    if len(p) < V:
        p = np.concatenate([p, np.zeros((V - len(p), p.shape[1]))])
    out = {}
    dead = np.where(np.isnan(p).any(axis=0), np.nan, 1.0)   # NaN for dead replicates
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
        for name in names:
            if name == "support_size":
                out[name] = np.where(np.isnan(p).any(axis=0), np.nan,
                                     np.count_nonzero(p > 0, axis=0).astype(float))
            elif name == "entropy":
                out[name] = -plogp.sum(axis=0) * dead
            elif name == "gini_simpson":
                out[name] = 1.0 - np.sum(p**2, axis=0)
            elif name == "kl_to_truth":
                out[name] = dead * np.sum(
                    plogp - np.where(p > 0, p * np.log(truth)[:, None], 0.0), axis=0)
            elif name == "lost_mass":
                out[name] = np.where(np.isnan(p).any(axis=0), np.nan,
                                     np.sum(np.where(p > 0, 0.0, truth[:, None]), axis=0))
            elif name == "rare_mass":
                out[name] = np.sum(p[rare_set(truth)], axis=0)
            else:
                raise KeyError(f"unknown categorical metric {name!r}; known: "
                               f"{', '.join(CATEGORICAL_METRICS)}")
    return out


@dataclass(frozen=True)
class CategoricalMetric(NamedMetric):
    """One metric of a fitted categorical law (a key of :data:`CATEGORICAL_METRICS`)."""

    known = CATEGORICAL_METRICS
    family = "categorical"

    def applies(self, model, world) -> bool:  # noqa: D102
        return hasattr(model, "top_k") and hasattr(world, "probabilities")

    def measure(self, model, world, context=None) -> dict[str, float]:  # noqa: D102
        values = categorical_metrics(model.probabilities_[:, np.newaxis], world.probabilities,
                                     [self.name])
        return {self.name: float(values[self.name][0])}
