"""Closed-form Gaussian metrics against direct computation."""

import numpy as np
import pytest
from scipy import stats

from modelcollapse.families.gaussian.metrics import GAUSSIAN_METRICS, gaussian_metrics

NAMES = list(GAUSSIAN_METRICS)


def _one(mean, cov, truth_mean, truth_cov):
    values = gaussian_metrics(np.asarray(mean, float)[:, None], np.asarray(cov, float)[..., None],
                              np.asarray(truth_mean, float), np.asarray(truth_cov, float), NAMES)
    return {k: v[0] for k, v in values.items()}


@pytest.mark.parametrize("d", [1, 3])
def test_the_truth_against_itself(d):
    m = _one(np.zeros(d), np.eye(d), np.zeros(d), np.eye(d))
    assert m["kl"] == pytest.approx(0, abs=1e-12) and m["w2"] == pytest.approx(0, abs=1e-6)
    assert m["tail_mass"] == pytest.approx(0.02, rel=1e-9)
    assert m["variance"] == 1.0 and m["mean_error"] == 0.0
    entropy = stats.multivariate_normal(np.zeros(d), np.eye(d)).entropy()
    assert m["held_out_log_likelihood"] == pytest.approx(-entropy, rel=1e-12)


def test_one_dimensional_values_against_scipy_and_quantile_integrals():
    m = _one([0.5], [[0.25]], [0.0], [[1.0]])
    # KL(N(0,1) || N(0.5, 0.25)) by numerical integration
    x = np.linspace(-12, 12, 200_001)
    p, q = stats.norm.pdf(x), stats.norm.pdf(x, 0.5, 0.5)
    assert m["kl"] == pytest.approx(np.trapezoid(p * np.log(p / q), x), rel=1e-6)
    # W2 in 1-D is the L2 distance between quantile functions
    u = np.linspace(1e-6, 1 - 1e-6, 200_001)
    w2 = np.sqrt(np.trapezoid((stats.norm.ppf(u) - stats.norm.ppf(u, 0.5, 0.5)) ** 2, u))
    assert m["w2"] == pytest.approx(w2, rel=1e-3)
    lo, hi = stats.norm.ppf([0.01, 0.99])
    expected_tail = stats.norm.cdf(lo, 0.5, 0.5) + stats.norm.sf(hi, 0.5, 0.5)
    assert m["tail_mass"] == pytest.approx(expected_tail, rel=1e-12)


def test_multivariate_values_against_monte_carlo():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((2, 2))
    cov, mean = a @ a.T + 0.3 * np.eye(2), np.array([0.3, -0.2])
    truth_cov = np.array([[1.0, 0.4], [0.4, 0.8]])
    m = _one(mean, cov, [0, 0], truth_cov)
    x = rng.multivariate_normal([0, 0], truth_cov, size=400_000)
    log_q = stats.multivariate_normal(mean, cov).logpdf(x)
    log_p = stats.multivariate_normal([0, 0], truth_cov).logpdf(x)
    se = (log_p - log_q).std() / np.sqrt(len(x))
    assert abs(m["kl"] - (log_p - log_q).mean()) < 4 * se
    assert abs(m["held_out_log_likelihood"] - log_q.mean()) < 4 * log_q.std() / np.sqrt(len(x))


def test_multivariate_w2_against_the_one_dimensional_formula_on_a_diagonal_case():
    m = _one([1.0, 0.0], np.diag([4.0, 0.25]), [0, 0], np.eye(2))
    assert m["w2"] == pytest.approx(np.sqrt(1.0 + (2 - 1) ** 2 + (0.5 - 1) ** 2), rel=1e-9)


def test_a_collapsed_model_has_no_tails_and_a_dead_one_is_nan():
    m = _one([0.0], [[1e-6]], [0.0], [[1.0]])
    assert m["tail_mass"] < 1e-12 and m["kl"] > 1e4
    nan = _one([np.nan], [[np.nan]], [0.0], [[1.0]])
    assert all(np.isnan(v) for v in nan.values())
