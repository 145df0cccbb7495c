"""The transformer LM: it learns, its cache changes nothing, its decoding does what it says."""

from itertools import product

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from modelcollapse import Chain  # noqa: E402
from modelcollapse.core.data import Dataset  # noqa: E402
from modelcollapse.core.rng import SeedTree  # noqa: E402
from modelcollapse.families.language.transformer import TransformerLM, Writer  # noqa: E402
from modelcollapse.families.language.world import text_world  # noqa: E402
from modelcollapse.neural.decoding import Decoding, generate  # noqa: E402
from modelcollapse.neural.runtime import torch_generator  # noqa: E402
from modelcollapse.policies.training_sets import Replace  # noqa: E402

SMALL = dict(n_layer=2, n_head=4, n_embd=64, batch_size=32, learning_rate=3e-3, threads=1)


@pytest.fixture(scope="module")
def world():
    return text_world("shakespeare", "char", block_size=16, max_chars=100_000)


@pytest.fixture(scope="module")
def fitted(world):
    model = TransformerLM(steps=200, **SMALL).for_world(world)
    rng = np.random.default_rng(0)
    return model.clone().fit(world.sample(2000, rng=rng), rng=rng)


def unigram_entropy(blocks: np.ndarray, vocab_size: int) -> float:
    counts = np.bincount(blocks.ravel(), minlength=vocab_size)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def test_learns_well_below_uniform_and_unigram(world, fitted):
    loss = -fitted.log_prob(world.held_out).mean()
    uniform = np.log(world.tokenizer.vocab_size)
    # A model that ignored the context could do no better than the unigram entropy.
    unigram = unigram_entropy(world.train, world.tokenizer.vocab_size)
    assert loss < 0.65 * uniform, (loss, uniform)
    assert loss < unigram - 0.4, (loss, unigram)


def test_log_prob_is_a_distribution_over_each_position(fitted):
    # Summing exp(log_prob) over every possible token at position 0 gives 1.
    V = fitted.vocab_size
    candidates = np.zeros((V, fitted.block_size), dtype=np.int64)
    candidates[:, 0] = np.arange(V)
    first = np.exp(fitted.log_prob(candidates)[:, 0])
    assert first.sum() == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("conditional, decoding", [
    (False, {}), (True, {}), (True, {"top_k": 5, "repetition_penalty": 1.3}),
    (False, {"top_p": 0.8}), (True, {"beams": 3}),
])
def test_cache_writes_exactly_the_uncached_tokens(world, fitted, conditional, decoding):
    # Prompted writing of B tokens after a B-token prompt slides the window twice.
    prompts = world.draw_inputs(24, rng=np.random.default_rng(5)) if conditional else None
    blocks = {}
    for cache in (True, False):
        settings = dict(cache=cache, conditional=conditional, **decoding)
        writer = TransformerLM(**{**SMALL, **settings}).for_world(world)
        writer.net_ = fitted.net_
        blocks[cache] = writer.sample(24, rng=np.random.default_rng(7), X=prompts).X
    np.testing.assert_array_equal(blocks[True], blocks[False])
    assert blocks[True].shape == (24, world.block_size)


def test_seeds_reproduce_bit_for_bit(world):
    def run(seed):
        model = TransformerLM(steps=15, **SMALL).for_world(world)
        rng = np.random.default_rng(seed)
        fitted = model.fit(world.sample(256, rng=rng), rng=rng)
        return fitted, fitted.sample(8, rng=rng).X

    (a, blocks_a), (b, blocks_b), (_, blocks_c) = run(1), run(1), run(2)
    for name, value in a.net_.state_dict().items():
        assert torch.equal(value, b.net_.state_dict()[name]), name
    np.testing.assert_array_equal(blocks_a, blocks_b)
    assert not np.array_equal(blocks_a, blocks_c)


def full_logits(model, blocks: np.ndarray) -> np.ndarray:
    """Logits of every position of unconditional blocks, shape (n, B, V)."""
    idx = torch.as_tensor(np.concatenate(
        [np.full((len(blocks), 1), model.vocab_size), blocks[:, :-1]], axis=1))
    with torch.no_grad():
        return model.net_(idx)[0].numpy()


def written(world, fitted, n=64, **decoding):
    model = TransformerLM(**SMALL, **decoding).for_world(world)
    model.net_ = fitted.net_
    return model, model.sample(n, rng=np.random.default_rng(3)).X


def test_temperature_zero_is_greedy_and_small_temperatures_approach_it(world, fitted):
    model, greedy = written(world, fitted, temperature=0.0)
    np.testing.assert_array_equal(greedy, full_logits(model, greedy).argmax(axis=-1))
    _, cold = written(world, fitted, temperature=1e-4)
    np.testing.assert_array_equal(cold, greedy)


