"""Linear regression chains against docs/foundations.md §1.

Gerstgrasser et al. 2024 (fixed design); Dohmatob, Feng & Kempe 2024 (fresh design).
"""

import numpy as np
import pytest
from scipy.stats import ks_2samp

from modelcollapse import Accumulate, Chain, FreshReal, KeepOriginal, Replace
from modelcollapse.families.linear.metrics import ExcessRisk
from modelcollapse.families.linear.model import LinearRegression
from modelcollapse.families.linear.theory import linear_regression_theory
from modelcollapse.families.linear.world import LinearWorld
from tests.conftest import z_score

D, T, G = 8, 40, 15


def _excess(design, policy, replicates=10_000, engine="auto", seed=1, model=None):
    chain = Chain(LinearWorld(D, 1.0, design), model or LinearRegression(), policy,
                  n_samples=T, n_generations=G, metrics=(ExcessRisk(),))
    frame = chain.run(replicates, seed=seed, engine=engine)
    return frame.pivot(index="replicate", columns="generation", values="value").to_numpy()


def _z(values, predicted):
    return (values.mean() - predicted) / (values.std(ddof=1) / np.sqrt(len(values)))


@pytest.mark.parametrize("design, policy, accumulate", [
    ("fixed", Replace(), False), ("fresh", Replace(), False), ("fixed", Accumulate(), True)])
def test_excess_risk_follows_the_papers(design, policy, accumulate):
    sim = _excess(design, policy)
    line = linear_regression_theory(D, T, 1.0, G, accumulate=accumulate)["value"].to_numpy()
    for g in (1, 5, G):
        assert abs(_z(sim[:, g - 1], line[g - 1])) < 4, g
    # Power: the replace line fails accumulate and vice versa at the last generation.
    other = linear_regression_theory(D, T, 1.0, G, accumulate=not accumulate)["value"]
    assert abs(_z(sim[:, G - 1], other.iloc[-1])) > 4


def test_ridge_slows_the_growth():
    plain = _excess("fresh", Replace(), replicates=3000)
    ridge = _excess("fresh", Replace(), replicates=3000, model=LinearRegression(ridge=20.0))
    assert z_score(plain[:, G - 1], ridge[:, G - 1]) > 4


@pytest.mark.parametrize("design", ["fixed", "fresh"])
@pytest.mark.parametrize("policy", [Replace(), Accumulate(), FreshReal(0.25), KeepOriginal(0.25)],
                         ids=lambda p: p.label)
def test_batched_linear_kernel_agrees_with_the_loop(design, policy):
    loop = _excess(design, policy, replicates=150, engine="loop", seed=3)[:, G - 1]
    batched = _excess(design, policy, replicates=3000, seed=4)[:, G - 1]
    assert abs(z_score(loop, batched)) < 4
    assert ks_2samp(loop, batched).pvalue > 1e-4
