"""The polynomial chain's closed form: how far a refitted curve wanders from the truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from modelcollapse.core.drift import drifts
from modelcollapse.families.regression.model import (
    PolynomialRegression,
    to_unit_interval,
    unit_vandermonde,
)
from modelcollapse.families.regression.world import RegressionWorld
from modelcollapse.policies.training_sets import Replace

__all__ = ["PolynomialChainTheory", "chain_replace_theory", "polynomial_chain_theory"]


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
        design = _powers(to_unit_interval(x.T, world.domain), degree)  # (size, N, p)
        gram = np.matmul(design.transpose(0, 2, 1), design)
        moments = np.matmul(world.true_function(x.T)[:, np.newaxis], design)[:, 0]
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


def chain_replace_theory(chain, generations: int) -> pd.DataFrame | str | None:
    """The polynomial chain's closed form for a chain under replace, where it holds."""
    if not (type(chain.world) is RegressionWorld and type(chain.model) is PolynomialRegression
            and isinstance(chain.policy, Replace) and not chain.filters
            and chain.n_samples > chain.model.degree + 2):
        return None
    if drifts(chain.world):
        return ("no theory line: the polynomial chain's closed form assumes a world that "
                "does not drift")
    prediction = polynomial_chain_theory(chain.world, chain.model.degree, chain.n_samples,
                                         chain.world.noise, model_noise=chain.model_noise,
                                         n_designs=100_000)
    return prediction.frame(generations)


def _powers(u: np.ndarray, degree: int) -> np.ndarray:
    """Monomials 1, u, …, u^degree of ``u`` on a new last axis, by repeated products.

    Ten times faster here than :func:`unit_vandermonde`'s ``u ** k`` on the
    Monte Carlo designs, and equal to it within a unit in the last place.
    """
    powers = np.empty((*u.shape, degree + 1))
    powers[..., 0] = 1.0
    if degree:
        powers[..., 1] = u
    for k in range(2, degree + 1):
        np.multiply(powers[..., k - 1], u, out=powers[..., k])
    return powers
