"""Local Hugging Face checkpoints: fine-tuned afresh, offline, on their own tokenizer."""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from modelcollapse.core.data import Dataset  # noqa: E402
from modelcollapse.core.errors import UsageError  # noqa: E402
from modelcollapse.experiment.backends import SerialBackend  # noqa: E402
from modelcollapse.experiment.runner import load, run_experiment  # noqa: E402
from modelcollapse.experiment.schema import load_experiment  # noqa: E402
from modelcollapse.families.language.hf import HFCausalLM, build_tiny_checkpoint  # noqa: E402
from modelcollapse.families.language.world import text_world  # noqa: E402
from modelcollapse.neural.runtime import DivergedError  # noqa: E402
from modelcollapse.text.corpora import load_corpus  # noqa: E402

EXPERIMENT = Path(__file__).parents[3] / "experiments" / "hf-tiny.toml"
FAST = dict(learning_rate=3e-3, batch_size=32, threads=1)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    text = load_corpus("shakespeare", 60_000).text
    return build_tiny_checkpoint(tmp_path_factory.mktemp("hf") / "tiny", text, vocab_size=300)


@pytest.fixture(scope="module")
def world(checkpoint):
    return text_world("shakespeare", f"hf:{checkpoint}", block_size=16, prompt_size=8,
                      max_chars=60_000)


@pytest.fixture(scope="module")
def fitted(checkpoint, world):
    model = HFCausalLM(str(checkpoint), steps=60, **FAST).for_world(world)
    rng = np.random.default_rng(0)
    return model.fit(world.sample(512, rng=rng), rng=rng)


def perplexity(model, blocks):
    return float(np.exp(-model.log_prob(blocks).mean()))


def test_fine_tuning_lowers_held_out_perplexity(checkpoint, world, fitted):
    start = HFCausalLM(str(checkpoint), **FAST).for_world(world)
    before, after = perplexity(start, world.held_out), perplexity(fitted, world.held_out)
    assert after < 0.4 * before, (before, after)
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_every_generation_starts_from_the_checkpoint_on_disk(checkpoint, world, fitted):
    from safetensors.torch import load_file

    on_disk = load_file(checkpoint / "model.safetensors")
    template = HFCausalLM(str(checkpoint), steps=1, **{**FAST, "learning_rate": 1e-9})
    template = template.for_world(world)
    rng = np.random.default_rng(1)
    first = template.clone().fit(world.sample(64, rng=rng), rng=rng)
    first.net_.transformer.wte.weight.data.add_(1.0)  # whatever generation 1 did to its copy
    second = template.clone().fit(Dataset.synthetic(world.sample(64, rng=rng).X, None, 1),
                                  rng=rng)
    weight = second.net_.state_dict()["transformer.wte.weight"]
    assert torch.allclose(weight, on_disk["transformer.wte.weight"], atol=1e-6)


def test_greedy_cached_writing_matches_full_forward_passes(world, fitted):
    greedy = HFCausalLM(fitted.path, temperature=0.0, **FAST).for_world(world)
    greedy.net_ = fitted.net_
    prompts = world.draw_inputs(6, rng=np.random.default_rng(2))
    written = greedy.sample(6, rng=np.random.default_rng(3), X=prompts).X
    assert written.shape == (6, world.block_size)
    context = np.concatenate([np.full((6, 1), fitted.bos_id), prompts, written[:, :-1]], axis=1)
    with torch.no_grad():
        logits = fitted.net_(input_ids=torch.as_tensor(context)).logits[:, :, :fitted.vocab_size]
    expected = logits[:, prompts.shape[1]:].argmax(dim=-1).numpy()
    np.testing.assert_array_equal(written, expected)