def test_lower_temperature_writes_fewer_distinct_tokens(world, fitted):
    _, warm = written(world, fitted, n=200, temperature=1.0)
    _, cool = written(world, fitted, n=200, temperature=0.5)
    distinct = [len(np.unique(block)) for block in (warm, cool)]
    assert distinct[1] < distinct[0]
    assert np.mean([len(set(b)) for b in cool]) < np.mean([len(set(b)) for b in warm]) - 0.5


def test_top_k_never_leaves_the_k_best(world, fitted):
    model, blocks = written(world, fitted, n=100, top_k=3)
    logits = full_logits(model, blocks)
    chosen = np.take_along_axis(logits, blocks[..., None], axis=-1)[..., 0]
    third = np.sort(logits, axis=-1)[..., -3]
    assert np.all(chosen >= third - 1e-5)
    _, free = written(world, fitted, n=100)
    free_logits = full_logits(model, free)
    free_chosen = np.take_along_axis(free_logits, free[..., None], axis=-1)[..., 0]
    assert np.any(free_chosen < np.sort(free_logits, axis=-1)[..., -3])  # the check can fail


def test_top_p_stays_inside_the_nucleus(world, fitted):
    model, blocks = written(world, fitted, n=100, top_p=0.6)
    logits = torch.as_tensor(full_logits(model, blocks))
    p = torch.softmax(logits, dim=-1).numpy()
    chosen = np.take_along_axis(p, blocks[..., None], axis=-1)
    # Mass of tokens strictly more likely than the chosen one is below top_p.
    above = np.where(p > chosen, p, 0.0).sum(axis=-1)
    assert np.all(above < 0.6 + 1e-5)
    assert np.mean(above > 0) > 0.1  # not greedy in disguise


def test_repetition_penalty_repeats_less(world, fitted):
    _, plain = written(world, fitted, n=200)
    _, penalised = written(world, fitted, n=200, repetition_penalty=3.0)
    repeats = [np.mean([len(b) - len(set(b)) for b in blocks]) for blocks in (plain, penalised)]
    assert repeats[1] < repeats[0] - 1.0, repeats


def test_beam_search_with_every_token_finds_the_best_continuation(world, fitted):
    V = fitted.vocab_size
    prompts = torch.as_tensor(world.draw_inputs(2, rng=np.random.default_rng(0))[:, -6:])
    writer = Writer(fitted.net_, cached=True, autocast=False)
    best = generate(writer, prompts, 2, V, Decoding(beams=V), torch_generator(
        np.random.default_rng(0))).numpy()
    for prompt, found in zip(prompts, best, strict=True):
        pairs = np.array(list(product(range(V), repeat=2)))
        start = torch.full((len(pairs), 1), V)
        context = torch.cat([start, prompt.expand(len(pairs), -1),
                             torch.as_tensor(pairs[:, :1])], dim=1)
        with torch.no_grad():
            log_p = torch.log_softmax(fitted.net_(context)[0].double(), dim=-1)
        score = (log_p[:, -2].gather(1, torch.as_tensor(pairs[:, :1])).squeeze(1)
                 + log_p[:, -1].gather(1, torch.as_tensor(pairs[:, 1:])).squeeze(1))
        np.testing.assert_array_equal(found, pairs[int(score.argmax())])


def test_generation_1_init_starts_later_generations_from_its_weights(world):
    template = TransformerLM(steps=10, init="generation-1", **SMALL).for_world(world)
    assert template.needs_lineage and not TransformerLM(**SMALL).needs_lineage
    rng = np.random.default_rng(0)
    first = template.clone().fit(world.sample(128, rng=rng), rng=rng, generation=1, first=None)
    synthetic = Dataset.synthetic(world.sample(128, rng=rng).X, None, 1)
    nudged = template.clone()
    nudged.learning_rate, nudged.steps = 1e-7, 1
    continued = nudged.fit(synthetic, rng=rng, generation=2, first=first)
    scratch = nudged.clone().fit(synthetic, rng=rng, generation=2, first=None)
    weight = "wte.weight"
    start = first.net_.state_dict()[weight]
    assert torch.allclose(continued.net_.state_dict()[weight], start, atol=1e-5)
    assert not torch.allclose(scratch.net_.state_dict()[weight], start, atol=1e-3)
    assert continued.net_.wte.weight.data_ptr() != first.net_.wte.weight.data_ptr()
    frame = Chain(world, template, Replace(), n_samples=64, n_generations=2,
                  metrics=(TrainLoss(),)).run(n_replicates=1, seed=0)
    assert list(frame.status) == ["ok", "ok"] and frame.value.notna().all()


