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
from modelcollapse.metrics.discrete import CATEGORICAL_METRICS, CategoricalMetric
from modelcollapse.models.categorical import CategoricalModel
from modelcollapse.worlds.discrete import zipf_world
from tests.conftest import z_score

METRICS = tuple(CategoricalMetric(n) for n in CATEGORICAL_METRICS)
POLICIES = [Replace(), Accumulate(), AccumulateSubsample(100), FreshReal(0.2), KeepOriginal(0.2),
            WebScrape("linear", 0.0, 1.0, 5)]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.label)
@pytest.mark.parametrize("model", [CategoricalModel(),
                                   CategoricalModel(temperature=0.9, top_p=0.95)],
                         ids=["plain", "decoding"])
def test_batched_categorical_kernel_agrees_with_the_loop(policy, model):
    chain = Chain(zipf_world(60, 1.1), model, policy, n_samples=100, n_generations=8,
                  metrics=METRICS)
    assert chain.kernel() is not None
    loop = chain.run(150, seed=1, engine="loop")
    batched = chain.run(3000, seed=2)

    def values(frame, metric):
        return frame[(frame.metric == metric) & (frame.generation == 8)]["value"].to_numpy()

    for metric in ("gini_simpson", "lost_mass"):
        assert abs(z_score(values(loop, metric), values(batched, metric))) < 4, metric
    assert ks_2samp(values(loop, "support_size"), values(batched, "support_size")).pvalue > 1e-4


def test_lower_temperature_loses_the_tail_faster():
    def lost(model):
        chain = Chain(zipf_world(300, 1.1), model, Replace(), n_samples=1000, n_generations=20,
                      metrics=(CategoricalMetric("lost_mass"),))
        frame = chain.run(500, seed=3)
        return frame[frame.generation == 20]["value"].to_numpy()

    plain = lost(CategoricalModel())
    assert z_score(lost(CategoricalModel(temperature=0.9)), plain) > 4
    assert z_score(lost(CategoricalModel(top_k=20)), plain) > 4
