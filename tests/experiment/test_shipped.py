"""Every experiment in experiments/ validates and runs at tiny size."""

import os
import shutil
from pathlib import Path

import pytest

from modelcollapse.experiment.backends import SerialBackend
from modelcollapse.experiment.runner import load, run_experiment
from modelcollapse.experiment.schema import load_experiment
from modelcollapse.experiment.units import plan

SHIPPED = sorted((Path(__file__).parents[2] / "experiments").glob("*.toml"))

# Smaller settings for experiments whose models train for a while each generation, so the
# tiny run takes seconds; the files themselves keep laptop-sized settings.
TRANSFORMER_TINY = ["samples=16", "world.block_size=16", "world.max_chars=20000",
                    "model.steps=2", "model.n_layer=1", "model.n_embd=16", "model.n_head=2",
                    "model.threads=1"]
CODE_TINY = ["samples=60", "world.max_units=200", "world.block_size=96", "model.temperature=1.0",
             "metrics=[{name = 'code', n_items = 20}, 'held_out_perplexity']"]
SMALLER = {
    "code-packages-lm": [*CODE_TINY[:3], "samples=12", "sweep.policy=['replace']",
                         "sweep.filters=[[{name = 'sandbox-tests'}]]",
                         "metrics=[{name = 'code', n_items = 10}]"],
    "code-web-scrape": CODE_TINY,
    "code-curation": CODE_TINY,
    "code-api-drift": CODE_TINY,
    "ngram-policies": ["samples=100"],
    "ngram-decoding": ["samples=100"],
    "ngram-long": ["samples=100"],
    "vae-digits": ["samples=100", "model.epochs=2"],
    "vae-fashion": ["samples=100", "model.epochs=1", "world.n_train=500", "world.n_held_out=200"],
    "staleness-text": ["samples=100", "world.max_chars=100000"],
    "transformer-policies": TRANSFORMER_TINY,
    "transformer-decoding": TRANSFORMER_TINY,
    "transformer-gpu": [*TRANSFORMER_TINY, "model.sample_batch_size=16"],
    "hf-tiny": ["samples=16", "world.block_size=16", "world.prompt_size=8",
                "world.max_chars=20000", "model.steps=2", "model.threads=1"],
}


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory):
    """What ``python -m modelcollapse.families.language.hf build-tiny`` writes, smaller."""
    from modelcollapse.families.language.hf import build_tiny_checkpoint
    from modelcollapse.text.corpora import load_corpus

    return build_tiny_checkpoint(tmp_path_factory.mktemp("hf") / "tiny-gpt2",
                                 load_corpus("shakespeare", 60_000).text, vocab_size=300)


def test_there_are_shipped_experiments():
    assert len(SHIPPED) >= 3


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_experiment_validates_and_runs_tiny(path, tmp_path, request):
    if "sandbox-tests" in path.read_text() and shutil.which("bwrap") is None:
        if os.environ.get("CI"):
            pytest.fail("bubblewrap is missing: CI installs it (apt-get install bubblewrap)")
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap)")
    local = []  # hf experiments name a checkpoint the user builds first: build one here
    if path.stem.startswith("hf-"):
        checkpoint = request.getfixturevalue("tiny_checkpoint")
        local = [f"world.tokenizer=hf:{checkpoint}", f"model.path={checkpoint}"]
    if 'device = "cuda"' in path.read_text() and not _cuda_available():
        local.append("model.device=cpu")  # written for a GPU; checked here on the CPU
    full = load_experiment(path, local)
    assert full.description, "every shipped experiment says what it shows"
    plan(full, str(path))
    tiny = load_experiment(path, [*local, "generations=3", "replicates=4",
                                  *SMALLER.get(path.stem, [])])
    run_experiment(tiny, tmp_path, backend=SerialBackend(), quiet=True)
    frame = load(tmp_path / tiny.name)
    assert frame.generation.max() == 3 and frame.replicate.nunique() == 4
