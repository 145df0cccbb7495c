"""The best weight on fresh real data against synthetic data (arXiv 2502.18049): 1/φ."""

import numpy as np
import pytest

from modelcollapse import Chain, FreshReal
from modelcollapse.families.exponential.metrics import ParameterRisk
from modelcollapse.families.exponential.model import ExponentialFamilyModel
from modelcollapse.families.exponential.theory import mix_weight_theory, optimal_real_weight
from modelcollapse.families.exponential.world import ExponentialFamilyWorld

G = 30


def _risks(family, theta, weight, replicates=20_000, engine="auto", seed=8, generations=G):
    chain = Chain(ExponentialFamilyWorld(family, theta), ExponentialFamilyModel(
        real_weight=weight), FreshReal(0.5), n_samples=20, n_generations=generations,
        metrics=(ParameterRisk(),))
    frame = chain.run(replicates, seed=seed, engine=engine)
    return frame.pivot(index="replicate", columns="generation", values="value").to_numpy()


@pytest.mark.parametrize("family, theta", [("gaussian-mean", 0.0), ("poisson", 3.0),
                                           ("bernoulli", 0.3), ("gaussian-variance", 1.0)])
@pytest.mark.parametrize("weight", [0.3, 0.618, 0.9])
def test_the_weighted_mix_follows_its_recursion(family, theta, weight):
    sim = _risks(family, theta, weight)
    line = mix_weight_theory(family, theta, 10, 10, weight, G)["value"].to_numpy()
    se = sim.std(axis=0, ddof=1) / np.sqrt(len(sim))
    assert np.abs((sim.mean(axis=0) - line) / se).max() < 4
    # Power: pooling real and synthetic items alike (weight 1/2) is another line.
    pooled = mix_weight_theory(family, theta, 10, 10, 0.5, G)["value"].to_numpy()
    assert abs((sim.mean(axis=0) - pooled) / se)[-1] > 4


def test_the_optimal_weight_is_one_over_phi_for_equal_amounts():
    for family, theta in [("gaussian-mean", 0.0), ("poisson", 3.0)]:
        assert optimal_real_weight(family, theta, 10, 10) == pytest.approx(
            (np.sqrt(5) - 1) / 2, abs=1e-6)
    assert optimal_real_weight("poisson", 3.0, 10, 30) < 0.5  # more synthetic items: trust them


def test_the_simulated_optimum_lies_near_one_over_phi():
    """Stationary risk at w = 0.45, 0.618, 0.8: the middle one is lowest, as theory says."""
    late = {w: _risks("gaussian-mean", 0.0, w, replicates=40_000)[:, -5:].mean()
            for w in (0.45, 0.618, 0.8)}
    assert late[0.618] < late[0.45] and late[0.618] < late[0.8]


def test_the_kernel_and_the_loop_agree():
    loop = _risks("poisson", 3.0, 0.618, replicates=300, engine="loop", seed=3,
                  generations=6)[:, -1]
    batched = _risks("poisson", 3.0, 0.618, replicates=5000, seed=4, generations=6)[:, -1]
    se = np.hypot(loop.std() / np.sqrt(len(loop)), batched.std() / np.sqrt(len(batched)))
    assert abs(loop.mean() - batched.mean()) / se < 4


def test_a_weight_outside_0_1_is_refused():
    with pytest.raises(ValueError, match="real_weight must lie in"):
        ExponentialFamilyModel(real_weight=1.5)
