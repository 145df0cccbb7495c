"""Distances between a fitted Gaussian and the Gaussian truth, in closed form.

One vectorised function computes every metric for a batch of fitted
Gaussians (trailing replicate axis), so the per-replicate loop and the
batched kernel share the same maths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from modelcollapse.core.named_metric import NamedMetric

__all__ = ["GAUSSIAN_METRICS", "GaussianMetric", "gaussian_metrics"]

GAUSSIAN_METRICS = {
    "variance": "average variance per dimension, tr(Σ̂)/d",
    "log_variance": "log of the average variance (its mean is the median's best proxy)",
    "mean_error": "distance between the fitted and the true mean",
    "w2": "2-Wasserstein distance to the truth",
    "kl": "KL(truth ‖ model)",
    "held_out_log_likelihood": "expected log-density of real data under the model, per item",
    "tail_mass": "model mass outside the truth's 1% and 99% quantiles (averaged over "
                 "coordinates; the truth itself has 0.02)",
}


def _sqrtm_psd(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0, None))[..., np.newaxis, :]) @ np.swapaxes(
        vectors, -1, -2)


def gaussian_metrics(mean: np.ndarray, cov: np.ndarray, truth_mean: np.ndarray,
                     truth_cov: np.ndarray, names) -> dict[str, np.ndarray]:
    """The requested metrics of fitted Gaussians against N(truth_mean, truth_cov).

    Parameters
    ----------
    mean : ndarray of shape (d, R)
    cov : ndarray of shape (d, d, R)
    truth_mean : ndarray of shape (d,)
    truth_cov : ndarray of shape (d, d)
    names : iterable of str
        Keys of :data:`GAUSSIAN_METRICS`.

    Returns
    -------
    dict of str to ndarray of shape (R,)
    """
    d = len(truth_mean)
    delta = mean - truth_mean[:, np.newaxis]                      # (d, R)
    out = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = np.trace(cov) / d
        if d == 1:  # scalar closed forms: no stacked linear algebra needed
            s2, t2, dm = cov[0, 0], truth_cov[0, 0], delta[0]
            logdet, trace_ratio, mahalanobis = np.log(s2), t2 / s2, dm**2 / s2
            w2_squared = dm**2 + (np.sqrt(s2) - np.sqrt(t2)) ** 2
        else:
            stacked = np.moveaxis(cov, -1, 0)                     # (R, d, d)
            sign, logdet = np.linalg.slogdet(stacked)
            logdet = np.where(sign > 0, logdet, np.nan)
            inverse = np.linalg.pinv(stacked, hermitian=True)
            trace_ratio = np.einsum("rij,ji->r", inverse, truth_cov)
            mahalanobis = np.einsum("ir,rij,jr->r", delta, inverse, delta)
            root = _sqrtm_psd(truth_cov)
            cross = _sqrtm_psd(root @ stacked @ root)
            w2_squared = (np.sum(delta**2, axis=0) + np.trace(truth_cov) + np.trace(cov)
                          - 2 * np.trace(cross, axis1=1, axis2=2))
        _, truth_logdet = np.linalg.slogdet(truth_cov)
        for name in names:
            if name == "variance":
                out[name] = variance
            elif name == "log_variance":
                out[name] = np.log(variance)
            elif name == "mean_error":
                out[name] = np.sqrt(np.sum(delta**2, axis=0))
            elif name == "w2":
                out[name] = np.sqrt(np.clip(w2_squared, 0, None))
            elif name == "kl":
                out[name] = 0.5 * (trace_ratio + mahalanobis - d + logdet - truth_logdet)
            elif name == "held_out_log_likelihood":
                out[name] = -0.5 * (d * np.log(2 * np.pi) + logdet + trace_ratio + mahalanobis)
            elif name == "tail_mass":
                sd = np.sqrt(np.diagonal(cov).T)                          # (d, R)
                truth_sd = np.sqrt(np.diag(truth_cov))[:, np.newaxis]
                low = truth_mean[:, np.newaxis] + truth_sd * ndtri(0.01)
                high = truth_mean[:, np.newaxis] + truth_sd * ndtri(0.99)
                outside = ndtr((low - mean) / sd) + ndtr((mean - high) / sd)
                out[name] = outside.mean(axis=0)
            else:
                raise KeyError(f"unknown Gaussian metric {name!r}; known: "
                               f"{', '.join(GAUSSIAN_METRICS)}")
    return out


@dataclass(frozen=True)
class GaussianMetric(NamedMetric):
    """One closed-form metric of a fitted Gaussian (a key of :data:`GAUSSIAN_METRICS`)."""

    known = GAUSSIAN_METRICS
    family = "Gaussian"

    def applies(self, model, world) -> bool:  # noqa: D102
        return hasattr(model, "estimator") and hasattr(world, "cov")

    def measure(self, model, world, context=None) -> dict[str, float]:  # noqa: D102
        values = gaussian_metrics(model.mean_[:, np.newaxis], model.cov_[:, :, np.newaxis],
                                  world.mean, world.cov, [self.name])
        return {self.name: float(values[self.name][0])}
