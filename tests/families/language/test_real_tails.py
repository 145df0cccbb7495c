"""The output measured against the real text: real and invented words, frequency classes."""

from itertools import combinations
from math import comb, log2

import numpy as np
import pytest

from modelcollapse import Chain
from modelcollapse.core.data import Dataset
from modelcollapse.core.metric import MeasureContext
from modelcollapse.families.language.metrics import (
    GeneratedText,
    RealWords,
    complete_words,
    expected_distinct,
    js_divergence_bits,
    real_word_figures,
)
from modelcollapse.families.language.ngram import NGramLM
from modelcollapse.families.language.world import text_world
from modelcollapse.policies.training_sets import Replace

# 100 occurrences: "a" holds the top 50%, "b" and "c" the next 40%, "d", "e", "f" the rarest 10%.
REAL = "a " * 50 + "b " * 20 + "c " * 20 + "d " * 5 + "e " * 3 + "f " * 2


def test_complete_words_leave_out_words_cut_by_either_end():
    assert complete_words("ther, The cat sa") == ["the", "cat"]
    assert complete_words(" a ") == ["a"]
    assert complete_words("whole") == []


def test_frequency_classes_split_the_real_occurrences_at_the_shares():
    real = RealWords.from_text(REAL)
    assert real.common == {"a"}
    assert real.rare == {"d", "e", "f"}
    with pytest.raises(ValueError, match="add up to at most 1"):
        RealWords.from_text(REAL, common_share=0.6, rare_share=0.5)


def test_real_text_scored_against_itself_is_all_real_and_keeps_its_classes():
    figures = real_word_figures(REAL.split(), RealWords.from_text(REAL))
    assert figures == {
        "real_word_share": 1.0, "invented_word_share": 0.0,
        "real_mass_common": 0.5, "real_mass_middle": 0.4, "real_mass_rare": 0.1,
        "real_vocabulary_covered": 1.0,
        "real_vocabulary_covered_relative": pytest.approx(1.0),  # m = N draws the whole text
        "real_word_js_bits": pytest.approx(0.0, abs=1e-12),
    }


def test_invented_words_get_their_exact_share_and_leave_the_classes():
    figures = real_word_figures(["a", "b", "zz", "qq", "a"], RealWords.from_text(REAL))
    assert figures["real_word_share"] == 3 / 5
    assert figures["invented_word_share"] == 2 / 5
    assert (figures["real_mass_common"], figures["real_mass_middle"],
            figures["real_mass_rare"]) == (2 / 5, 1 / 5, 0.0)
    assert figures["real_vocabulary_covered"] == 2 / 6
    # Over real words only the output is (a 2/3, b 1/3) against the real (a .5, b .2, c .2, …).
    expected = js_divergence_bits(np.array([50, 20, 20, 5, 3, 2]), np.array([2, 1, 0, 0, 0, 0]))
    assert figures["real_word_js_bits"] == pytest.approx(expected)


def test_an_output_without_words_or_without_real_words_gives_nan_not_a_number_made_up():
    real = RealWords.from_text(REAL)
    empty = real_word_figures([], real)
    assert np.isnan(empty["real_word_share"]) and np.isnan(empty["real_word_js_bits"])
    assert empty["real_vocabulary_covered"] == 0.0
    invented = real_word_figures(["zz"], real)
    assert invented["invented_word_share"] == 1.0 and np.isnan(invented["real_word_js_bits"])


def test_js_divergence_is_zero_for_equal_distributions_and_known_for_two_words():
    assert js_divergence_bits([1, 3, 0], [2, 6, 0]) == pytest.approx(0.0, abs=1e-15)
    # P = (1/2, 1/2), Q = (1, 0), M = (3/4, 1/4): JS = 3/2 − (3/4) log2 3.
    assert js_divergence_bits([1, 1], [1, 0]) == pytest.approx(1.5 - 0.75 * log2(3))
    assert js_divergence_bits([1, 0], [1, 1]) == pytest.approx(1.5 - 0.75 * log2(3))
    assert js_divergence_bits([1, 0], [0, 1]) == pytest.approx(1.0)  # disjoint: the maximum


def test_expected_distinct_matches_drawing_every_subset_of_occurrences():
    counts = [3, 2, 1]
    occurrences = [0, 0, 0, 1, 1, 2]
    for m in range(1, 7):
        subsets = list(combinations(occurrences, m))
        assert len(subsets) == comb(6, m)
        exact = np.mean([len(set(subset)) for subset in subsets])
        assert expected_distinct(counts, m) == pytest.approx(exact, rel=1e-12)
    assert expected_distinct(counts, 10) == pytest.approx(3)  # more than the text: all of it


class Replay:
    """Writes real training blocks (or uniform noise): a stand-in for a perfect or broken LM."""

    conditional = False

    def __init__(self, world, noise=False):
        self.world, self.noise = world, noise

    def sample(self, n, *, rng, X=None):
        if self.noise:
            return Dataset.real(rng.integers(self.world.tokenizer.vocab_size,
                                             size=(n, self.world.block_size)))
        return self.world.sample(n, rng=rng)


@pytest.fixture(scope="module")
def world():
    return text_world("shakespeare", block_size=32, max_chars=100_000)


def test_real_blocks_score_as_real_text_and_noise_as_invented(world):
    metric = GeneratedText(n_sequences=400, n_kept=0, reference_order=2)
    real = metric.measure(Replay(world), world, MeasureContext(rng=np.random.default_rng(0)))
    noise = metric.measure(Replay(world, noise=True), world,
                           MeasureContext(rng=np.random.default_rng(0)))
    assert real["real_word_share"] == 1.0  # complete words of a real block are real words
    assert real["real_mass_common"] == pytest.approx(0.5, abs=0.06)
    assert real["real_mass_middle"] == pytest.approx(0.4, abs=0.06)
    assert real["real_mass_rare"] == pytest.approx(0.1, abs=0.03)
    assert 0.85 < real["real_vocabulary_covered_relative"] <= 1.0
    assert noise["invented_word_share"] > 0.5
    assert noise["real_vocabulary_covered_relative"] < real["real_vocabulary_covered_relative"] / 2
    for figures in (real, noise):
        classes = sum(figures[f"real_mass_{c}"] for c in ("common", "middle", "rare"))
        assert classes + figures["invented_word_share"] == pytest.approx(1.0)


def test_replace_at_temperature_one_loses_the_real_tails_while_the_vocabulary_grows(world):
    """A character 6-gram chain under replace writes ever more non-words (Shumailov et al.).

    The old counts mislead: the output's distinct words grow, as the user's
    corpus showed. Measured against the real text, the rare real words fall,
    invented words rise, the length-matched coverage falls and the
    divergence from the real word distribution rises — in every replicate.
    """
    metric = GeneratedText(n_sequences=1000, n_kept=0, reference_order=2)
    chain = Chain(world, NGramLM(order=6, temperature=1.0), Replace(), n_samples=6000,
                  n_generations=6, metrics=(metric,))
    frame = chain.run(n_replicates=4, seed=11)

    def first_and_last(name):
        rows = frame[frame.metric == name].pivot(index="replicate", columns="generation",
                                                  values="value").to_numpy()
        return rows[:, 0], rows[:, -1]

    first, last = first_and_last("real_mass_rare")
    assert (last < first).all()
    first, last = first_and_last("invented_word_share")
    assert (last > first + 0.05).all()
    first, last = first_and_last("real_vocabulary_covered_relative")
    assert (last < first).all()
    first, last = first_and_last("real_word_js_bits")
    assert (last > first).all()
    first, last = first_and_last("vocabulary_size")
    assert (last > first).all()