def test_sampling_reproduces_and_beam_search_runs(world, fitted):
    prompts = world.draw_inputs(8, rng=np.random.default_rng(4))
    a = fitted.sample(8, rng=np.random.default_rng(5), X=prompts).X
    b = fitted.sample(8, rng=np.random.default_rng(5), X=prompts).X
    c = fitted.sample(8, rng=np.random.default_rng(6), X=prompts).X
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.min() >= 0 and a.max() < world.tokenizer.vocab_size
    beams = HFCausalLM(fitted.path, beams=3, **FAST).for_world(world)
    beams.net_ = fitted.net_
    best = beams.sample(8, rng=np.random.default_rng(5), X=prompts).X
    greedy = HFCausalLM(fitted.path, temperature=0.0, **FAST).for_world(world)
    greedy.net_ = fitted.net_
    plain = greedy.sample(8, rng=np.random.default_rng(5), X=prompts).X
    # Beam search finds continuations at least as likely as greedy's (here, for most prompts).
    def score(blocks):
        context = np.concatenate([np.full((8, 1), fitted.bos_id), prompts, blocks[:, :-1]], 1)
        with torch.no_grad():
            logits = fitted.net_(input_ids=torch.as_tensor(context)).logits
        log_p = torch.log_softmax(logits[:, prompts.shape[1]:, :fitted.vocab_size].double(), -1)
        return log_p.gather(2, torch.as_tensor(blocks).unsqueeze(2)).sum(dim=(1, 2)).numpy()
    assert np.mean(score(best) >= score(plain) - 1e-6) >= 0.75


def test_nan_loss_raises_diverged(checkpoint, world):
    model = HFCausalLM(str(checkpoint), steps=20, **{**FAST, "learning_rate": 1e30})
    model = model.for_world(world)
    rng = np.random.default_rng(0)
    with pytest.raises(DivergedError) as failure:
        model.fit(world.sample(64, rng=rng), rng=rng)
    assert failure.value.status == "diverged"


def test_a_world_with_another_tokenizer_is_refused_with_the_fix(checkpoint):
    char_world = text_world("shakespeare", "char", block_size=16, max_chars=60_000)
    with pytest.raises(UsageError, match=f'tokenizer = "hf:{checkpoint}"'):
        HFCausalLM(str(checkpoint)).for_world(char_world)


def test_bad_checkpoints_are_refused_by_path(checkpoint, world, tmp_path):
    with pytest.raises(UsageError, match=r"not a folder.*build-tiny"):
        HFCausalLM(str(tmp_path / "missing")).for_world(world)
    pickled = tmp_path / "pickled"
    shutil.copytree(checkpoint, pickled)
    (pickled / "model.safetensors").unlink()
    with pytest.raises(UsageError, match=r"no \.safetensors weights"):
        HFCausalLM(str(pickled)).for_world(world)
    encoder = tmp_path / "encoder"
    shutil.copytree(checkpoint, encoder)
    config = json.loads((encoder / "config.json").read_text())
    (encoder / "config.json").write_text(json.dumps({**config, "architectures": ["GPT2Model"]}))
    with pytest.raises(UsageError, match="not a causal language model"):
        HFCausalLM(str(encoder)).for_world(world)
    short = tmp_path / "short"
    shutil.copytree(checkpoint, short)
    (short / "config.json").write_text(json.dumps({**config, "n_positions": 20}))
    with pytest.raises(UsageError, match="reads 20 positions"):
        HFCausalLM(str(short)).for_world(world)
    with pytest.raises(UsageError, match="needs path="):
        HFCausalLM()


def test_the_shipped_experiment_runs_on_a_local_checkpoint(checkpoint, tmp_path):
    tiny = load_experiment(EXPERIMENT, [
        f"world.tokenizer=hf:{checkpoint}", f"model.path={checkpoint}", "world.block_size=16",
        "world.prompt_size=8", "world.max_chars=60000", "generations=2", "replicates=1",
        "samples=32", "model.steps=3", "model.threads=1", "metrics=['held_out_perplexity']"])
    run_experiment(tiny, tmp_path, backend=SerialBackend(), quiet=True)
    frame = load(tmp_path / tiny.name)
    assert set(frame.status) == {"ok"} and frame.generation.max() == 2
    assert frame.policy.nunique() == 2 and np.isfinite(frame.value).all()


def test_the_world_tokenizes_text_as_the_checkpoint_does(checkpoint, world):
    from transformers import AutoTokenizer

    theirs = AutoTokenizer.from_pretrained(str(checkpoint), local_files_only=True)
    text = "To be, or not to be:\n    that is\n\nthe question.\n"
    assert world.tokenizer.encode(text).tolist() == theirs(text)["input_ids"]

