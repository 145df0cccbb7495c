import numpy as np
import pytest
from scipy.stats import ks_2samp

from modelcollapse import (
    Accumulate,
    AccumulateSubsample,
    Chain,
    FreshReal,
    KeepOriginal,
    Replace,
    WebScrape,
)
from modelcollapse.families.gaussian.kernel import cholesky
from modelcollapse.families.gaussian.metrics import GaussianMetric
from modelcollapse.families.gaussian.model import GaussianModel
from modelcollapse.families.gaussian.world import gaussian_world
from tests.conftest import z_score

METRICS = tuple(GaussianMetric(n) for n in ("log_variance", "w2", "tail_mass", "mean_error"))
POLICIES = [Replace(), Accumulate(), AccumulateSubsample(15), FreshReal(0.2), KeepOriginal(0.2),
            WebScrape("linear", 0.0, 1.0, 5)]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.label)
@pytest.mark.parametrize("dim", [1, 2])
def test_batched_gaussian_kernel_agrees_with_the_loop(policy, dim):
    """Log-variance means within 4 standard errors; W2's law passes KS at level 1e-4."""
    chain = Chain(gaussian_world(dim), GaussianModel("mle", truncate_sd=2.0), policy,
                  n_samples=15, n_generations=8, metrics=METRICS)
    assert chain.kernel() is not None
    loop = chain.run(150, seed=1, engine="loop")
    batched = chain.run(3000, seed=2)

    def values(frame, metric):
        rows = frame[(frame.metric == metric) & (frame.generation == 8)]
        return rows["value"].to_numpy()

    assert abs(z_score(values(loop, "log_variance"), values(batched, "log_variance"))) < 4
    assert ks_2samp(values(loop, "w2"), values(batched, "w2")).pvalue > 1e-4


def test_a_collapsed_replicate_is_degenerate_not_a_crash():
    # Two points a generation, MLE: the variance hits zero within a few generations for some.
    chain = Chain(gaussian_world(1), GaussianModel("mle"), Replace(), n_samples=2,
                  n_generations=400, metrics=(GaussianMetric("variance"),))
    frame = chain.run(200, seed=3)
    degenerate = frame[frame.status == "degenerate"]
    assert len(degenerate) > 0 and degenerate["value"].isna().all()
    ok = frame[frame.status == "ok"]
    assert (ok["value"] > 0).all()


def test_accumulating_stops_the_variance_collapse():
    run = {p.label: Chain(gaussian_world(1), GaussianModel("mle"), p, n_samples=10,
                          n_generations=100, metrics=(GaussianMetric("log_variance"),)).run(
        2000, seed=4) for p in (Replace(), Accumulate())}
    last = {k: f[f.generation == 100]["value"].median() for k, f in run.items()}
    assert last["replace"] < -8 and last["accumulate"] > -0.5


@pytest.mark.parametrize("dim", [1, 2, 3, 6])
def test_cholesky_over_the_replicate_axis_equals_lapack(dim):
    """Bit for bit for d <= 2, where the operations are LAPACK's; to rounding above.

    Row i of L has norm sqrt(cov[i, i]), so errors are measured against that:
    an entry that nearly cancels is exact only to rounding of its row.
    """
    rng = np.random.default_rng(0)
    R = 2000
    A = rng.standard_normal((dim, dim + 2, R))
    # Scales from 1e-12 to 1e3: collapsed chains factorise tiny covariances.
    cov = np.einsum("ikr,jkr->ijr", A, A) * 10.0 ** rng.uniform(-12, 3, R)
    lapack = np.moveaxis(np.linalg.cholesky(np.moveaxis(cov, -1, 0)), 0, -1)
    ours = cholesky(cov)
    assert ours.flags.c_contiguous
    if dim <= 2:
        np.testing.assert_array_equal(ours, lapack)
    else:
        row_norm = np.sqrt(np.einsum("iir->ir", cov))[:, np.newaxis, :]
        assert np.all(np.abs(ours - lapack) <= 1e-14 * row_norm)
