"""The n-gram language model: smoothing against hand-written formulas, sampling, decoding."""

from collections import Counter, defaultdict
from itertools import pairwise

import numpy as np
import pytest

from modelcollapse import Chain
from modelcollapse.core.data import Dataset
from modelcollapse.core.model import DegenerateFitError
from modelcollapse.families.language.metrics import GeneratedText, HeldOutPerplexity
from modelcollapse.families.language.ngram import NGramLM
from modelcollapse.families.language.world import text_world
from modelcollapse.policies.training_sets import Accumulate, Replace
from tests.conftest import z_score

V = 6  # ids 4 and 5 never occur in the training data below: unknown to the model


def training_blocks(seed=0, n=40, B=12):
    rng = np.random.default_rng(seed)
    return rng.choice(4, size=(n, B), p=[0.5, 0.25, 0.15, 0.1]).astype(np.int64)


def fitted(smoothing="kneser-ney", order=3, **settings):
    model = NGramLM(order=order, smoothing=smoothing, vocab_size=V, **settings)
    return model.fit(Dataset.real(training_blocks()))


def every_history(order):
    if order == 1:
        return np.empty((1, 0), dtype=np.int64)
    symbols = np.arange(V + 1)  # V is the block start
    grids = np.meshgrid(*[symbols] * (order - 1), indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1)


def kneser_ney_by_hand(blocks, order, d, d0, vocab_size):
    """Textbook interpolated Kneser–Ney written with dictionaries, one position at a time."""
    start = vocab_size
    grams = [Counter() for _ in range(order + 1)]
    for block in blocks:
        padded = [start] * (order - 1) + list(block)
        for t in range(order - 1, len(padded)):
            for m in range(1, order + 1):
                grams[m][tuple(padded[t - m + 1:t + 1])] += 1
    weight = {order: grams[order]}
    for m in range(order - 1, 0, -1):  # continuation counts N1+(• g)
        weight[m] = Counter(g[1:] for g in grams[m + 1])

    def p(word, context):
        m = len(context) + 1
        table = weight[m]
        totals = defaultdict(float)
        types = Counter()
        for g, c in table.items():
            if g[:-1] == context:
                totals[context] += c
                types[context] += 1
        lower = 1 / vocab_size if m == 1 else p(word, context[1:])
        if not totals[context]:
            return lower
        disc = d if m > 1 else d0
        return (max(table.get((*context, word), 0) - disc, 0)
                + disc * types[context] * lower) / totals[context]

    return p


@pytest.mark.parametrize("smoothing", ["kneser-ney", "witten-bell", "laplace"])
@pytest.mark.parametrize("order", [1, 2, 3])
def test_probabilities_sum_to_one_over_the_vocabulary_for_every_context(smoothing, order):
    model = fitted(smoothing, order)
    table = model.probabilities(every_history(order))
    assert table.shape == ((V + 1) ** (order - 1), V)
    assert np.allclose(table.sum(axis=1), 1.0, atol=1e-12)
    assert (table[:, 4:] > 0).all()  # ids never seen keep some probability


def test_kneser_ney_matches_the_textbook_formula():
    blocks = training_blocks(1, n=15, B=10)
    model = NGramLM(order=3, discount=0.6, base_discount=0.3, vocab_size=V)
    model.fit(Dataset.real(blocks))
    by_hand = kneser_ney_by_hand(blocks, 3, 0.6, 0.3, V)
    histories = every_history(3)
    table = model.probabilities(histories)
    for row, (a, b) in enumerate(histories):
        for word in range(V):
            assert table[row, word] == pytest.approx(by_hand(word, (int(a), int(b))), rel=1e-12)


def test_laplace_is_add_one_on_the_highest_order():
    blocks = training_blocks(2)
    model = NGramLM(order=2, smoothing="laplace", vocab_size=V).fit(Dataset.real(blocks))
    pairs = Counter()
    for block in blocks:
        padded = [V, *block]
        pairs.update(pairwise(padded))
    table = model.probabilities(np.arange(V + 1)[:, None])
    for h in range(V + 1):
        total = sum(c for (a, _), c in pairs.items() if a == h)
        for w in range(V):
            assert table[h, w] == pytest.approx((pairs[(h, w)] + 1) / (total + V))


