"""Text metrics on hand-made inputs and on real text."""

from dataclasses import dataclass

import numpy as np
import pytest

from modelcollapse.core.artifacts import ArtifactSink, decode_array
from modelcollapse.core.data import Dataset
from modelcollapse.core.metric import MeasureContext
from modelcollapse.families.language.metrics import (
    GeneratedText,
    HeldOutPerplexity,
    distinct_n,
    rare_words,
    repetition_rate,
    words,
)
from modelcollapse.families.language.world import text_world


def test_distinct_n_counts_ngrams_within_rows():
    blocks = np.array([[0, 1, 0, 1], [2, 2, 2, 2]])
    assert distinct_n(blocks, 1, 3) == 3 / 8
    assert distinct_n(blocks, 2, 3) == 3 / 6  # (0,1) (1,0) (2,2); (1,2) never spans rows
    assert np.isnan(distinct_n(blocks, 5, 3))


def test_repetition_rate_is_the_share_of_repeated_ngrams():
    blocks = np.array([[0, 1, 2, 3, 4, 5], [1, 1, 1, 1, 1, 1]])
    assert repetition_rate(blocks, 6, n=4) == pytest.approx((0 + 2 / 3) / 2)


def test_rare_words_are_the_tail_holding_the_share():
    text = "the " * 60 + "cat " * 30 + "dog " * 6 + "emu " * 3 + "gnu"
    assert words("The cat's") == ["the", "cat", "s"]
    assert rare_words(text, 0.1) == {"dog", "emu", "gnu"}  # 10 of 100 occurrences
    assert rare_words(text, 0.05) == {"emu", "gnu"}


@dataclass
class Uniform:
    vocab_size: int

    def log_prob(self, blocks):
        return np.full(blocks.shape, -np.log(self.vocab_size))


@pytest.fixture(scope="module")
def world():
    return text_world("shakespeare", block_size=32, max_chars=150_000)


def test_held_out_perplexity_of_a_uniform_model_is_the_vocabulary_size(world):
    metric = HeldOutPerplexity(max_blocks=100)
    assert metric.applies(Uniform(7), world)
    assert metric.measure(Uniform(7), world)["held_out_perplexity"] == pytest.approx(7)


@dataclass
class Replay:
    """Writes real training blocks (or uniform noise): a stand-in for a perfect or broken LM."""

    world: object
    noise: bool = False
    conditional: bool = False

    def sample(self, n, *, rng, X=None):
        if self.noise:
            return Dataset.real(rng.integers(self.world.tokenizer.vocab_size,
                                             size=(n, self.world.block_size)))
        return self.world.sample(n, rng=rng)


def test_generated_text_of_real_blocks_looks_real_and_keeps_artifacts(world):
    metric = GeneratedText(n_sequences=400, reference_order=3)
    sink = ArtifactSink(0, 1)
    real = metric.measure(Replay(world), world,
                          MeasureContext(rng=np.random.default_rng(0), artifacts=sink))
    noise = metric.measure(Replay(world, noise=True), world,
                           MeasureContext(rng=np.random.default_rng(0)))
    assert set(real) == set(metric.names(None))
    assert 0.06 < real["tail_mass"] < 0.14  # real text: about 10% of words are rare by design
    assert noise["tail_mass"] < real["tail_mass"] / 2
    assert real["generated_ppl_median"] < 12 < noise["generated_ppl_median"]
    assert real["generated_ppl_q05"] <= real["generated_ppl_median"] <= real["generated_ppl_q95"]
    assert real["repetition_rate"] < 0.05
    assert noise["unigram_entropy"] > real["unigram_entropy"]
    kept = {name: (kind, text, data) for _, _, name, kind, text, data in sink.records}
    assert decode_array(kept["generated_perplexity"][2]).shape == (400,)
    assert {"sample_0", "sample_1", "sample_2"} <= set(kept)
    assert kept["sample_0"][1] in world.train_text
