"""Closed forms of exponential-family chains, and the best real/synthetic weight."""

from __future__ import annotations

import numpy as np
import pandas as pd

from modelcollapse.families.exponential.model import ExponentialFamilyModel
from modelcollapse.families.exponential.world import ExponentialFamilyWorld
from modelcollapse.policies.training_sets import Accumulate, FreshReal, Replace

__all__ = ["chain_parameter_risk_theory", "exponential_family_theory", "mix_weight_theory",
           "optimal_real_weight"]



def exponential_family_theory(family: str, theta: float, n_samples: int, n_generations: int,
                              *, accumulate: bool = False) -> pd.DataFrame:
    """Risk E(θ̂_g − θ)² of a one-parameter exponential family refitted on its own samples.

    Dey & Donoho 2024, "Universality of the π²/6 Pathway in Avoiding Model
    Collapse" (arXiv 2410.22812; read here only in its abstract: keeping real
    data and adding synthetic data keeps the risk within π²/6 of the real-data
    risk across families, discarding it diverges). Derived here: θ̂ is the mean
    of a statistic whose variance given θ is c₀ + c₁θ + c₂θ²
    (:data:`~modelcollapse.families.exponential.world.FAMILIES`), and E[θ̂_g] = θ for
    every g (a martingale), so E[Var | θ̂] = c₀ + c₁θ + c₂(θ² + v). Each
    generation M new items are written by θ̂_{g−1}; replace refits on them
    alone, accumulate on all gM items, so θ̂_g = θ̂_{g−1} + (m̄_g − θ̂_{g−1})/k_g
    with k_g = 1 or g, and the risk v_g obeys exactly

        v_g = v_{g−1} + (c₀ + c₁θ + c₂(θ² + v_{g−1})) / (M·k_g²),   v₀ = 0.

    With c₂ = 0 (Gaussian mean, Poisson) accumulate gives v₁·Σ_{i≤g} 1/i² < v₁·π²/6
    and replace v₁·g; the Bernoulli (c₂ = −1) stays below that, the Gaussian
    variance (c₂ = 2) rises above it by a factor 1 + O(1/M), and under replace
    grows geometrically, (1 + 2/M)^g − 1.

    Parameters
    ----------
    family : {"gaussian-mean", "gaussian-variance", "poisson", "bernoulli"}
    theta : float
        θ.
    n_samples : int
        M, items per generation.
    n_generations : int
    accumulate : bool, default False

    Returns
    -------
    pandas.DataFrame
        Rows ``generation, metric, value, theory`` for ``parameter_risk``.
    """
    from modelcollapse.families.exponential.world import FAMILIES

    c0, c1, c2 = FAMILIES[family]
    risk, values = 0.0, []
    for g in range(1, n_generations + 1):
        k = g if accumulate else 1
        risk += (c0 + c1 * theta + c2 * (theta**2 + risk)) / (n_samples * k**2)
        values.append(risk)
    return pd.DataFrame({"generation": np.arange(1, n_generations + 1),
                         "metric": "parameter_risk", "value": values, "theory": "exact"})


def _mix_step(family: str, theta: float, n_real: int, n_synthetic: int, real_weight: float,
              risk: float) -> float:
    """One generation of the weighted-mix risk recursion (see :func:`mix_weight_theory`)."""
    from modelcollapse.families.exponential.world import FAMILIES

    c0, c1, c2 = FAMILIES[family]
    item = c0 + c1 * theta + c2 * theta**2  # an item's variance at the truth
    return (real_weight**2 * item / n_real
            + (1 - real_weight) ** 2 * (risk + (item + c2 * risk) / n_synthetic))


