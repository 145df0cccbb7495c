"""Closed forms of linear regression chains: replace, accumulate, drift, fresh designs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from modelcollapse.core.drift import drifts
from modelcollapse.families.linear.downstream import DownstreamRisk
from modelcollapse.families.linear.model import LinearRegression
from modelcollapse.families.linear.world import LinearWorld
from modelcollapse.policies.staleness import Frozen
from modelcollapse.policies.training_sets import Accumulate, Replace

__all__ = ["chain_downstream_theory", "chain_excess_risk_theory", "fresh_design_theory",
           "linear_drift_theory", "linear_regression_theory", "strong_collapse_theory"]



def linear_regression_theory(dim: int, n_samples: int, noise: float, n_generations: int, *,
                             accumulate: bool = False, world_noise: float | None = None,
                             drift: float = 0.0) -> pd.DataFrame:
    """Expected excess risk ‖ŵ_n − w*_n‖² of least-squares chains with x ~ N(0, I_d).

    Replace (fixed design, Gerstgrasser et al. 2024, "Is Model Collapse
    Inevitable?", Theorem 1; fresh design, Dohmatob, Feng & Kempe 2024, "Model
    Collapse Demystified", Theorem 4.1 with T₀ = T): the n-th model is
    ŵ_n = w* + Σ_{i ≤ n} eᵢ with independent, centred eᵢ = (XᵢᵀXᵢ)⁻¹Xᵢᵀεᵢ and
    E‖eᵢ‖² = σᵢ²·E[tr((XᵀX)⁻¹)] = σᵢ²d/(T − d − 1). Generation 1's labels carry
    the world's noise σ_w, every later one the model's σ, so

        E[excess_n] = d/(T − d − 1) · (σ_w² + (n − 1)·σ²).

    Accumulate with a fixed design (Gerstgrasser et al. 2024, Theorem 2): the
    n-th model averages the n labellings of one design, so nŵ_n = Σ_{i ≤ n}
    (ŵ_{i−1} + eᵢ), whence ŵ_n = ŵ_{n−1} + e_n/n and

        E[excess_n] = d/(T − d − 1) · (σ_w² + σ²·Σ_{2 ≤ i ≤ n} 1/i²),

    bounded by π²/6 times the first generation's error when σ_w = σ.

    Drift (w*_n = w*₁ + δ(n − 1)·v, ‖v‖ = 1, as :class:`LinearWorld` moves it):
    neither policy above ever sees the world again after generation 1, and
    ŵ_n − w*₁ is centred, so the cross term vanishes and the risk gains
    δ²(n − 1)² (derived here; checked by simulation in the tests).

    Parameters
    ----------
    dim : int
        d.
    n_samples : int
        T, samples per generation; needs T > d + 1.
    noise : float
        σ, the noise the models write with.
    n_generations : int
    accumulate : bool, default False
        The accumulate formula (fixed design) instead of replace.
    world_noise : float or None, default None
        σ_w, the noise of generation 1's real labels; ``None`` means σ_w = σ.
    drift : float, default 0.0
        δ, the distance w* moves per generation.
    """
    if n_samples <= dim + 1:
        raise ValueError(f"the expectation needs n_samples > dim + 1, got {n_samples}")
    world_noise = noise if world_noise is None else world_noise
    generation = np.arange(1, n_generations + 1)
    unit = dim / (n_samples - dim - 1)
    weights = 1.0 / generation**2 if accumulate else np.ones(n_generations)
    written = np.cumsum(weights) - 1.0  # the sum over generations 2…n
    value = unit * (world_noise**2 + noise**2 * written) + (drift * (generation - 1)) ** 2
    return pd.DataFrame({"generation": generation, "metric": "excess_risk", "value": value,
                         "theory": "exact"})


def linear_drift_theory(dim: int, n_samples: int, noise: float, drift: float,
                        n_generations: int) -> pd.DataFrame:
    """Expected excess risk of a frozen least-squares model while w* drifts linearly.

    With x ~ N(0, I_d), generation 1's fit on T items is unbiased with
    E‖ŵ − w*₁‖² = σ²d/(T − d − 1) (Dohmatob, Feng & Kempe 2024), and
    w*_g = w*₁ + δ(g − 1)·v with ‖v‖ = 1, so the cross term vanishes and

        E‖ŵ − w*_g‖² = σ²d/(T − d − 1) + δ²(g − 1)².

    The retrieval correction of a linear model (a prior of T items centred on
    ŵ, updated by k fresh items) involves E[(T·I + XₖᵀXₖ)⁻¹ …] of a shifted
    Wishart matrix, which has no closed form; it is left to simulation.

    Returns
    -------
    pandas.DataFrame
        Rows ``generation, metric, value, theory`` for ``excess_risk``.
    """
    if n_samples <= dim + 1:
        raise ValueError(f"the expectation needs n_samples > dim + 1, got {n_samples}")
    generation = np.arange(1, n_generations + 1)
    value = noise**2 * dim / (n_samples - dim - 1) + (drift * (generation - 1)) ** 2
    return pd.DataFrame({"generation": generation, "metric": "excess_risk", "value": value,
                         "theory": "exact"})


def _inverse_wishart_trace(n_rows: int, dim: int) -> float:
    """E[tr((XᵀX)⁻¹)] = d/(n − d − 1) for X of shape (n, d) with N(0, 1) entries."""
    if n_rows <= dim + 1:
        raise ValueError(f"the expectation needs more than d + 1 = {dim + 1} rows, got {n_rows}")
    return dim / (n_rows - dim - 1)


def fresh_design_theory(dim: int, generator_samples: int, generator_noise: float,
                        n_samples: int, noise: float, n_generations: int, *,
                        weight_norm2: float = 1.0) -> pd.DataFrame:
    """Test error of a downstream model trained on the n-th generator's labels (fresh designs).

    Dohmatob, Feng & Kempe 2024, "Model Collapse Demystified: The Case of
    Regression", Theorem 4.1 (λ = 0, isotropic Gaussian inputs; the paper was
    not readable here, the statement encoded is the one quoted in its
    abstract and summaries): n generators each fit T₀ fresh points labelled by
    their predecessor with noise σ₀, and the downstream model fits T points
    labelled by the n-th with noise σ, so

        E_test = σ²d/(T − d − 1) + n·σ₀²d/(T₀ − d − 1)          (T₀ > d + 1).

    Every refit adds an independent centred error of size σ₀²·E tr((XᵀX)⁻¹).
    Over-parameterised generators (T₀ < d − 1) fit the minimum-norm
    interpolator ŵ_n = P_n ŵ_{n−1} + X_n⁺ε_n, P_n the projection on a uniformly
    random T₀-dimensional row space, so E[P_n] = r·I with r = T₀/d and
    E‖X⁺ε‖² = σ₀²T₀/(d − T₀ − 1). With ‖w*‖² = B this gives (derived here,
    checked by simulation)

        E‖ŵ_n − w*‖² = (1 − rⁿ)·(B + s/(1 − r)),   s = σ₀²T₀/(d − T₀ − 1),

    which grows with n even at σ₀ = 0: each generator forgets the part of its
    predecessor outside its data. The downstream model adds σ²d/(T − d − 1).

    Parameters
    ----------
    dim : int
        d.
    generator_samples : int
        T₀, each generator's sample size (the chain's ``samples``).
    generator_noise : float
        σ₀, the noise of the generators' labels (world and model noise alike).
    n_samples : int
        T, the downstream model's sample size; needs T > d + 1.
    noise : float
        σ, the noise on the downstream model's labels.
    n_generations : int
        Generators n = 1…G; generation n's downstream model learns from the n-th.
    weight_norm2 : float, default 1.0
        B = ‖w*‖² (1 for :class:`~modelcollapse.families.linear.world.LinearWorld`).

    Returns
    -------
    pandas.DataFrame
        Rows ``generation, metric, value, theory`` for ``downstream_excess_risk``.
    """
    generation = np.arange(1, n_generations + 1)
    downstream = noise**2 * _inverse_wishart_trace(n_samples, dim)
    if generator_samples > dim + 1:
        generators = generation * generator_noise**2 * _inverse_wishart_trace(
            generator_samples, dim)
    elif generator_samples < dim - 1:
        r = generator_samples / dim
        s = generator_noise**2 * generator_samples / (dim - generator_samples - 1)
        generators = (1 - r**generation) * (weight_norm2 + s / (1 - r))
    else:
        raise ValueError(f"no finite expectation for T₀ = {generator_samples} within one of "
                         f"d = {dim}: take T₀ > d + 1 or T₀ < d - 1")
    return pd.DataFrame({"generation": generation, "metric": "downstream_excess_risk",
                         "value": downstream + generators, "theory": "exact"})


def strong_collapse_theory(dim: int, n_samples: int, synthetic_share: float,
                           generator_error: float, noise: float, *,
                           synthetic_noise: float | None = None,
                           order: str = "mixed") -> float:
    """Excess risk of least squares on a mix with a fixed share p of synthetic data.

    Strong model collapse (Dohmatob, Feng, Subramonian & Kempe, ICLR 2025,
    arXiv 2410.04840; stated from the abstract, the derivation here is ours):
    n = n_r + n_s items, n_s = p·n labelled by a generator ŵₛ = w* + Δ
    (E‖Δ‖² = e, isotropic, independent of the mix) and n_r by the truth. With
    A the Gram matrix of all n inputs and A_s that of the synthetic ones,
    ŵ − w* = A⁻¹A_sΔ + A⁻¹Xᵀε. The noise term is exactly
    ((1 − p)σ² + pσₛ²)·d/(n − d − 1) (items are exchangeable); writing
    A⁻¹A_s = p·I + A⁻¹((1 − p)A_s − pA_r) and expanding to first order in 1/n,

        E‖ŵ − w*‖² ≈ e·(p² + p(1 − p)(d + 1)/n) + ((1 − p)σ² + pσₛ²)·d/(n − d − 1),

    with an error of order e·(d/n)². As n grows the error stops at the floor
    p²·e: more data does not help at any fixed p > 0, and the (d + 1)/n term
    makes wider models worse at a given n, up to the interpolation threshold
    n ≈ d. Training on the synthetic items first and then on the real ones to
    convergence (``order="synthetic-first"``, n_r > d + 1) leaves the real
    least-squares fit, σ²d/(n_r − d − 1): no floor.

    Parameters
    ----------
    dim : int
        d.
    n_samples : int
        n, the mix's size.
    synthetic_share : float
        p in [0, 1].
    generator_error : float
        e = E‖ŵₛ − w*‖² (σ²d/(T₀ − d − 1) for a generator fitted on T₀ real items).
    noise : float
        σ, the real labels' noise.
    synthetic_noise : float or None
        σₛ, the synthetic labels' noise; ``None`` means σ.
    order : {"mixed", "synthetic-first"}

    Returns
    -------
    float
    """
    if not 0 <= synthetic_share <= 1:
        raise ValueError(f"synthetic_share must lie in [0, 1], got {synthetic_share}")
    p = round(synthetic_share * n_samples) / n_samples  # the share the mix really has
    synthetic_noise = noise if synthetic_noise is None else synthetic_noise
    if order == "synthetic-first":
        n_real = n_samples - round(synthetic_share * n_samples)
        return noise**2 * _inverse_wishart_trace(n_real, dim)
    if order != "mixed":
        raise ValueError(f"order must be 'mixed' or 'synthetic-first', got {order!r}")
    label_noise = ((1 - p) * noise**2 + p * synthetic_noise**2) * _inverse_wishart_trace(
        n_samples, dim)
    return generator_error * (p**2 + p * (1 - p) * (dim + 1) / n_samples) + label_noise


def chain_excess_risk_theory(chain, generations: int) -> pd.DataFrame | str | None:
    """The excess-risk closed form for a least-squares chain: replace, accumulate or frozen."""
    world, model, policy = chain.world, chain.model, chain.policy
    if not (type(world) is LinearWorld and type(model) is LinearRegression):
        return None
    if model.ridge or chain.filters or chain.n_samples <= world.dim + 1:
        return ("no theory line: the linear closed forms are for least squares without "
                "filters on more than d + 1 samples")
    if isinstance(policy, Frozen):
        return linear_drift_theory(world.dim, chain.n_samples, world.noise, world.drift,
                                   generations)
    accumulate = isinstance(policy, Accumulate)
    if not (isinstance(policy, Replace) or (accumulate and world.fixed_design)):
        return (f"no theory line: no closed form for the {policy.label} policy "
                f"with a {world.design} design")
    return linear_regression_theory(world.dim, chain.n_samples, chain.model_noise, generations,
                                    accumulate=accumulate, world_noise=world.noise,
                                    drift=world.drift)


def chain_downstream_theory(chain, generations: int) -> pd.DataFrame | str | None:
    """Theorem 4.1's downstream excess risk for a linear chain measured by a downstream model."""
    world, model = chain.world, chain.model
    downstream = next((m for m in chain.metrics if isinstance(m, DownstreamRisk)), None)
    if not (type(world) is LinearWorld and type(model) is LinearRegression
            and downstream is not None):
        return None
    if not (isinstance(chain.policy, Replace) and not chain.filters and not drifts(world)
            and not model.ridge and not downstream.ridge and downstream.synthetic_share == 1
            and chain.model_noise == world.noise
            and downstream.n_samples > world.dim + 1
            and (chain.n_samples > world.dim + 1
                 or (model.min_norm and chain.n_samples < world.dim - 1))):
        return ("no theory line: Theorem 4.1's closed form is for replace without drift, "
                "filters or ridge, generators writing with the world's noise, and a "
                "downstream model on generated labels only")
    noise = world.noise if downstream.noise is None else downstream.noise
    return fresh_design_theory(world.dim, chain.n_samples, world.noise, downstream.n_samples,
                               noise, generations,
                               weight_norm2=float(np.sum(world.weights**2)))
