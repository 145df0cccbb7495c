"""Closed-form and semi-analytic predictions, as tidy rows beside the simulations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import digamma, gammainc, gammaln, hyp1f1, loggamma

from modelcollapse.models.regression import to_unit_interval, unit_vandermonde

__all__ = [
    "PolynomialChainTheory",
    "categorical_theory",
    "drift_mean_error_theory",
    "exponential_family_theory",
    "fresh_design_theory",
    "gaussian_variance_median",
    "gaussian_variance_theory",
    "linear_drift_theory",
    "linear_regression_theory",
    "mix_weight_theory",
    "optimal_real_weight",
    "polynomial_chain_theory",
    "selection_bias_theory",
    "self_correction_theory",
    "strong_collapse_theory",
    "verifier_breakdown",
    "verifier_theory",
]


@dataclass(frozen=True)
class PolynomialChainTheory:
    """Expected error of a polynomial chain under the replace policy.

    Attributes
    ----------
    first_error : float
        E[MSE₁], the expected error of generation 1 against the truth.
    slope : float
        σ²·E[tr(G (XᵀX)⁻¹)], the expected growth of the error per generation.
    first_error_se, slope_se : float
        Monte Carlo standard errors of the two expectations.
    gaussian_slope : float
        σ²p/(N−p−1), the Gaussian-design approximation of the slope.
    """

    first_error: float
    slope: float
    first_error_se: float
    slope_se: float
    gaussian_slope: float

    def expected_error(self, generation: np.ndarray | int) -> np.ndarray:
        """E[MSE_g] = E[MSE₁] + (g − 1)·slope."""
        return self.first_error + (np.asarray(generation) - 1) * self.slope

    def frame(self, n_generations: int) -> pd.DataFrame:
        """Tidy rows ``generation, metric, value, theory`` for generations 1…G."""
        generation = np.arange(1, n_generations + 1)
        exact = pd.DataFrame({"generation": generation, "metric": "mse_to_truth",
                              "value": self.expected_error(generation), "theory": "exact"})
        approx = exact.assign(value=self.first_error + (generation - 1) * self.gaussian_slope,
                              theory="gaussian-design approximation")
        return pd.concat([exact, approx], ignore_index=True)


def polynomial_chain_theory(world, degree: int, n_samples: int, noise: float, *,
                            model_noise: float | None = None, n_designs: int = 200_000,
                            seed: int = 0, block: int = 20_000) -> PolynomialChainTheory:
    """Predict the mean error of a least-squares polynomial chain under replace.

    Once generation 1 has fitted a polynomial of the model's own degree, each
    refit adds φ(x)ᵀ(XᵀX)⁻¹Xᵀε to the curve, a martingale increment, so

        E[MSE_g] = E[MSE₁] + (g − 1)·σ²·E[tr(G (XᵀX)⁻¹)],

    with G the grid average of φ(x)φ(x)ᵀ and the expectation over designs of
    ``n_samples`` uniform inputs (docs/foundations.md §1; the linear growth is the
    fixed-degree case of Dohmatob, Feng & Kempe 2024, "Model Collapse
    Demystified", eq. for the fresh-design test error). Generation 1 is fitted
    on real labels, whose noise is the world's σ; every later refit adds the
    noise σₘ the model writes with, so E[MSE₁] carries σ² and the slope σₘ².
    Both expectations are computed here by Monte Carlo over ``n_designs``
    designs; their standard errors are returned so tests can account for them.

    Parameters
    ----------
    world : RegressionWorld
        Uniform inputs on its domain; its grid and true function define the error.
    degree : int
        Polynomial degree (p = degree + 1 coefficients).
    n_samples : int
        Inputs per generation, N.
    noise : float
        Standard deviation σ of the world's label noise (generation 1's data).
    model_noise : float or None, default None
        Standard deviation σₘ of the noise each model adds to the labels it
        writes; ``None`` means σₘ = σ.
    n_designs : int, default 200_000
        Monte Carlo designs.
    seed : int, default 0
        Seed of the Monte Carlo stream (independent of any simulation).
    block : int, default 20_000
        Designs processed at once, to bound memory.
    """
    p = degree + 1
    if n_samples <= p:
        raise ValueError(f"the expectation needs n_samples > degree + 1, got {n_samples}")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    grid_design = unit_vandermonde(to_unit_interval(world.grid, world.domain), degree)
    truth = world.true_function(world.grid)
    grid_gram = grid_design.T @ grid_design / len(truth)
    projection, *_ = np.linalg.lstsq(grid_design, truth, rcond=None)
    residual = float(np.mean((grid_design @ projection - truth) ** 2))

    traces, biases = [], []
    low, high = world.domain
    for start in range(0, n_designs, block):
        size = min(block, n_designs - start)
        x = low + (high - low) * rng.random((n_samples, size))
        # numpy's own solver, not the batched kernel's Cholesky: the theory checks the kernel.
        design = unit_vandermonde(to_unit_interval(x.T, world.domain), degree)  # (size, N, p)
        gram = np.einsum("rni,rnj->rij", design, design)
        moments = np.einsum("rni,rn->ri", design, world.true_function(x.T))
        trace = np.trace(np.linalg.solve(gram, np.broadcast_to(grid_gram, gram.shape)),
                         axis1=1, axis2=2)  # tr(A⁻¹ G) = tr(G A⁻¹)
        fit = np.linalg.solve(gram, moments[..., np.newaxis])[..., 0].T  # (p, size)
        delta = fit - projection[:, np.newaxis]
        traces.append(trace)
        biases.append(np.einsum("ir,ij,jr->r", delta, grid_gram, delta) + residual)
    trace = np.concatenate(traces)
    bias = np.concatenate(biases)
    sigma2 = noise**2
    written2 = sigma2 if model_noise is None else model_noise**2
    first = bias + sigma2 * trace
    root_n = np.sqrt(n_designs)
    return PolynomialChainTheory(
        first_error=float(first.mean()),
        slope=float(written2 * trace.mean()),
        first_error_se=float(first.std(ddof=1) / root_n),
        slope_se=float(written2 * trace.std(ddof=1) / root_n),
        gaussian_slope=written2 * p / (n_samples - p - 1),
    )


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


def categorical_theory(probabilities: np.ndarray, n_samples: int,
                       n_generations: int) -> pd.DataFrame:
    """Expected diversity of a categorical law refitted by counting (replace, no decoding bias).

    Refitting by counting M draws is Wright–Fisher resampling. Each
    probability is a martingale, so the expected model mass of any fixed set
    of categories (the rare set included) stays at its true value while most
    replicates lose it; and E[p_v²] grows by p_v(1 − p_v)/M a generation, so the
    Gini–Simpson index decays exactly as

        E[1 − Σ p²]_g = (1 − Σ q²)·(1 − 1/M)^g.

    After the first generation a category of probability q is missing with
    probability (1 − q)^M (docs/foundations.md §2, "Discrete laws and their
    tails"), so E[support₁] = Σ_v (1 − (1 − q_v)^M); once lost, a category
    never returns.

    Parameters
    ----------
    probabilities : ndarray of shape (V,)
        The true law q.
    n_samples : int
        M, draws per generation.
    n_generations : int

    Returns
    -------
    pandas.DataFrame
        Rows ``generation, metric, value, theory`` for ``gini_simpson`` and
        ``rare_mass`` (every generation) and ``support_size`` (generation 1).
    """
    from modelcollapse.metrics.discrete import rare_set

    q = np.asarray(probabilities, dtype=float)
    generation = np.arange(1, n_generations + 1)
    gini = (1 - np.sum(q**2)) * (1 - 1 / n_samples) ** generation
    rare = np.full(n_generations, q[rare_set(q)].sum())
    support = np.sum(1 - (1 - q) ** n_samples)
    return pd.concat([
        pd.DataFrame({"generation": generation, "metric": "gini_simpson", "value": gini}),
        pd.DataFrame({"generation": generation, "metric": "rare_mass", "value": rare}),
        pd.DataFrame({"generation": [1], "metric": ["support_size"], "value": [support]}),
    ], ignore_index=True).assign(theory="exact")


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


def verifier_theory(wrong_share: float, keep_correct: float, keep_wrong: float
                    ) -> tuple[float, float]:
    """What a verifier keeps, by Bayes' rule (Feng et al. 2024, docs/foundations.md §5).

    A verifier keeps correct candidates with rate φ and wrong ones with rate ψ.
    If a share e of the candidates is wrong, it keeps a share eψ + (1 − e)φ of
    them, and a kept item is wrong with probability eψ / (eψ + (1 − e)φ): with
    ψ = φ the verifier is no better than keeping a random subset.

    Returns
    -------
    kept : float
        Expected share of candidates kept.
    wrong_kept : float
        Probability that a kept candidate is wrong.
    """
    kept = wrong_share * keep_wrong + (1 - wrong_share) * keep_correct
    return kept, (wrong_share * keep_wrong / kept if kept else float("nan"))


def verifier_breakdown(wrong_share: float, keep_correct: float) -> float:
    """The largest ψ a verifier may have before training on what it keeps breaks down.

    Feng et al. (ICLR 2025) train a linear classifier on a Gaussian mixture
    labelled by a generator that is wrong on a share e of the items, after a
    verifier kept correct items with rate φ and wrong ones with rate ψ. In the
    limit of many samples the outcome has a sharp transition at p* = 1/2,
    where p* = eψ / (eψ + (1 − e)φ) is the wrong share of what is kept
    (:func:`verifier_theory`): below it the classifier reaches the Bayes-optimal
    accuracy, above it the worst (the decision flips). Solving p* = 1/2 for ψ
    gives the breakdown point ψ* = φ(1 − e)/e; a value above 1 means no
    verifier with that φ breaks down at this error share.

    Parameters
    ----------
    wrong_share : float
        e, the generator's share of wrong items, in (0, 1].
    keep_correct : float
        φ, in [0, 1].

    Returns
    -------
    float
        ψ*.
    """
    if not 0 < wrong_share <= 1:
        raise ValueError(f"wrong_share must be in (0, 1], got {wrong_share}")
    if not 0 <= keep_correct <= 1:
        raise ValueError(f"keep_correct must be in [0, 1], got {keep_correct}")
    return keep_correct * (1 - wrong_share) / wrong_share


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
      the frozen fit worth N items, :mod:`modelcollapse.retrieval`):
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
        B = ‖w*‖² (1 for :class:`~modelcollapse.worlds.linear.LinearWorld`).

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


def exponential_family_theory(family: str, theta: float, n_samples: int, n_generations: int,
                              *, accumulate: bool = False) -> pd.DataFrame:
    """Risk E(θ̂_g − θ)² of a one-parameter exponential family refitted on its own samples.

    Dey & Donoho 2024, "Universality of the π²/6 Pathway in Avoiding Model
    Collapse" (arXiv 2410.22812; read here only in its abstract: keeping real
    data and adding synthetic data keeps the risk within π²/6 of the real-data
    risk across families, discarding it diverges). Derived here: θ̂ is the mean
    of a statistic whose variance given θ is c₀ + c₁θ + c₂θ²
    (:data:`~modelcollapse.worlds.exponential.FAMILIES`), and E[θ̂_g] = θ for
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
    from modelcollapse.worlds.exponential import FAMILIES

    c0, c1, c2 = FAMILIES[family]
    risk, values = 0.0, []
    for g in range(1, n_generations + 1):
        k = g if accumulate else 1
        risk += (c0 + c1 * theta + c2 * (theta**2 + risk)) / (n_samples * k**2)
        values.append(risk)
    return pd.DataFrame({"generation": np.arange(1, n_generations + 1),
                         "metric": "parameter_risk", "value": values, "theory": "exact"})


