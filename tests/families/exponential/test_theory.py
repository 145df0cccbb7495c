"""The π²/6 bound across exponential families (Dey & Donoho 2024), at 4 standard errors.

Replace and accumulate chains of the Gaussian mean, Gaussian variance,
Poisson and Bernoulli families against the exact risk recursion; the batched
kernel against the per-replicate loop.
"""

import numpy as np
import pytest
from scipy.stats import ks_2samp

from modelcollapse import Accumulate, Chain, FreshReal, Replace
from modelcollapse.families.exponential.metrics import ParameterRisk
from modelcollapse.families.exponential.model import ExponentialFamilyModel
from modelcollapse.families.exponential.theory import exponential_family_theory
from modelcollapse.families.exponential.world import ExponentialFamilyWorld

M, G = 10, 20
CASES = [("gaussian-mean", 0.0), ("gaussian-variance", 1.0), ("poisson", 3.0),
         ("bernoulli", 0.3)]


def _risks(family, theta, policy, replicates, engine="auto", seed=4, generations=G):
    chain = Chain(ExponentialFamilyWorld(family, theta), ExponentialFamilyModel(), policy,
                  n_samples=M, n_generations=generations, metrics=(ParameterRisk(),))
    frame = chain.run(replicates, seed=seed, engine=engine)
    return frame.pivot(index="replicate", columns="generation", values="value").to_numpy()


def _z(values, predicted):
    return (values.mean(axis=0) - predicted) / (values.std(axis=0, ddof=1)
                                                / np.sqrt(len(values)))


@pytest.mark.parametrize("family, theta", CASES)
@pytest.mark.parametrize("policy", [Replace(), Accumulate()], ids=lambda p: p.label)
def test_risk_follows_the_exact_recursion(family, theta, policy):
    accumulate = isinstance(policy, Accumulate)
    sim = _risks(family, theta, policy, 40_000)
    line = exponential_family_theory(family, theta, M, G, accumulate=accumulate)["value"]
    assert np.abs(_z(sim, line.to_numpy())).max() < 4
    # Power: the other policy's line is rejected at the last generation.
    other = exponential_family_theory(family, theta, M, G, accumulate=not accumulate)["value"]
    assert abs(_z(sim, other.to_numpy())[-1]) > 4


@pytest.mark.parametrize("family, theta", CASES)
def test_accumulate_stays_near_pi_squared_over_six_while_replace_diverges(family, theta):
    accumulate = exponential_family_theory(family, theta, 1000, 500, accumulate=True)["value"]
    replace = exponential_family_theory(family, theta, 1000, 500)["value"]
    ratio = accumulate.iloc[-1] / accumulate.iloc[0]
    assert ratio == pytest.approx(np.pi**2 / 6, rel=0.01)
    assert replace.iloc[-1] / replace.iloc[0] > 100  # Bernoulli saturates: a fixed coin


@pytest.mark.parametrize("policy", [Replace(), Accumulate(), FreshReal(0.3)],
                         ids=lambda p: p.label)
def test_batched_kernel_agrees_with_the_loop(policy):
    loop = _risks("poisson", 3.0, policy, 300, engine="loop", seed=5, generations=6)[:, -1]
    batched = _risks("poisson", 3.0, policy, 5000, seed=6, generations=6)[:, -1]
    assert abs((loop.mean() - batched.mean()) / np.hypot(
        loop.std() / np.sqrt(len(loop)), batched.std() / np.sqrt(len(batched)))) < 4
    assert ks_2samp(loop, batched).pvalue > 1e-4


@pytest.mark.parametrize("settings, message", [
    ({"family": "gamma"}, "family must be one of"),
    ({"family": "bernoulli", "theta": 1.2}, "must lie in (0, 1)"),
    ({"family": "poisson", "theta": -1.0}, "must be > 0"),
])
def test_impossible_worlds_are_refused(settings, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ExponentialFamilyWorld(**settings)
