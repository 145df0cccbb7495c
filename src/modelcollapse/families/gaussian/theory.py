"""Closed forms of a Gaussian refitted on its own samples, with drift or self-correction."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import digamma, gammainc, gammaln, hyp1f1, loggamma

from modelcollapse.core.drift import drifts
from modelcollapse.families.gaussian.model import GaussianModel
from modelcollapse.families.gaussian.world import GaussianWorld
from modelcollapse.filters.curation import SelfCorrection
from modelcollapse.policies.training_sets import Replace

__all__ = [
    "chain_replace_theory",
    "chain_self_correction_theory",
    "drift_mean_error_theory",
    "gaussian_variance_median",
    "gaussian_variance_theory",
    "self_correction_theory",
]



def gaussian_variance_theory(n_samples: int, variance: float, n_generations: int, *,
                             estimator: str = "mle", dim: int = 1,
                             radius: float | None = None) -> pd.DataFrame:
    """Expected variance (and log-variance) of a Gaussian refitted on its own samples.

    Shumailov et al., Nature 2024, Theorem 3.1 (also Bertrand et al. 2024): with M
    samples a generation, E[Σ̂ | Σ] = (M − 1)/(M − ddof)·Σ, so the MLE variance falls
    geometrically, E[σ²_g] = ((M − 1)/M)^g σ₀², while the unbiased one keeps
    E[σ²_g] = σ₀². Sampling only within Mahalanobis radius r multiplies the
    covariance of what the model writes by c = F_{d+2}(r²)/F_d(r²) (F_k the χ²_k
    distribution function), so then E[σ²_g] = (c(M − 1)/(M − ddof))^g σ₀².

    In one dimension without truncation, (M − ddof)σ̂²/σ² ~ χ²_{M−1} gives the
    exact log-variance line: E[log σ²_g] = log σ₀² + g·(ψ((M − 1)/2) + log(2/(M − ddof))),
    which falls linearly for both estimators: the median collapses even where the
    mean does not.

    Parameters
    ----------
    n_samples : int
        M, items per generation (replace policy).
    variance : float
        σ₀², the true variance per dimension (isotropic truth).
    n_generations : int
    estimator : {"mle", "unbiased"}
    dim : int, default 1
    radius : float or None
        Mahalanobis radius sampling is restricted to (see ``GaussianModel.radius``).

    Returns
    -------
    pandas.DataFrame
        Rows ``generation, metric, value, theory`` for ``variance`` and, where
        exact, ``log_variance``.
    """
    ddof = {"mle": 0, "unbiased": 1}[estimator]
    if n_samples <= 1 + ddof:
        raise ValueError(f"the theory needs more than {1 + ddof} samples per generation")
    # F_k(t) = P(k/2, t/2), the χ²_k distribution function
    shrink = 1.0 if radius is None else (gammainc(dim / 2 + 1, radius**2 / 2)
                                         / gammainc(dim / 2, radius**2 / 2))
    generation = np.arange(1, n_generations + 1)
    # Generation 1 fits real (untruncated) data; truncation acts from generation 2 on.
    factor = (n_samples - 1) / (n_samples - ddof)
    expected = variance * factor**generation * shrink ** np.maximum(generation - 1, 0)
    frames = [pd.DataFrame({"generation": generation, "metric": "variance", "value": expected,
                            "theory": "exact"})]
    if dim == 1 and radius is None:
        step = digamma((n_samples - 1) / 2) + np.log(2 / (n_samples - ddof))
        frames.append(pd.DataFrame({"generation": generation, "metric": "log_variance",
                                    "value": np.log(variance) + generation * step,
                                    "theory": "exact"}))
    return pd.concat(frames, ignore_index=True)


def gaussian_variance_median(n_samples: int, variance: float, generation: int, *,
                             estimator: str = "mle") -> float:
    """Median of the variance of a 1-D Gaussian refitted on its own samples ``generation`` times.

    Shumailov et al., Nature 2024, Theorem 3.1: with M samples a generation,
    σ²_g = σ₀²·Π_{i ≤ g} χ²_{M−1, i}/(M − ddof) with independent χ² factors, so
    log σ²_g is a sum of g independent log-χ² terms whose characteristic
    function is φ(t)^g, φ(t) = (2/(M − ddof))^{it}·Γ((M−1)/2 + it)/Γ((M−1)/2).
    The distribution function of the sum follows by Gil-Pelaez inversion,
    F(x) = 1/2 − (1/π)∫₀^∞ Im[e^{−itx}φ(t)^g]/t dt, and the median solves F = 1/2
    (derived here from the theorem's χ² law). The mean of σ²_g is heavy-tailed
    (it stays σ₀² for the unbiased estimator) while the median falls
    geometrically: this is the number to compare a typical replicate with.

    Parameters
    ----------
    n_samples : int
        M, items per generation (replace policy, no truncation).
    variance : float
        σ₀².
    generation : int
        g ≥ 1.
    estimator : {"mle", "unbiased"}

    Returns
    -------
    float
        The median of σ²_g.
    """
    ddof = {"mle": 0, "unbiased": 1}[estimator]
    half = (n_samples - 1) / 2
    scale = np.log(2 / (n_samples - ddof))

    def log_phi(t: float) -> complex:
        return generation * (1j * t * scale + loggamma(half + 1j * t) - loggamma(half))

    def cdf(x: float) -> float:
        integral, _ = quad(lambda t: np.imag(np.exp(log_phi(t) - 1j * t * x)) / t, 0, np.inf,
                           limit=400)
        return 0.5 - integral / np.pi

    centre = generation * (digamma(half) + scale)  # E[log σ²_g / σ₀²]
    spread = 4 * np.sqrt(generation * 2 / (n_samples - 1)) + 1.0
    log_median = brentq(lambda x: cdf(x) - 0.5, centre - spread, centre + spread, xtol=1e-10)
    return float(variance * np.exp(log_median))


def _expected_norm(offset: np.ndarray, scale: np.ndarray, dim: int) -> np.ndarray:
    """E‖Δ‖ for Δ ~ N(b, s²I_d) with ‖b‖ = ``offset``, s = ``scale`` (the noncentral chi mean).

    E‖Δ‖ = s·√2·Γ((d+1)/2)/Γ(d/2)·₁F₁(−1/2; d/2; −λ/2), λ = ‖b‖²/s².
    """
    lam = (offset / scale) ** 2
    log_ratio = gammaln((dim + 1) / 2) - gammaln(dim / 2)
    return scale * np.sqrt(2) * np.exp(log_ratio) * hyp1f1(-0.5, dim / 2, -lam / 2)


def drift_mean_error_theory(n_samples: int, variance: float, drift: float, n_generations: int,
                            *, dim: int = 1, policy: str = "frozen",
                            k: int | None = None, budget: int | None = None) -> pd.DataFrame:
    """Expected error of the fitted mean when a Gaussian world's mean drifts linearly.

    The world's mean moves ``drift`` a generation, so generation g's truth is
    μ_g = μ₁ + δ(g − 1)·u with ‖u‖ = 1. A model's mean μ̂ is Gaussian around
    a lagging centre, μ̂ − μ_g ~ N(−b_g·u, s²I), and its error is the mean of
    a noncentral chi variable (:func:`_expected_norm`); squared,
    E‖μ̂ − μ_g‖² = d·s² + b_g². With N = ``n_samples`` items in generation 1
    and covariance σ²I:

    - ``frozen`` (generation 1's fit for ever): s² = σ²/N, b_g = δ(g − 1),
      the staleness grows linearly in g;
    - ``retrieval`` (the frozen mean pooled with the mean of k fresh items,
      the frozen fit worth N items, :mod:`modelcollapse.policies.retrieval`):
      s² = σ²/(N + k), b_g = δ(g − 1)·N/(N + k): k items remove a share
      k/(N + k) of the lag and of the variance;
    - ``fresh-only`` (refitted on ``budget`` = B current items): s² = σ²/B,
      b_g = 0 from generation 2 on.

    These hold for either covariance estimator (the mean is the sample mean)
    and are exact; they extend the Gaussian-mean case of staleness with no
    model collapse, since no generation learns from a model's output. The
    web-scrape policy's error mixes lags of every earlier generation's model
    with their own collapse; no closed form is offered for it.

    Parameters
    ----------
    n_samples : int
        N, the training-set size of generation 1.
    variance : float
        σ², the true variance per coordinate (isotropic truth).
    drift : float
        δ, distance the mean moves per generation.
    n_generations : int
    dim : int, default 1
    policy : {"frozen", "retrieval", "fresh-only"}
    k : int or None
        Retrieved items (``retrieval``).
    budget : int or None
        Fresh items per generation (``fresh-only``).

    Returns
    -------
    pandas.DataFrame
        Rows ``generation, metric, value, theory`` for ``mean_error`` and
        ``mean_error_squared``.
    """
    if policy not in ("frozen", "retrieval", "fresh-only"):
        raise ValueError(f"policy must be 'frozen', 'retrieval' or 'fresh-only', got {policy!r}")
    if (policy == "retrieval") != (k is not None) or (policy == "fresh-only") != (
            budget is not None):
        raise ValueError("give k with policy='retrieval' and budget with policy='fresh-only', "
                         "and neither otherwise")
    generation = np.arange(1, n_generations + 1)
    lag = drift * (generation - 1.0)
    s2 = np.full(n_generations, variance / n_samples)
    if policy == "retrieval":
        keep = n_samples / (n_samples + k)
        s2[1:], lag = variance / (n_samples + k), lag * np.where(generation > 1, keep, 1.0)
    elif policy == "fresh-only":
        s2[1:], lag = variance / budget, np.zeros(n_generations)
    frames = [
        pd.DataFrame({"generation": generation, "metric": "mean_error",
                      "value": _expected_norm(lag, np.sqrt(s2), dim)}),
        pd.DataFrame({"generation": generation, "metric": "mean_error_squared",
                      "value": dim * s2 + lag**2}),
    ]
    return pd.concat(frames, ignore_index=True).assign(theory="exact")


def self_correction_theory(n_samples: int, variance: float, strength: float,
                           n_generations: int) -> pd.DataFrame:
    """Expected variance and mean error of a 1-D Gaussian chain with a self-correction step.

    Gillman et al., ICML 2024, "Self-Correcting Self-Consuming Loops for
    Generative Model Training" (arXiv 2402.07087; its abstract: a correction
    function that moves synthetic data toward what an expert supports keeps
    iterative retraining stable). With the moment-matching correction of
    :class:`modelcollapse.filters.SelfCorrection` at strength γ, a Gaussian
    refitted by maximum likelihood on M corrected samples a generation
    (replace) has, with x̄ ~ N(μ̂_g, σ̂_g²/M) and s = σ̂_g·√(χ²_{M−1}/M),

        μ̂_{g+1} = (1 − γ)x̄ + γμ*,    σ̂_{g+1} = (1 − γ)s + γσ*.

    Derived here: with c₁ = E√(χ²_{M−1}/M) = √(2/M)·Γ(M/2)/Γ((M−1)/2) and
    c₂ = (M − 1)/M, the moments m₁ = E σ̂, m₂ = E σ̂² and v = E(μ̂ − μ*)² obey
    exactly

        m₁' = (1 − γ)c₁m₁ + γσ*,
        m₂' = (1 − γ)²c₂m₂ + 2γ(1 − γ)σ*c₁m₁ + γ²σ*²,
        v'  = (1 − γ)²(v + m₂/M),

    from m₁ = c₁σ*, m₂ = c₂σ*², v = σ*²/M at generation 1 (real data). For
    γ = 0 this is Shumailov et al.'s geometric decay c₂^g; for any γ > 0 all
    three settle at finite fixed points: the loop is stable even though every
    training item is synthetic.

    Parameters
    ----------
    n_samples : int
        M.
    variance : float
        σ*².
    strength : float
        γ in [0, 1].
    n_generations : int

    Returns
    -------
    pandas.DataFrame
        Rows ``generation, metric, value, theory`` for ``variance`` and
        ``mean_error_squared``.
    """
    if not 0 <= strength <= 1:
        raise ValueError(f"correction strength must lie in [0, 1], got {strength}")
    sd, gamma, M = np.sqrt(variance), strength, n_samples
    c1 = float(np.exp(0.5 * np.log(2 / M) + gammaln(M / 2) - gammaln((M - 1) / 2)))
    c2 = (M - 1) / M
    m1, m2, v = c1 * sd, c2 * variance, variance / M
    rows = []
    for g in range(1, n_generations + 1):
        if g > 1:
            m1, m2, v = ((1 - gamma) * c1 * m1 + gamma * sd,
                         (1 - gamma) ** 2 * c2 * m2 + 2 * gamma * (1 - gamma) * sd * c1 * m1
                         + gamma**2 * variance,
                         (1 - gamma) ** 2 * (v + m2 / M))
        rows += [(g, "variance", m2), (g, "mean_error_squared", v)]
    return pd.DataFrame(rows, columns=["generation", "metric", "value"]).assign(theory="exact")


def chain_replace_theory(chain, generations: int) -> pd.DataFrame | str | None:
    """The variance closed form for a Gaussian chain under replace, where it holds."""
    world, model = chain.world, chain.model
    if not (type(world) is GaussianWorld and type(model) is GaussianModel
            and isinstance(chain.policy, Replace) and not chain.filters
            and chain.n_samples > 1 + model.ddof):
        return None
    # A drifting world moves only its mean, which the fitted variance never sees under replace.
    variance = world.cov[0, 0]
    if not np.allclose(world.cov, variance * np.eye(world.dim)):
        return "no theory line: the Gaussian closed form is for an isotropic truth"
    return gaussian_variance_theory(chain.n_samples, variance, generations,
                                    estimator=model.estimator, dim=world.dim,
                                    radius=model.radius(world.dim))


def chain_self_correction_theory(chain, generations: int) -> pd.DataFrame | str | None:
    """The self-correction closed form for a 1-D Gaussian chain with that filter."""
    world, model = chain.world, chain.model
    if not (type(world) is GaussianWorld and type(model) is GaussianModel
            and any(isinstance(f, SelfCorrection) for f in chain.filters)):
        return None
    if not (len(chain.filters) == 1 and isinstance(chain.policy, Replace) and world.dim == 1
            and model.estimator == "mle" and model.radius(1) is None
            and not drifts(world)):
        return ("no theory line: the self-correction closed form is for a 1-D Gaussian "
                "refitted by maximum likelihood under replace, with that filter alone")
    return self_correction_theory(chain.n_samples, float(world.cov[0, 0]),
                                  chain.filters[0].strength, generations)