def selection_bias_theory(world, strength: float, preferred: float,
                          n_generations: int) -> pd.DataFrame:
    """Minority mass and dispersion of a mixture refitted on what a biased scorer keeps.

    Selection bias as a cause of collapse (docs/science.md §7: filtering with a
    biased scorer erodes the minority modes of a mixture). Derived here, in the
    limit of many samples a generation, for a 1-D Gaussian mixture refitted by
    maximum likelihood under replace with as many components as the world has
    modes, with the filter of :class:`modelcollapse.filters.SelectionBias`
    (keep x with probability exp(−β(x − c)²/2)) acting from generation 2 on.
    Multiplying the mode w·N(m, s²) by that Gaussian gives w'·N(m', s'²) with

        s'² = s²/(1 + βs²),   m' = (m + βs²c)/(1 + βs²),
        w' ∝ w·(s'/s)·exp(−β(m − c)²/(2(1 + βs²))),

    so each refit moves every mode towards c, narrows it, and moves weight from
    far modes to near ones. The figures are those of
    :func:`modelcollapse.metrics.mixture.mixture_figures`: the mass in the
    world's minority region and the standard deviation over the world's.
    Finite samples add noise of order 1/√(kept items) around these lines.

    Parameters
    ----------
    world : MixtureWorld
    strength : float
        β.
    preferred : float
        c.
    n_generations : int

    Returns
    -------
    pandas.DataFrame
        Rows ``generation, metric, value, theory`` for ``minority_weight`` and
        ``dispersion_ratio``.
    """
    from modelcollapse.metrics.mixture import mixture_figures

    w, m, s2 = (np.asarray(a, float) for a in (world.weights, world.means, world.sd))
    s2 = s2**2
    rows = []
    for g in range(1, n_generations + 1):
        if g > 1:
            shrink = 1 + strength * s2
            mass = w * np.sqrt(1 / shrink) * np.exp(-strength * (m - preferred) ** 2
                                                    / (2 * shrink))
            w, m, s2 = mass / mass.sum(), (m + strength * s2 * preferred) / shrink, s2 / shrink
        rows += [(g, name, value) for name, value in mixture_figures(w, m, s2, world).items()]
    return pd.DataFrame(rows, columns=["generation", "metric", "value"]).assign(theory="exact")


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


def _mix_step(family: str, theta: float, n_real: int, n_synthetic: int, real_weight: float,
              risk: float) -> float:
    """One generation of the weighted-mix risk recursion (see :func:`mix_weight_theory`)."""
    from modelcollapse.worlds.exponential import FAMILIES

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
    (:class:`~modelcollapse.models.exponential.ExponentialFamilyModel` with
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
    from modelcollapse.worlds.exponential import FAMILIES

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

    from modelcollapse.worlds.exponential import FAMILIES

    c0, c1, c2 = FAMILIES[family]
    item = c0 + c1 * theta + c2 * theta**2

    def fixed_point(w: float) -> float:
        keep = (1 - w) ** 2
        return (w**2 * item / n_real + keep * item / n_synthetic) / (
            1 - keep * (1 + c2 / n_synthetic))

    return float(minimize_scalar(fixed_point, bounds=(1e-6, 1.0), method="bounded",
                                 options={"xatol": 1e-10}).x)