def mix_weight_theory(family: str, theta: float, n_real: int, n_synthetic: int,
                      real_weight: float, n_generations: int) -> pd.DataFrame:
    """Risk of a chain that weights fresh real data against its predecessor's output.

    After arXiv 2502.18049 ("the best mix of real and synthetic data"; only
    its abstract was readable here: the optimal weight on real data is
    analysed and tends to 1/φ ≈ 0.618 in some settings). Setting derived here:
    every generation g ≥ 2 sees k fresh real items and m items written by
    model g − 1, and estimates θ̂_g = w·(real mean) + (1 − w)·(synthetic mean)
    (:class:`~modelcollapse.families.exponential.model.ExponentialFamilyModel` with
    ``real_weight``, policy ``fresh-real``). The two means are independent and
    E[θ̂_g] = θ, so with an item's variance V = c₀ + c₁θ + c₂θ² at the truth
    the risk v_g = E(θ̂_g − θ)² obeys exactly

        v_g = w²V/k + (1 − w)²·(v_{g−1} + (V + c₂v_{g−1})/m),

    from v₁ = V/(k + m), the pooled fit of generation 1 (all k + m items real).
    For c₂ = 0 and k = m the fixed point
    v* = (V/k)(w² + (1 − w)²)/(1 − (1 − w)²) is smallest where w² + w − 1 = 0,
    at w = 1/φ = (√5 − 1)/2 (:func:`optimal_real_weight`).

    Parameters
    ----------
    family : str
    theta : float
    n_real, n_synthetic : int
        k and m.
    real_weight : float
        w in [0, 1].
    n_generations : int

    Returns
    -------
    pandas.DataFrame
        Rows ``generation, metric, value, theory`` for ``parameter_risk``.
    """
    from modelcollapse.families.exponential.world import FAMILIES

    if not 0 <= real_weight <= 1:
        raise ValueError(f"real_weight must lie in [0, 1], got {real_weight}")
    c0, c1, c2 = FAMILIES[family]
    risk = (c0 + c1 * theta + c2 * theta**2) / (n_real + n_synthetic)
    values = [risk]
    for _ in range(2, n_generations + 1):
        risk = _mix_step(family, theta, n_real, n_synthetic, real_weight, risk)
        values.append(risk)
    return pd.DataFrame({"generation": np.arange(1, n_generations + 1),
                         "metric": "parameter_risk", "value": values, "theory": "exact"})


def optimal_real_weight(family: str, theta: float, n_real: int, n_synthetic: int) -> float:
    """The weight w on real data that minimises the long-run risk of :func:`mix_weight_theory`.

    The fixed point of the recursion, v*(w) = w²V/k + (1 − w)²(v* + (V + c₂v*)/m)
    solved for v*, minimised over w in (0, 1]. For c₂ = 0 and k = m it is
    1/φ ≈ 0.618 whatever the family (arXiv 2502.18049 reports weights tending
    to 1/φ in some settings).
    """
    from scipy.optimize import minimize_scalar

    from modelcollapse.families.exponential.world import FAMILIES

    c0, c1, c2 = FAMILIES[family]
    item = c0 + c1 * theta + c2 * theta**2

    def fixed_point(w: float) -> float:
        keep = (1 - w) ** 2
        return (w**2 * item / n_real + keep * item / n_synthetic) / (
            1 - keep * (1 + c2 / n_synthetic))

    return float(minimize_scalar(fixed_point, bounds=(1e-6, 1.0), method="bounded",
                                 options={"xatol": 1e-10}).x)


def chain_parameter_risk_theory(chain, generations: int) -> pd.DataFrame | str | None:
    """The parameter-risk closed form for an exponential-family chain, where it holds."""
    world, model, policy = chain.world, chain.model, chain.policy
    if not (type(world) is ExponentialFamilyWorld and type(model) is ExponentialFamilyModel):
        return None
    n_real = policy.n_real_items(chain.n_samples) if type(policy) is FreshReal else 0
    if type(policy) is FreshReal and 0 < n_real < chain.n_samples and not chain.filters:
        # Pooling k real with m synthetic items is the weighted mix with w = k/N.
        weight = n_real / chain.n_samples if model.real_weight is None else model.real_weight
        return mix_weight_theory(world.family, world.theta, n_real, chain.n_samples - n_real,
                                 weight, generations)
    if chain.filters or not (type(policy) is Replace or (
            type(policy) is Accumulate and model.real_weight is None)):
        return ("no theory line: the closed forms are for replace, accumulate (unweighted) "
                f"and fresh real data, not {policy.label}")
    return exponential_family_theory(world.family, world.theta, chain.n_samples, generations,
                                     accumulate=isinstance(policy, Accumulate))
