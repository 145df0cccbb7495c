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
from modelcollapse.families.categorical.kernel import (
    CategoricalFamily,
    _dense,
    compact,
    support_metrics,
)
from modelcollapse.families.categorical.metrics import (
    CATEGORICAL_METRICS,
    CategoricalMetric,
    categorical_metrics,
)
from modelcollapse.families.categorical.model import CategoricalModel
from modelcollapse.families.categorical.world import zipf_world
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


def _dense_chunk(R=300, V=200, seed=0):
    """Fitted laws of R replicates as a (V, R) matrix, with many categories lost."""
    rng = np.random.default_rng(seed)
    truth = zipf_world(V, 1.1).probabilities
    tally = rng.multinomial(150, truth, size=R).T.astype(float)
    return truth, tally / tally.sum(axis=0)


def test_the_slot_layout_keeps_each_law_and_its_metrics():
    truth, p = _dense_chunk()
    V, R = p.shape
    categories, values = compact(np.broadcast_to(np.arange(V)[:, None], (V, R)), p)
    assert len(values) < V / 2
    assert np.array_equal(_dense(categories, values, V), p)
    ours = support_metrics(categories, values, truth, CATEGORICAL_METRICS)
    theirs = categorical_metrics(p, truth, CATEGORICAL_METRICS)
    for name in CATEGORICAL_METRICS:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-13, atol=1e-15,
                                   err_msg=name)


def test_drawing_over_the_slots_uses_the_generator_as_over_the_vocabulary():
    """numpy's multinomial skips zero probabilities without drawing: same seed, same counts."""
    _, p = _dense_chunk()
    V, R = p.shape
    categories, values = compact(np.broadcast_to(np.arange(V)[:, None], (V, R)), p)
    full = np.random.default_rng(5).multinomial(150, p.T).T
    slots = np.random.default_rng(5).multinomial(150, values.T).T
    assert np.array_equal(_dense(categories, slots.astype(float), V), full)


def test_a_dead_replicate_widens_the_chunk_and_measures_nan():
    chain = Chain(zipf_world(60, 1.1), CategoricalModel(), Replace(), n_samples=100,
                  n_generations=2, metrics=METRICS)
    family = CategoricalFamily(chain, 4)
    state, singular = family.fit(family.statistics(family.real(100, np.random.default_rng(0))))
    assert not singular.any()
    dead = np.array([False, True, False, False])
    categories, p = family.forget(state, dead)
    assert p.shape == (60, 4)
    out = np.empty((4, len(METRICS)))
    family.measure((categories, p), out)
    assert np.isnan(out[1]).all() and np.isfinite(out[[0, 2, 3]]).all()