class TrainLoss:
    """The smallest metric: the model's own training loss."""

    def names(self, model):
        return ("train_loss",)

    def applies(self, model, world):
        return True

    def measure(self, model, world, context):
        return {"train_loss": model.train_loss_}


def test_nan_loss_is_recorded_as_diverged_and_the_run_goes_on(world):
    model = TransformerLM(steps=30, **{**SMALL, "learning_rate": 1e30})
    chain = Chain(world, model, Replace(), n_samples=64, n_generations=2,
                  metrics=(TrainLoss(),))
    rows = chain._run_replicate(SeedTree(0), 0)
    assert len(rows) == 2 and {status for *_, status in rows} == {"diverged"}
    frame = chain.run(n_replicates=2, seed=0)
    assert len(frame) == 4 and set(frame.replicate) == {0, 1}
    assert frame.value.isna().all() and set(frame.status) == {"diverged"}


def test_settings_and_worlds_are_checked():
    with pytest.raises(ValueError, match="multiple of n_head"):
        TransformerLM(n_embd=30, n_head=4)
    with pytest.raises(ValueError, match="beam search is deterministic"):
        TransformerLM(beams=3, temperature=0.7)
    with pytest.raises(ValueError, match="top_p"):
        TransformerLM(top_p=1.5)
    with pytest.raises(ValueError, match="init"):
        TransformerLM(init="generation-2")


def test_cuda_where_there_is_none_names_the_fix(world):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ValueError, match=r"no CUDA GPU.*device = 'cpu'"):
        TransformerLM(device="cuda").for_world(world)


def test_saved_weights_are_safetensors(world, fitted, tmp_path):
    from safetensors.torch import load_file

    fitted.save(tmp_path / "gen1")
    state = load_file(tmp_path / "gen1" / "model.safetensors")
    for name, value in fitted.net_.state_dict().items():
        assert torch.equal(state[name], value)
    assert '"init": "scratch"' in (tmp_path / "gen1" / "config.json").read_text()


def test_experiment_files_build_it_with_the_text_metrics(world):
    from modelcollapse.experiment.schema import parse_experiment
    from modelcollapse.experiment.sweep import build_chain

    chain = build_chain(parse_experiment({
        "name": "tiny", "world": {"name": "shakespeare", "block_size": 16, "max_chars": 100_000},
        "model": {"name": "transformer", "n_embd": 32, "n_head": 2, "top_k": 0}}))
    assert isinstance(chain.model, TransformerLM)
    assert chain.model.vocab_size == world.tokenizer.vocab_size
    assert [m.name for m in chain.metrics] == ["held_out_perplexity", "generated_text"]


def test_nothing_to_train_on_ends_the_replicate_not_the_run(world):
    from modelcollapse.core.data import Dataset
    from modelcollapse.core.model import DegenerateFitError

    model = TransformerLM(steps=2, **SMALL).for_world(world)
    empty = Dataset.real(np.zeros((0, world.block_size), dtype=np.int64))
    with pytest.raises(DegenerateFitError, match="no training blocks"):
        model.fit(empty, rng=np.random.default_rng(0))


def test_building_and_training_leave_torchs_global_stream_alone(world):
    import torch

    before = torch.random.get_rng_state()
    model = TransformerLM(steps=2, **SMALL).for_world(world)
    rng = np.random.default_rng(0)
    model.fit(world.sample(64, rng=rng), rng=rng).sample(2, rng=rng)
    assert torch.equal(before, torch.random.get_rng_state())


@pytest.mark.parametrize("n_items, batch_size", [(10, 3), (10, 5), (4, 6)])
def test_minibatches_walk_one_permutation_per_epoch_across_copies(monkeypatch, n_items,
                                                                  batch_size):
    """Epochs drawn up front and sent in several copies give the batches of one epoch at a time."""
    import torch

    from modelcollapse.families.language.transformer import Minibatches

    monkeypatch.setattr(Minibatches, "CHUNK", 2 * n_items)  # two epochs per copy
    n_steps = 11
    batches = Minibatches(n_items, batch_size, np.random.default_rng(5), torch.device("cpu"),
                          n_steps)
    drawn = [batches.next().tolist() for _ in range(n_steps)]
    reference, rng = [], np.random.default_rng(5)
    while len(reference) < n_steps:
        order = rng.permutation(n_items).tolist()
        for first in range(0, max(1, n_items // batch_size) * batch_size, batch_size):
            reference.append(order[first:first + batch_size])
    assert drawn == reference[:n_steps]
    assert batches.rng.random() == rng.random()  # no permutation drawn that no step used
