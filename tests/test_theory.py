"""The replicate statistics against SCIENCE.md §1."""

import numpy as np
import pytest

from modelcollapse import (
    Accumulate,
    Chain,
    FreshReal,
    MSEToTruth,
    PolynomialRegression,
    Replace,
    cosine_world,
    polynomial_chain_theory,
)
from modelcollapse.kernels.polynomial import sufficient_statistics
from modelcollapse.models.regression import to_unit_interval, unit_vandermonde

WORLD = cosine_world(noise=0.1)
GENERATIONS = (1, 25, 50, 100)


@pytest.fixture(scope="module")
def theory():
    return polynomial_chain_theory(WORLD, degree=3, n_samples=30, noise=0.1, n_designs=400_000)


@pytest.fixture(scope="module")
def replace_errors():
    chain = Chain(WORLD, PolynomialRegression(3), Replace(), n_samples=30, n_generations=100,
                  metrics=(MSEToTruth(),))
    frame = chain.run(6000, seed=2024)
    return frame.pivot(index="replicate", columns="generation", values="value").to_numpy()


def _z(errors, predicted, predicted_se, generation):
    column = errors[:, generation - 1]
    se = np.sqrt(column.var(ddof=1) / len(column) + predicted_se**2)
    return (column.mean() - predicted) / se


@pytest.mark.parametrize("generation", GENERATIONS)
def test_mean_error_follows_the_martingale_line(theory, replace_errors, generation):
    predicted = theory.expected_error(generation)
    predicted_se = theory.first_error_se + (generation - 1) * theory.slope_se
    assert abs(_z(replace_errors, predicted, predicted_se, generation)) < 4


def test_the_gaussian_design_slope_is_rejected(theory, replace_errors):
    """The test has power: the Gaussian approximation (11% lower slope) fails it."""
    approx = theory.first_error + 99 * theory.gaussian_slope
    assert abs(_z(replace_errors, approx, theory.first_error_se, 100)) > 4


def test_monte_carlo_trace_equals_direct_linear_algebra():
    """tr(G (XᵀX)⁻¹) from the Cholesky columns equals numpy's inverse, design by design."""
    rng = np.random.default_rng(5)
    u = to_unit_interval(rng.random((30, 8)), WORLD.domain)
    gram, _ = sufficient_statistics(u, np.zeros_like(u), 4)
    grid = unit_vandermonde(to_unit_interval(WORLD.grid, WORLD.domain), 3)
    G = grid.T @ grid / len(WORLD.grid)
    direct = [np.trace(G @ np.linalg.inv(gram[:, :, r])) for r in range(8)]
    from modelcollapse.kernels.polynomial import cholesky_solve

    traces = sum(cholesky_solve(gram, np.repeat(G[:, j:j + 1], 8, axis=1))[0][j]
                 for j in range(4))
    np.testing.assert_allclose(traces, direct, rtol=1e-10)


def _mean_errors(policy, generations=200, replicates=3000):
    chain = Chain(WORLD, PolynomialRegression(3), policy, n_generations=generations,
                  metrics=(MSEToTruth(),))
    frame = chain.run(replicates, seed=7)
    grouped = frame.groupby("generation")["value"]
    return grouped.mean().to_numpy(), (grouped.std() / np.sqrt(grouped.count())).to_numpy()


def test_accumulate_keeps_the_error_bounded():
    """Accumulated data: the error at 200 stays within π²/6 of the first generation's."""
    mean, _ = _mean_errors(Accumulate())
    assert mean[-1] < np.pi**2 / 6 * mean[0]


def test_fresh_real_data_makes_the_error_level_off():
    """With 10% fresh data the error stops growing: generation 200 ≈ generation 100."""
    mean, se = _mean_errors(FreshReal(0.1))
    assert abs(mean[199] - mean[99]) < 4 * np.hypot(se[199], se[99]) + 0.1 * mean[99]
    assert mean[199] < 0.2 * (mean[0] + 199 * 0.0016)  # far below the replace line
