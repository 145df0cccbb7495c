"""A downstream model trained on what a generation writes, with its own sample size and noise.

The chain's models are the *generators*; this metric trains, at every
generation, a fresh least-squares model on ``n_samples`` items whose labels
come from that generation's model (with the downstream noise) and, for a
``synthetic_share`` below 1, partly from the world, and reports its excess
risk ‖ŵ − w*‖². That separates the generators' settings (the chain's samples,
world and model noise) from the downstream model's (Dohmatob, Feng & Kempe
2024, Theorem 4.1; Dohmatob et al. 2025, strong model collapse).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.core.metric import MeasureContext

__all__ = ["ORDERS", "DownstreamRisk"]

ORDERS = ("mixed", "synthetic-first")


@dataclass(frozen=True)
class DownstreamRisk:
    """Excess risk of a downstream linear model trained on a generation's output.

    Parameters
    ----------
    n_samples : int, default 200
        T, the downstream model's training items.
    noise : float or None, default None
        σ, the noise on the labels the generation writes for it; ``None`` uses
        the world's.
    ridge : float, default 0.0
        The downstream model's ridge penalty.
    synthetic_share : float, default 1.0
        p, the share of the T items labelled by the generation's model; the
        rest are fresh real items from the world (with the world's noise).
    order : {"mixed", "synthetic-first"}, default "mixed"
        ``mixed`` fits all T items at once. ``synthetic-first`` fits the
        synthetic items, then trains on the real items to convergence from that
        fit, as gradient descent would: the result is the closest solution to
        the synthetic fit among the least-squares fits of the real items
        (ŵ = ŵₛ + X_r⁺(y_r − X_r ŵₛ)), so with more real items than
        dimensions the synthetic items no longer matter.
    """

    n_samples: int = 200
    noise: float | None = None
    ridge: float = 0.0
    synthetic_share: float = 1.0
    order: str = "mixed"

    name = "downstream_excess_risk"

    def __post_init__(self) -> None:
        if int(self.n_samples) != self.n_samples or self.n_samples < 1:
            raise ValueError(f"n_samples must be an integer >= 1, got {self.n_samples}")
        if self.noise is not None and (not np.isfinite(self.noise) or self.noise < 0):
            raise ValueError(f"noise must be a finite number >= 0, got {self.noise}")
        if not np.isfinite(self.ridge) or self.ridge < 0:
            raise ValueError(f"ridge must be a finite number >= 0, got {self.ridge}")
        if not 0.0 <= self.synthetic_share <= 1.0:
            raise ValueError(f"synthetic_share must lie in [0, 1], got {self.synthetic_share}")
        if self.order not in ORDERS:
            raise ValueError(f"order must be 'mixed' or 'synthetic-first', got {self.order!r}")

    @property
    def n_synthetic(self) -> int:
        """Items labelled by the generation's model: round(p·T)."""
        return round(self.synthetic_share * self.n_samples)

    def names(self, model) -> tuple[str, ...]:  # noqa: D102
        return (self.name,)

    def applies(self, model, world) -> bool:  # noqa: D102
        return (hasattr(model, "coef_") or hasattr(model, "ridge")) and hasattr(world, "weights")

    def measure(self, model, world, context: MeasureContext) -> dict[str, float]:
        """Train the downstream model on what ``model`` and ``world`` write; its ‖ŵ − w*‖²."""
        rng = context.stream()
        k = self.n_synthetic
        noise = world.noise if self.noise is None else self.noise
        X_synthetic = world.draw_inputs(k, rng=rng)
        y_synthetic = model.predict(X_synthetic) + noise * rng.standard_normal(k)
        real = world.sample(self.n_samples - k, rng=rng)
        if self.order == "synthetic-first" and len(real) and k:
            start = _least_squares(X_synthetic, y_synthetic, self.ridge)
            coef = start + np.linalg.lstsq(real.X, real.y - real.X @ start, rcond=None)[0]
        else:
            coef = _least_squares(np.concatenate([X_synthetic, real.X]),
                                  np.concatenate([y_synthetic, real.y]), self.ridge)
        return {self.name: float(np.sum((coef - world.weights) ** 2))}


def _least_squares(X: np.ndarray, y: np.ndarray, ridge: float) -> np.ndarray:
    """(XᵀX + λI)⁻¹Xᵀy, or the minimum-norm solution without ridge."""
    if ridge:
        return np.linalg.solve(X.T @ X + ridge * np.eye(X.shape[1]), X.T @ y)
    return np.linalg.lstsq(X, y, rcond=None)[0]
