"""Replicates trained and written together are the replicates trained and written one by one."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from modelcollapse.core.data import Dataset  # noqa: E402
from modelcollapse.core.model import DegenerateFitError  # noqa: E402
from modelcollapse.families.language.replicated import fit_together, write_together  # noqa: E402
from modelcollapse.families.language.transformer import TransformerLM  # noqa: E402
from modelcollapse.families.language.world import text_world  # noqa: E402

R = 3


def streams(seed):
    return [np.random.default_rng([seed, r]) for r in range(R)]


@pytest.fixture(scope="module")
def world():
    return text_world("shakespeare", "char", block_size=16, max_chars=50_000)


@pytest.fixture(scope="module")
def model(world):
    return TransformerLM(n_layer=2, n_head=2, n_embd=16, steps=25, batch_size=8,
                         threads=1).for_world(world)


@pytest.fixture(scope="module")
def datasets(world):
    return [world.sample(40, rng=np.random.default_rng(100 + r)) for r in range(R)]


@pytest.fixture(scope="module")
def together(model, datasets):
    return fit_together(model, datasets, [np.random.default_rng(r) for r in range(R)],
                        stacked=True)


def test_training_together_reaches_the_weights_of_training_one_by_one(model, datasets,
                                                                       together):
    # Same starting weights, same minibatches, element-wise AdamW: only the order of
    # floating-point sums differs, so the weights agree to float32 rounding.
    for r, fitted in enumerate(together):
        alone = model.clone().fit(datasets[r], rng=np.random.default_rng(r))
        a, b = alone.net_.state_dict(), fitted.net_.state_dict()
        assert max(float((a[k] - b[k]).abs().max()) for k in a) < 1e-4
        assert fitted.train_loss_ == pytest.approx(alone.train_loss_, abs=1e-4)
        blocks = datasets[r].X[:5]
        np.testing.assert_allclose(fitted.log_prob(blocks), alone.log_prob(blocks), atol=1e-4)


def test_replicates_stay_independent(together):
    # Different streams give different networks: nothing is shared by stacking.
    a, b = (m.net_.state_dict()["wte.weight"] for m in together[:2])
    assert float((a - b).abs().max()) > 1e-3


def test_one_replicate_written_together_writes_what_it_writes_alone(together):
    alone = together[0].sample(6, rng=np.random.default_rng(7)).X
    stacked = write_together(together[:1], 6, rngs=[np.random.default_rng(7)],
                             stacked=True)[0].X
    np.testing.assert_array_equal(stacked, alone)


def test_writing_together_with_and_without_the_cache_gives_the_same_tokens(together):
    uncached = [m.clone() for m in together]
    for copy, fitted in zip(uncached, together, strict=True):
        copy.cache = False
        copy.net_ = fitted.net_
    cached = write_together(together, 4, rngs=streams(3), stacked=True)
    plain = write_together(uncached, 4, rngs=streams(3), stacked=True)
    for a, b in zip(cached, plain, strict=True):
        np.testing.assert_array_equal(a.X, b.X)
    assert all(d.X.shape == (4, 16) for d in cached)


def test_training_sets_of_different_sizes_are_refused(model, world):
    data = [world.sample(n, rng=np.random.default_rng(n)) for n in (30, 40)]
    with pytest.raises(ValueError, match="one size"):
        fit_together(model, data, [np.random.default_rng(0), np.random.default_rng(1)])


def test_an_empty_training_set_is_degenerate(model, world):
    empty = Dataset.real(np.zeros((0, 16), dtype=np.int64))
    with pytest.raises(DegenerateFitError):
        fit_together(model, [empty], [np.random.default_rng(0)])


def test_on_the_cpu_replicates_go_in_turn_unless_stacking_is_asked_for(model, datasets,
                                                                     together):
    in_turn = fit_together(model, datasets, [np.random.default_rng(r) for r in range(R)])
    for a, b in zip(in_turn, together, strict=True):
        assert a.train_loss_ == pytest.approx(b.train_loss_, abs=1e-4)
    written = write_together(in_turn, 3, rngs=streams(0))
    assert [d.X.shape for d in written] == [(3, 16)] * R


def test_each_replicate_written_together_writes_what_it_writes_alone(together):
    # Every replicate keeps its own decoding stream: the tokens are those it writes alone,
    # wherever the stacked network's logits round alike (float32 on the CPU: everywhere here).
    alone = [m.sample(5, rng=rng).X for m, rng in zip(together, streams(9), strict=True)]
    stacked = write_together(together, 5, rngs=streams(9), stacked=True)
    for a, b in zip(alone, stacked, strict=True):
        np.testing.assert_array_equal(b.X, a)


# --- chains whose replicates step through the generations together ----------------------


def chain_rows(world, stack, n_replicates, first=0):
    from modelcollapse.core.chain import Chain
    from modelcollapse.families.language.metrics import GeneratedText, HeldOutPerplexity
    from modelcollapse.policies.training_sets import KeepOriginal

    model = TransformerLM(n_layer=1, n_head=2, n_embd=16, steps=15, batch_size=8, threads=1,
                          stack_replicates=stack)
    chain = Chain(world, model, KeepOriginal(0.1), n_samples=30, n_generations=3,
                  metrics=(HeldOutPerplexity(max_blocks=16), GeneratedText(n_sequences=16)))
    return chain.run(n_replicates, seed=5, first_replicate=first)


@pytest.fixture(scope="module")
def one_by_one(world):
    import pandas as pd

    return pd.concat([chain_rows(world, None, 1, first=r) for r in range(R)],
                     ignore_index=True)


def test_a_chain_stepping_replicates_together_in_turn_gives_the_loops_rows(world, one_by_one):
    import pandas as pd

    pd.testing.assert_frame_equal(chain_rows(world, False, R), one_by_one)


def test_a_chain_stepping_stacked_replicates_matches_the_loop_to_rounding(world, one_by_one):
    stacked = chain_rows(world, True, R)
    assert stacked[["replicate", "generation", "metric", "status"]].equals(
        one_by_one[["replicate", "generation", "metric", "status"]])
    # Three generations of writing and refitting: the stacked network's rounding moves the
    # figures by far less than one replicate differs from another.
    np.testing.assert_allclose(stacked.value, one_by_one.value, rtol=1e-4, equal_nan=True)


def test_a_failure_in_a_stacked_fit_marks_only_the_replicates_that_fail():
    from modelcollapse.core.chain import Chain
    from modelcollapse.core.rng import SeedTree
    from modelcollapse.neural.runtime import DivergedError

    class Fussy:
        """Diverges on the dataset marked -1, alone or stacked with others."""

        def fit_together(self, datasets, rngs):
            if any(d.X[0, 0] == -1 for d in datasets):
                raise DivergedError("stacked")
            return ["fitted"] * len(datasets)

        def clone(self):
            return self

        def fit(self, data, *, rng):
            if data.X[0, 0] == -1:
                raise DivergedError("alone")
            return "fitted"

    trains = {r: Dataset.real(np.full((4, 2), -1 if r == 1 else r)) for r in range(3)}
    fitted = Chain._fit_together(Fussy(), trains, SeedTree(0), generation=2)
    assert fitted[0] == fitted[2] == "fitted"
    assert isinstance(fitted[1], DivergedError)


def test_what_the_models_write_is_marked_model_written(together):
    assert all((d.origin > 0).all() for d in write_together(together, 2, rngs=streams(1),
                                                           stacked=True))
    assert (together[0].sample(2, rng=np.random.default_rng(0)).origin > 0).all()
