"""Closed-form and semi-analytic predictions, as tidy rows beside the simulations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from modelcollapse.kernels.polynomial import cholesky_solve, sufficient_statistics
from modelcollapse.models.regression import to_unit_interval, unit_vandermonde

__all__ = ["PolynomialChainTheory", "polynomial_chain_theory"]


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
                            n_designs: int = 200_000, seed: int = 0,
                            block: int = 20_000) -> PolynomialChainTheory:
    """Predict the mean error of a least-squares polynomial chain under replace.

    Once generation 1 has fitted a polynomial of the model's own degree, each
    refit adds φ(x)ᵀ(XᵀX)⁻¹Xᵀε to the curve, a martingale increment, so

        E[MSE_g] = E[MSE₁] + (g − 1)·σ²·E[tr(G (XᵀX)⁻¹)],

    with G the grid average of φ(x)φ(x)ᵀ and the expectation over designs of
    ``n_samples`` uniform inputs (SCIENCE.md §1; the linear growth is the
    fixed-degree case of Dohmatob, Feng & Kempe 2024, "Model Collapse
    Demystified", eq. for the fresh-design test error). Both expectations are
    computed here by Monte Carlo over ``n_designs`` designs; their standard
    errors are returned so tests can account for them.

    Parameters
    ----------
    world : RegressionWorld
        Uniform inputs on its domain; its grid and true function define the error.
    degree : int
        Polynomial degree (p = degree + 1 coefficients).
    n_samples : int
        Inputs per generation, N.
    noise : float
        Standard deviation σ of the noise each model adds to its labels.
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
        gram, moments = sufficient_statistics(to_unit_interval(x, world.domain),
                                              world.true_function(x), p)
        # tr(G A⁻¹) column by column: solve A z = G e_j and keep z_j.
        trace = np.zeros(size)
        for j in range(p):
            z, _ = cholesky_solve(gram, np.repeat(grid_gram[:, j:j + 1], size, axis=1))
            trace += z[j]
        fit, _ = cholesky_solve(gram, moments)
        delta = fit - projection[:, np.newaxis]
        traces.append(trace)
        biases.append(np.einsum("ir,ij,jr->r", delta, grid_gram, delta) + residual)
    trace = np.concatenate(traces)
    bias = np.concatenate(biases)
    sigma2 = noise**2
    first = bias + sigma2 * trace
    root_n = np.sqrt(n_designs)
    return PolynomialChainTheory(
        first_error=float(first.mean()),
        slope=float(sigma2 * trace.mean()),
        first_error_se=float(first.std(ddof=1) / root_n),
        slope_se=float(sigma2 * trace.std(ddof=1) / root_n),
        gaussian_slope=sigma2 * p / (n_samples - p - 1),
    )