@pytest.mark.parametrize("smoothing", ["kneser-ney", "witten-bell", "laplace"])
def test_log_prob_agrees_with_the_next_token_tables(smoothing):
    model = fitted(smoothing, order=3)
    blocks = training_blocks(3, n=5, B=8)
    blocks[0, 3] = 5  # an id the model never saw, also as context further on
    scores = model.log_prob(blocks)
    padded = np.hstack([np.full((5, 2), V), blocks])
    for t in range(8):
        table = model.probabilities(padded[:, t:t + 2])
        assert np.allclose(scores[:, t], np.log(table[np.arange(5), blocks[:, t]]))
    assert np.isfinite(scores).all()


def test_unknown_ids_get_zero_probability_only_without_a_base_discount():
    blocks = np.array([[0, 1, 5, 2]])
    assert np.isfinite(fitted(base_discount=0.5).log_prob(blocks)).all()
    assert np.isneginf(fitted(base_discount=0.0).log_prob(blocks)[0, 2])


def test_ids_outside_the_vocabulary_name_the_mismatch():
    with pytest.raises(ValueError, match="tokenizer and the model disagree"):
        fitted().log_prob(np.array([[0, 6]]))
    with pytest.raises(ValueError, match="lower the order"):
        NGramLM(order=5, vocab_size=100_000)


def test_empty_training_set_is_a_degenerate_fit():
    with pytest.raises(DegenerateFitError):
        NGramLM(vocab_size=V).fit(Dataset.real(np.empty((0, 4), dtype=np.int64)))


@pytest.mark.parametrize("smoothing", ["kneser-ney", "witten-bell", "laplace"])
def test_batched_sampler_draws_from_the_model_distribution(smoothing):
    model = fitted(smoothing, order=3)
    histories = np.array([[V, V], [0, 1], [3, 3], [5, 4]])  # start, seen, rare, unseen
    n = 20_000
    rng = np.random.default_rng(4)
    for history in histories:
        drawn = model._draw(np.tile(history, (n, 1)), rng)
        p = model.probabilities(history[None])[0]
        frequency = np.bincount(drawn, minlength=V) / n
        se = np.sqrt(p * (1 - p) / n) + 1e-12
        assert np.max(np.abs(frequency - p) / se) < 5


def test_decoded_sampling_follows_the_decoding_distribution():
    model = fitted(temperature=0.5, top_k=3)
    history = np.array([[0, 1]])
    n = 20_000
    seen = np.zeros((n, V), dtype=bool)
    q = model._decoded(history, seen[:1])[0]
    assert np.count_nonzero(q) == 3
    drawn = model.generate(np.tile([0, 1], (n, 1)), rng=np.random.default_rng(5), length=1)
    frequency = np.bincount(drawn[:, 0], minlength=V) / n
    assert np.max(np.abs(frequency - q) / (np.sqrt(q * (1 - q) / n) + 1e-12)) < 5


def test_greedy_decoding_picks_the_most_probable_token():
    model = fitted(top_k=1)
    out = model.generate(np.empty((3, 0), dtype=np.int64), rng=np.random.default_rng(0),
                         length=6)
    history = np.full((3, 2), V)
    for t in range(6):
        assert (out[:, t] == model.probabilities(history).argmax(axis=1)).all()
        history = np.hstack([history[:, 1:], out[:, t:t + 1]])


def test_beam_search_finds_blocks_at_least_as_likely_as_greedy():
    greedy = fitted(top_k=1, block_size=10)
    beam = fitted(beams=4, block_size=10)
    rng = np.random.default_rng(0)
    g = greedy.sample(1, rng=rng).X
    b = beam.sample(1, rng=rng).X
    assert beam.log_prob(b).sum() >= greedy.log_prob(g).sum() - 1e-9
    assert np.array_equal(beam.sample(1, rng=rng).X, b)  # deterministic


def test_repetition_penalty_discourages_seen_tokens():
    plain = fitted(block_size=12)
    penalised = fitted(block_size=12, repetition_penalty=3.0)
    rng = np.random.default_rng(1)
    plain_distinct, penalised_distinct = (
        np.array([len(set(row)) for row in m.sample(1000, rng=rng).X], dtype=float)
        for m in (plain, penalised))
    assert z_score(penalised_distinct, plain_distinct) > 5


def test_conditional_model_continues_its_prompts():
    cycle = np.tile(np.arange(4), 30).reshape(10, 12)  # 0 1 2 3 0 1 2 3 …
    model = NGramLM(order=2, vocab_size=V, top_k=1, conditional=True, block_size=5)
    model.fit(Dataset.real(cycle))
    prompts = np.array([[3, 0, 1], [1, 2, 3]])
    out = model.sample(2, rng=np.random.default_rng(0), X=prompts).X
    assert out.tolist() == [[2, 3, 0, 1, 2], [0, 1, 2, 3, 0]]
    with pytest.raises(ValueError, match="draw_inputs"):
        model.sample(2, rng=np.random.default_rng(0))


