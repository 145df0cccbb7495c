"""Staleness for language models: text drifting from the comedies to the histories."""

import itertools

import numpy as np
import pytest

from modelcollapse import Chain
from modelcollapse.core.data import Dataset
from modelcollapse.core.drift import world_at
from modelcollapse.core.errors import UsageError
from modelcollapse.families.language.genre_drift import shakespeare_drift_world
from modelcollapse.families.language.metrics import HeldOutPerplexity, words
from modelcollapse.families.language.ngram import NGramLM
from modelcollapse.families.language.retrieval import InterpolatedNGram
from modelcollapse.policies.retrieval import correct
from modelcollapse.policies.staleness import Frozen, Retrieval
from tests.conftest import z_score

SMALL = {"max_chars": 100_000, "block_size": 64}


def _world(drift):
    return shakespeare_drift_world(drift, **SMALL)


def _rows(blocks):
    return {block.tobytes() for block in blocks}


def _final_perplexity(policy, drift, *, generations=5, replicates=12, seed=3):
    world = _world(drift)
    chain = Chain(world, NGramLM(order=5).for_world(world), policy, n_samples=200,
                  n_generations=generations, metrics=(HeldOutPerplexity(max_blocks=200),))
    frame = chain.run(replicates, seed=seed)
    return frame[frame.generation == generations]["value"].to_numpy()


def test_without_drift_every_generation_is_the_same_world():
    world = _world(0.0)
    assert world.at(6) is world and world_at(world, 6) is world


def test_a_drifting_world_mixes_its_generations_in_the_drift_rate():
    world = _world(0.25)
    assert world.at(1) is world and world.at(5).at(3) is world.at(3)   # at(g) is absolute
    source, target = _rows(world.source.held_out), _rows(world.target.held_out)
    assert _rows(world.held_out) <= source
    for generation, share in ((2, 0.75), (3, 0.5), (5, 0.0), (9, 0.0)):
        held_out = world.at(generation).held_out
        from_source = sum(block.tobytes() in source for block in held_out)
        from_target = sum(block.tobytes() in target for block in held_out)
        assert from_source + from_target == len(held_out)
        assert from_source == round(share * len(held_out))
    train = world.at(3).train  # a few blocks may occur in both genres: count within 1%
    from_target = sum(block.tobytes() in _rows(world.target.train) for block in train)
    assert abs(from_target - 0.5 * len(train)) <= 0.01 * len(train)
    assert world.at(3).tokenizer is world.tokenizer and world.at(3).block_size == 64


def test_a_later_generations_held_out_text_has_words_the_first_lacks():
    world = _world(0.25)
    first = set(words(world.held_out_text))
    new = {g: set(words(world.at(g).held_out_text)) - first for g in (3, 5)}
    assert len(new[3]) > 100 and len(new[5]) > len(new[3])
    assert "edward" in new[5] and "edward" not in first    # the first history is Edward III


def test_a_frozen_models_perplexity_grows_with_drift():
    perplexities = [_final_perplexity(Frozen(), drift) for drift in (0.0, 0.12, 0.25)]
    for slower, faster in itertools.pairwise(perplexities):
        assert z_score(faster, slower) > 4


def test_retrieval_with_more_blocks_lowers_perplexity_under_drift():
    results = [_final_perplexity(policy, 0.25)
               for policy in (Frozen(), Retrieval(10), Retrieval(50), Retrieval(200))]
    for fewer, more in itertools.pairwise(results):
        assert z_score(more, fewer) < -4


def test_the_retrieval_correction_interpolates_by_block_counts():
    world = _world(0.25)
    rng = np.random.default_rng(0)
    frozen = NGramLM(order=3).for_world(world).fit(world.sample(90, rng=rng))
    retrieved = world.at(5).sample(10, rng=rng)
    corrected = correct(frozen, retrieved, weight=90, world=world.at(5))
    assert isinstance(corrected, InterpolatedNGram) and corrected.weight == pytest.approx(0.1)
    alone = NGramLM(order=3).for_world(world).fit(retrieved)
    blocks = world.at(5).held_out[:20]
    expected = np.log(0.9 * np.exp(frozen.log_prob(blocks)) + 0.1 * np.exp(alone.log_prob(blocks)))
    np.testing.assert_allclose(corrected.log_prob(blocks), expected, rtol=1e-10)


def test_the_corrected_model_samples_the_mixture_it_scores():
    world = _world(0.25)
    rng = np.random.default_rng(1)
    frozen = NGramLM(order=3).for_world(world).fit(world.sample(60, rng=rng))
    corrected = correct(frozen, world.at(5).sample(60, rng=rng), weight=60, world=world.at(5))
    n = 6000
    first = corrected.sample(n, rng=rng).X[:, 0]
    V = world.tokenizer.vocab_size
    start = np.full((1, 2), V)
    p = (0.5 * frozen.probabilities(start) + 0.5 * corrected.retrieved.probabilities(start))[0]
    counts = np.bincount(first, minlength=V)
    common = p > 0.01
    z = (counts[common] / n - p[common]) / np.sqrt(p[common] * (1 - p[common]) / n)
    assert np.all(np.abs(z) < 4.5)


@pytest.mark.parametrize("settings, message", [
    ({"drift": -0.1}, "drift must be a finite number >= 0"),
    ({"source": "sonnets"}, "not a genre of the plays"),
    ({"source": "histories", "target": "histories"}, "two different genres"),
])
def test_nonsense_settings_are_refused(settings, message):
    with pytest.raises((ValueError, UsageError), match=message):
        shakespeare_drift_world(**({"drift": 0.1} | settings), **SMALL)


def test_retrieval_refuses_an_ngram_model_that_does_not_sample_plainly():
    world = _world(0.1)
    with pytest.raises(ValueError, match="n-gram model with plain decoding"):
        Chain(world, NGramLM(temperature=0.7).for_world(world), Retrieval(10), metrics=())


def test_the_corrected_model_writes_blocks_of_the_world():
    world = _world(0.1)
    rng = np.random.default_rng(2)
    frozen = NGramLM(order=3).for_world(world).fit(world.sample(30, rng=rng))
    blocks = correct(frozen, Dataset.real(world.at(4).train[:5]), weight=30,
                     world=world.at(4)).sample(7, rng=rng).X
    assert blocks.shape == (7, 64) and blocks.min() >= 0 and blocks.max() < frozen.vocab_size
