import numpy as np
import pytest
from scipy.stats import ks_2samp

from modelcollapse import (
    Accumulate,
    AccumulateSubsample,
    Chain,
    FreshReal,
    KeepOriginal,
    PolynomialRegression,
    Replace,
    WebScrape,
    cosine_world,
)
from modelcollapse.core.batched import choose_without_replacement
from modelcollapse.families.regression.kernel import cholesky_solve, sufficient_statistics, supports
from modelcollapse.families.regression.model import unit_vandermonde
from tests.conftest import z_score


def test_sufficient_statistics_equal_the_normal_equations():
    rng = np.random.default_rng(0)
    u, y = rng.uniform(-1, 1, (30, 5)), rng.standard_normal((30, 5))
    gram, moments = sufficient_statistics(u, y, p=4)
    for r in range(5):
        design = unit_vandermonde(u[:, r], 3)
        np.testing.assert_allclose(gram[:, :, r], design.T @ design, rtol=1e-12)
        np.testing.assert_allclose(moments[:, r], design.T @ y[:, r], rtol=1e-12, atol=1e-12)


def test_cholesky_solve_matches_numpy_and_flags_singular_matrices():
    rng = np.random.default_rng(1)
    factors = rng.standard_normal((6, 5, 5))
    matrices = factors @ factors.transpose(0, 2, 1) + 0.1 * np.eye(5)
    matrices[2] = np.outer(factors[2, 0], factors[2, 0])  # rank one
    rhs = rng.standard_normal((6, 5))
    coef, singular = cholesky_solve(matrices.transpose(1, 2, 0), rhs.T)
    np.testing.assert_array_equal(singular, [False, False, True, False, False, False])
    assert np.isnan(coef[:, 2]).all()
    for r in (0, 1, 3, 4, 5):
        np.testing.assert_allclose(coef[:, r], np.linalg.solve(matrices[r], rhs[r]), rtol=1e-9)


def test_choose_without_replacement_is_distinct_and_uniform():
    rng = np.random.default_rng(2)
    picks = choose_without_replacement(rng, n_items=10, size=6, n_replicates=20_000)
    assert picks.shape == (6, 20_000)
    assert all(len(set(column)) == 6 for column in picks.T[:500])
    # Each item is chosen with probability 0.6: counts within 4 standard errors.
    counts = np.bincount(picks.ravel(), minlength=10)
    expected, sd = 20_000 * 0.6, np.sqrt(20_000 * 0.6 * 0.4)
    assert np.all(np.abs(counts - expected) < 4 * sd)
    with pytest.raises(ValueError, match="cannot choose"):
        choose_without_replacement(rng, 3, 4, 1)


def test_the_runner_picks_the_kernel_only_where_it_applies():
    world, model = cosine_world(), PolynomialRegression(3)
    assert supports(Chain(world, model))

    class Custom(type(world)):
        pass

    custom = Custom(world.true_function, world.noise)
    assert not supports(Chain(custom, model))
    with pytest.raises(ValueError, match="no batched kernel"):
        Chain(custom, model, n_generations=1).run(engine="batched")


POLICIES = [Replace(), Accumulate(), AccumulateSubsample(40), FreshReal(0.2), KeepOriginal(0.2),
            WebScrape("linear", 0.0, 1.0, 5)]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.label)
def test_batched_kernel_agrees_with_the_loop_in_distribution(policy):
    """Mean errors agree within 4 standard errors; a coefficient's law passes a KS test.

    The loop's 200 replicates make a policy's signature visible: replace and
    fresh-real(0.2) differ by about 8 standard errors at generation 10. The
    coefficients are heavy-tailed (the design's inverse Gram matrix is), so
    their law is compared by Kolmogorov–Smirnov at level 1e-4, not by variances.
    """
    chain = Chain(cosine_world(), PolynomialRegression(3), policy, n_samples=30,
                  n_generations=10)
    loop = chain.run(200, seed=11, engine="loop")
    batched = chain.run(4000, seed=12, engine="batched")

    def values(frame, metric, generation):
        rows = frame[(frame.metric == metric) & (frame.generation == generation)]
        return rows["value"].to_numpy()

    for generation in (1, 10):
        assert abs(z_score(values(loop, "mse_to_truth", generation),
                           values(batched, "mse_to_truth", generation))) < 4
    for metric in ("coef_1", "mse_to_truth"):
        test = ks_2samp(values(loop, metric, 10), values(batched, metric, 10))
        assert test.pvalue > 1e-4, (metric, test)


def test_batched_results_are_reproducible_and_seed_dependent():
    chain = Chain(cosine_world(), PolynomialRegression(3), Accumulate(), n_generations=5)
    a, b = chain.run(50, seed=3), chain.run(50, seed=3)
    np.testing.assert_array_equal(a["value"], b["value"])
    assert not np.array_equal(a["value"], chain.run(50, seed=4)["value"])
