"""Text for language-model worlds: corpora, tokenizers, the block split, decoding."""
