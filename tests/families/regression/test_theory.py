"""The replicate statistics against docs/foundations.md §1."""

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
from modelcollapse.families.regression.kernel import sufficient_statistics
from modelcollapse.families.regression.model import to_unit_interval, unit_vandermonde

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
    from modelcollapse.core.linalg import cholesky_solve

    traces = sum(cholesky_solve(gram, np.repeat(G[:, j:j + 1], 8, axis=1))[0][j]
                 for j in range(4))
    np.testing.assert_allclose(traces, direct, rtol=1e-10)


def _errors(policy, generations=200, replicates=3000):
    chain = Chain(WORLD, PolynomialRegression(3), policy, n_generations=generations,
                  metrics=(MSEToTruth(),))
    frame = chain.run(replicates, seed=7)
    return frame.pivot(index="replicate", columns="generation", values="value").to_numpy()


def _paired_z(errors, later, earlier):
    """z of the mean change from generation ``earlier`` to ``later``, replicate by replicate."""
    change = errors[:, later - 1] - errors[:, earlier - 1]
    return change.mean() / (change.std(ddof=1) / np.sqrt(len(change)))


def test_accumulate_stops_growing_far_below_the_replace_line(theory):
    """Accumulated data: no change from generation 100 to 200, and 1/30 of replace's error.

    With fresh designs accumulate has no closed form here (the equal-Gram
    approximation E[MSE₁] + slope·Σ_{2≤i≤n} 1/i² runs about 3.5% above the
    simulation); what is exact is that the increments shrink like 1/i², so the
    error has stopped moving by generation 100.
    """
    errors = _errors(Accumulate())
    assert abs(_paired_z(errors, 200, 100)) < 4
    replace_line = theory.expected_error(200)
    assert errors[:, 199].mean() < replace_line / 30


def test_fresh_real_data_makes_the_error_level_off(theory):
    """With 10% fresh data the error stops growing: generation 200 equals generation 100."""
    errors = _errors(FreshReal(0.1))
    assert abs(_paired_z(errors, 200, 100)) < 4
    assert errors[:, 199].mean() < 0.2 * theory.expected_error(200)  # far below replace