def test_fit_is_repeatable_and_clone_is_unfitted():
    a, b = fitted(), fitted()
    assert np.array_equal(a.log_prob(training_blocks(9)), b.log_prob(training_blocks(9)))
    assert a.clone().levels_ == [] and a.clone().vocab_size == V


@pytest.mark.parametrize(("setting", "message"), [
    ({"smoothing": "good-turing"}, "unknown smoothing"), ({"discount": 1.5}, "discount"),
    ({"top_p": 0.0}, "top_p"), ({"beams": 0}, "beams"), ({"temperature": -1}, "temperature"),
    ({"repetition_penalty": 0.0}, "repetition_penalty"), ({"order": 0}, "order"),
    ({"beams": 2, "temperature": 0.7}, "beam search is deterministic"),
])
def test_impossible_settings_are_refused(setting, message):
    with pytest.raises(ValueError, match=message):
        NGramLM(**setting)


# --- The shape of collapse (docs/foundations.md §4), fixed seeds, several replicates ------------

@pytest.fixture(scope="module")
def world():
    return text_world("shakespeare", block_size=32, max_chars=200_000)


def per_generation(frame, metric):
    rows = frame[frame.metric == metric]
    return rows.pivot(index="replicate", columns="generation", values="value").to_numpy()


def run(world, policy, metrics, generations=5, **settings):
    chain = Chain(world, NGramLM(order=4, **settings), policy, n_samples=300,
                  n_generations=generations, metrics=metrics)
    return chain.run(n_replicates=4, seed=11)


def test_replace_degrades_held_out_perplexity_and_accumulate_degrades_less(world):
    replace = per_generation(run(world, Replace(), (HeldOutPerplexity(),)),
                             "held_out_perplexity")
    accumulate = per_generation(run(world, Accumulate(), (HeldOutPerplexity(),)),
                                "held_out_perplexity")
    assert (np.diff(replace, axis=1) > 0).all()  # every replicate, every generation
    rise_replace = replace[:, -1] - replace[:, 0]
    rise_accumulate = accumulate[:, -1] - accumulate[:, 0]
    se = np.sqrt(rise_replace.var(ddof=1) / 4 + rise_accumulate.var(ddof=1) / 4)
    assert rise_replace.mean() - rise_accumulate.mean() > 4 * se
    assert rise_accumulate.mean() < 0.6 * rise_replace.mean()


def test_lower_temperature_shrinks_the_output_vocabulary_faster(world):
    metric = (GeneratedText(n_sequences=100),)
    ratio = {}
    for temperature in (1.0, 0.7):
        vocabulary = per_generation(run(world, Replace(), metric, generations=4,
                                        temperature=temperature), "vocabulary_size")
        ratio[temperature] = vocabulary[:, -1] / vocabulary[:, 0]
    se = np.sqrt(ratio[1.0].var(ddof=1) / 4 + ratio[0.7].var(ddof=1) / 4)
    assert ratio[1.0].mean() - ratio[0.7].mean() > 4 * se
    assert ratio[0.7].mean() < 0.7



def test_temperature_zero_is_greedy_and_top_k_zero_is_off():
    """The keys mean what they mean for the transformer and hf models (one Decoding)."""
    from modelcollapse.text.decoding import decoding_distribution

    table = fitted().probabilities(training_blocks(3)[:, :2])
    greedy = decoding_distribution(table, temperature=0)
    assert (greedy.sum(axis=1) == 1).all() and (greedy.max(axis=1) == 1).all()
    assert (greedy.argmax(axis=1) == table.argmax(axis=1)).all()
    np.testing.assert_allclose(decoding_distribution(table, top_k=0),
                               table / table.sum(axis=1, keepdims=True))
    written = fitted(temperature=0).sample(3, rng=np.random.default_rng(0))
    again = fitted(temperature=0).sample(3, rng=np.random.default_rng(1))
    assert np.array_equal(written.X, again.X)  # greedy ignores the stream


def test_what_the_model_writes_is_marked_model_written():
    written = fitted().sample(5, rng=np.random.default_rng(0))
    assert (written.origin > 0).all()
