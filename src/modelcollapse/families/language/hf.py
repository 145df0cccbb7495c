"""A local Hugging Face causal LM, fine-tuned from the same checkpoint every generation.

Shumailov et al. (Nature 2024) fine-tune OPT-125m on wikitext-2: each
generation starts again from the pretrained checkpoint, trains on the blocks
of B tokens the previous generation wrote, then writes the next training set
by continuing real prompt blocks by B tokens. :class:`HFCausalLM` does that
with any causal-LM checkpoint folder on disk:

- nothing is downloaded: ``HF_HUB_OFFLINE=1``, ``local_files_only=True``,
  ``trust_remote_code=False``, and weights only from safetensors files;
- the world must use the checkpoint's own tokenizer (``tokenizer = "hf:PATH"``
  in the world's table), which :meth:`HFCausalLM.for_world` checks;
- blocks are read after the checkpoint's BOS token (GPT-2's is its EOS), so
  the first token of a block is scored given BOS alone;
- fine-tuning runs with dropout off: torch's dropout draws from its global
  generator, and every random number here comes from the chain's streams.

``python -m modelcollapse.families.language.hf build-tiny PATH`` writes a tiny GPT-2-shaped
checkpoint, with a byte-level BPE tokenizer trained on a local corpus, for
tests and the ``hf-tiny`` experiment.
"""

from __future__ import annotations

import argparse
import copy
import inspect
import json
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from modelcollapse.core.data import Dataset
from modelcollapse.core.errors import UsageError
from modelcollapse.core.model import NOT_A_SETTING, DegenerateFitError, Model
from modelcollapse.families.language.transformer import shifted_inputs, train
from modelcollapse.neural.decoding import Decoding, generate
from modelcollapse.neural.runtime import (
    check_schedule,
    cpu_threads,
    resolve_device,
    to_numpy,
    torch_generator,
)

# Nothing is ever fetched: set before transformers or huggingface_hub is first imported, which
# read it once (local_files_only=True below covers a hub imported earlier by someone else).
os.environ["HF_HUB_OFFLINE"] = "1"

__all__ = ["HFCausalLM", "build_tiny_checkpoint", "read_checkpoint_config"]

_PROBE = "Shall I compare thee to a summer's day?\ndef f(x):\n    return x ** 2  # 1,234.5!\n\n"
"""Text both tokenizers must split into the same ids for the world to fit the checkpoint."""


def _transformers():
    """Import transformers (the hub is switched off when this module is imported)."""
    import transformers

    transformers.logging.disable_progress_bar()  # bars per load and save would flood CI logs
    return transformers


def read_checkpoint_config(path: str | Path) -> dict:
    """The ``config.json`` of a causal-LM checkpoint folder, checked without loading weights.

    Raises
    ------
    UsageError
        If the folder, its config, its safetensors weights or its tokenizer is
        missing, or the checkpoint is not a causal language model.
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise UsageError(f"hf checkpoint {str(path)!r} is not a folder; point path= at a local "
                         "checkpoint (python -m modelcollapse.families.language.hf build-tiny "
                         "PATH makes a tiny one)")
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(f"hf checkpoint {str(path)!r}: no readable config.json ({error}); "
                         "save the model with save_pretrained") from None
    architectures = config.get("architectures") or []
    if not any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in architectures):
        raise UsageError(f"hf checkpoint {str(path)!r} is not a causal language model "
                         f"(architectures {architectures}); use a *ForCausalLM or *LMHeadModel "
                         "checkpoint")
    if not any(folder.glob("*.safetensors")):
        raise UsageError(f"hf checkpoint {str(path)!r} has no .safetensors weights (pickled "
                         "weights are never loaded); re-save it with "
                         "save_pretrained(path, safe_serialization=True)")
    if not (folder / "tokenizer.json").is_file():
        raise UsageError(f"hf checkpoint {str(path)!r} has no tokenizer.json; save its fast "
                         "tokenizer beside it (tokenizer.save_pretrained(path))")
    return config


def _context_length(config: dict) -> int | None:
    for key in ("n_positions", "max_position_embeddings", "n_ctx"):
        if isinstance(config.get(key), int):
            return config[key]
    return None


class _HFWriter:
    """Steps a transformers causal LM through a batch with its own KV cache (a Stepper)."""

    def __init__(self, net, bos_id: int, vocab_size: int):
        self.net = net
        self.bos_id = bos_id
        self.vocab_size = vocab_size
        # transformers 5 calls the cache ``cache``; earlier versions ``past_key_values``.
        self.cache_name = "cache" if "cache" in inspect.signature(net.forward).parameters \
            else "past_key_values"

    def _next(self, ids: torch.Tensor) -> torch.Tensor:
        out = self.net(input_ids=ids, use_cache=True, **{self.cache_name: self.past})
        self.past = out[self.cache_name]
        return out.logits[:, -1, :self.vocab_size].float()  # ids the world's tokenizer knows

    def start(self, prompt: torch.Tensor) -> torch.Tensor:
        self.past = None
        bos = torch.full_like(prompt[:, :1], self.bos_id) if prompt.shape[1] else \
            torch.full((prompt.shape[0], 1), self.bos_id, device=prompt.device)
        return self._next(torch.cat([bos, prompt], dim=1))

    def advance(self, token: torch.Tensor) -> torch.Tensor:
        return self._next(token.unsqueeze(1))

    def reorder(self, index: torch.Tensor) -> None:
        self.past.reorder_cache(index)


@dataclass
class HFCausalLM(Model):
    """A local causal-LM checkpoint, fine-tuned afresh from ``path`` every generation.

    Parameters
    ----------
    path : str
        Folder of a causal-LM checkpoint (``config.json``, ``*.safetensors``,
        ``tokenizer.json``).
    learning_rate : float, default 5e-4
        AdamW's peak rate (5% warm-up, cosine decay to a tenth).
    weight_decay : float, default 0.0
    steps : int or None, default 100
        Optimiser steps per generation; or set ``epochs``.
    epochs : float or None, default None
        Passes over the training set per generation; overrides ``steps``.
    batch_size : int, default 16
    conditional : bool, default True
        True (Shumailov's setting): continue real prompts by B tokens. False:
        write blocks after BOS alone.
    temperature, top_k, top_p, repetition_penalty, beams
        Decoding (:class:`~modelcollapse.neural.decoding.Decoding`);
        Shumailov et al. used 5-way beam search (``beams = 5``).
    device : {"cpu", "cuda", "cuda:N", "auto"}, default "cpu"
        CUDA trains and writes under bfloat16 autocast.
    sample_batch_size : int, default 64
    threads : int or None, default None
        CPU threads torch may use (``None`` leaves torch's setting).

    Attributes
    ----------
    net_ : transformers.PreTrainedModel
        The fine-tuned model.
    train_loss_ : float
    """

    path: str = ""
    learning_rate: float = 5e-4
    weight_decay: float = 0.0
    steps: int | None = 100
    epochs: float | None = None
    batch_size: int = 16
    conditional: bool = True
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    repetition_penalty: float = 1.0
    beams: int = 1
    device: str = "cpu"
    sample_batch_size: int = 64
    threads: int | None = None
    # Read from the world by for_world, and the loaded checkpoint its copies share;
    # never set by an experiment file:
    vocab_size: int | None = field(default=None, metadata=NOT_A_SETTING)
    block_size: int | None = field(default=None, metadata=NOT_A_SETTING)
    bos_id: int | None = field(default=None, metadata=NOT_A_SETTING)
    tokenizer: object = field(default=None, repr=False, compare=False, metadata=NOT_A_SETTING)
    _start: dict = field(default_factory=dict, repr=False, compare=False, metadata=NOT_A_SETTING)

    def __post_init__(self) -> None:
        if not self.path:
            raise UsageError("model 'hf' needs path= (a local causal-LM checkpoint folder), "
                             "e.g. [model] name = \"hf\", path = \"checkpoints/tiny-gpt2\"")
        for name in ("batch_size", "sample_batch_size"):
            if int(getattr(self, name)) != getattr(self, name) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {getattr(self, name)}")
        check_schedule(self.learning_rate, self.steps, self.epochs)
        self.decoding = Decoding(self.temperature, self.top_k, self.top_p,
                                 self.repetition_penalty, self.beams)

    def for_world(self, world) -> HFCausalLM:
        """An unfitted copy for ``world``, after checking it uses this checkpoint's tokenizer.

        Raises
        ------
        UsageError
            For a missing or unusable checkpoint, a world whose tokenizer is not
            the checkpoint's, blocks longer than the checkpoint reads, or CUDA
            asked for where there is none.
        """
        config = read_checkpoint_config(self.path)
        if self.device != "cpu":
            try:
                resolve_device(self.device)
            except ValueError as error:
                raise UsageError(str(error)) from None
        from tokenizers import Tokenizer

        own = Tokenizer.from_file(str(Path(self.path).expanduser() / "tokenizer.json"))
        theirs = world.tokenizer
        fix = f"set the world's tokenizer = \"hf:{self.path}\""
        own_size = own.get_vocab_size(with_added_tokens=True)
        if int(theirs.vocab_size) != own_size:
            raise UsageError(f"the world's tokenizer has {theirs.vocab_size} ids but checkpoint "
                             f"{self.path!r} has {own_size}: {fix}")
        if list(theirs.encode(_PROBE)) != own.encode(_PROBE, add_special_tokens=False).ids:
            raise UsageError(f"the world's tokenizer splits text differently from checkpoint "
                             f"{self.path!r}'s: {fix}")
        if own_size > int(config.get("vocab_size", own_size)):
            raise UsageError(f"checkpoint {self.path!r}: its tokenizer has {own_size} ids but "
                             f"the model only {config['vocab_size']}; the checkpoint is broken")
        bos = config.get("bos_token_id", config.get("eos_token_id"))
        if not isinstance(bos, int):
            raise UsageError(f"checkpoint {self.path!r} names no bos_token_id or eos_token_id "
                             "in config.json; blocks are read after one: add it")
        block = int(world.block_size)
        needed = 1 + block + (int(getattr(world, "prompt_size", block)) if self.conditional
                              else 0)
        context = _context_length(config)
        if context is not None and needed - 1 > context:
            raise UsageError(f"checkpoint {self.path!r} reads {context} positions, but BOS, "
                             f"prompts and blocks need {needed - 1}: lower the world's "
                             "block_size or prompt_size")
        if self.conditional and not hasattr(world, "draw_inputs"):
            raise UsageError("a conditional hf model needs a world that draws prompts; "
                             "set conditional = false")
        return replace(self, vocab_size=int(theirs.vocab_size), block_size=block, bos_id=bos,
                       tokenizer=theirs, _start={})

    def _fresh_network(self, device: torch.device):
        """A fresh copy of the starting checkpoint (read from disk once per process)."""
        if "net" not in self._start:
            transformers = _transformers()
            try:
                net = transformers.AutoModelForCausalLM.from_pretrained(
                    Path(self.path).expanduser(), local_files_only=True, trust_remote_code=False,
                    use_safetensors=True)
            except (OSError, ValueError) as error:
                raise UsageError(f"hf checkpoint {self.path!r} cannot be loaded: {error}") \
                    from None
            self._start["net"] = net.float().eval()  # fine-tuned in full precision
        return copy.deepcopy(self._start["net"]).to(device)

    def fit(self, data: Dataset, *, rng: np.random.Generator) -> HFCausalLM:
        """Fine-tune a fresh copy of the checkpoint on ``data.X`` blocks (n, B).

        Raises
        ------
        DivergedError
            When the loss becomes NaN or infinite.
        DegenerateFitError
            When there is nothing to train on.
        """
        blocks = np.asarray(data.X)
        if len(blocks) == 0:  # filters can leave nothing: that replicate ends, the run goes on
            raise DegenerateFitError("no training blocks left to fine-tune on")
        if blocks.ndim != 2:
            raise ValueError(f"expected blocks of shape (n, B), got shape {blocks.shape}")
        if blocks.min() < 0 or blocks.max() >= self.vocab_size:
            raise ValueError(f"token ids must lie in [0, {self.vocab_size}), the checkpoint's "
                             f"vocabulary; got ids from {blocks.min()} to {blocks.max()}")
        device = resolve_device(self.device)
        net = self._fresh_network(device)
        targets = torch.as_tensor(blocks.astype(np.int64), device=device)
        inputs = shifted_inputs(targets, self.bos_id)

        def loss_of(index: torch.Tensor) -> torch.Tensor:
            logits = net(input_ids=inputs[index]).logits  # (b, B, V')
            return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(),
                                   targets[index].reshape(-1))

        n_steps = int(self.steps) if self.epochs is None else \
            max(1, math.ceil(self.epochs * len(blocks) / self.batch_size))
        with cpu_threads(self.threads):
            self.train_loss_ = train(net, loss_of, len(blocks), rng=rng, n_steps=n_steps,
                                     batch_size=self.batch_size,
                                     learning_rate=self.learning_rate,
                                     weight_decay=self.weight_decay, device=device,
                                     autocast=device.type == "cuda",
                                     tokens_per_item=blocks.shape[1])
        self.net_ = net
        return self

    @torch.no_grad()
    def log_prob(self, blocks: np.ndarray) -> np.ndarray:
        """Natural-log probability of each token given BOS and the tokens before it in its block.

        Returns
        -------
        ndarray of shape (n, B), float64
        """
        blocks = np.array(blocks, dtype=np.int64)  # a writable copy for torch
        net = self._model()
        device = next(net.parameters()).device
        out = np.empty(blocks.shape, dtype=np.float64)
        with cpu_threads(self.threads):
            for first in range(0, len(blocks), self.sample_batch_size):
                chunk = torch.as_tensor(blocks[first:first + self.sample_batch_size],
                                        device=device)
                logits = net(input_ids=shifted_inputs(chunk, self.bos_id)).logits
                # Over the tokenizer's V ids, as sampling is (checkpoints may pad to V' > V).
                log_p = torch.log_softmax(logits[..., :self.vocab_size].double(), dim=-1)
                out[first:first + len(chunk)] = to_numpy(
                    log_p.gather(2, chunk.unsqueeze(2)).squeeze(2))
        return out

    def _model(self):
        """The fine-tuned model, or the starting checkpoint before any fit."""
        net = getattr(self, "net_", None)
        return net if net is not None else self._fresh_network(resolve_device(self.device))

    @torch.no_grad()
    def sample(self, n: int, *, rng: np.random.Generator, X: np.ndarray | None = None
               ) -> Dataset:
        """Write ``n`` blocks of B tokens: after the prompts ``X`` (n, P), or after BOS alone."""
        net = self.net_
        device = next(net.parameters()).device
        if self.conditional:
            if X is None or len(X) != n:
                raise ValueError(f"a conditional hf model writes after prompts: pass X of shape "
                                 f"({n}, P)")
            prompts = np.array(X, dtype=np.int64)
        else:
            prompts = np.zeros((n, 0), dtype=np.int64)
        generator = torch_generator(rng, device)
        writer = _HFWriter(net, self.bos_id, self.vocab_size)
        parts = [np.zeros((0, self.block_size), dtype=np.int64)]
        with cpu_threads(self.threads), torch.autocast(device.type, dtype=torch.bfloat16,
                                                       enabled=device.type == "cuda"):
            for first in range(0, n, self.sample_batch_size):
                prompt = torch.as_tensor(prompts[first:first + self.sample_batch_size],
                                         device=device)
                parts.append(to_numpy(generate(writer, prompt, self.block_size, self.vocab_size,
                                               self.decoding, generator)))
        return Dataset.synthetic(np.concatenate(parts), None, 1)  # model-written


def build_tiny_checkpoint(path: str | Path, text: str, *, vocab_size: int = 512,
                          n_layer: int = 2, n_head: int = 2, n_embd: int = 64,
                          n_positions: int = 256, pretrain_steps: int = 0,
                          block_size: int = 32, seed: int = 0) -> Path:
    """Write a tiny GPT-2-shaped checkpoint with a byte-level BPE tokenizer learnt from ``text``.

    Parameters
    ----------
    path : str or Path
        Folder to write (created): ``config.json``, ``model.safetensors``,
        ``tokenizer.json`` and ``tokenizer_config.json``.
    text : str
        Corpus the tokenizer (and any pretraining) learns from.
    vocab_size : int, default 512
        BPE ids, ``<|endoftext|>`` (BOS and EOS, as in GPT-2) included.
    n_layer, n_head, n_embd, n_positions : int
        GPT-2 shape.
    pretrain_steps : int, default 0
        Steps of training on ``text`` in blocks of ``block_size`` tokens, so the
        checkpoint starts out knowing something (0: random weights).
    block_size : int, default 32
    seed : int, default 0
        Weights (normal, sd 0.02, as GPT-2 initialises) and pretraining
        batches come from this seed alone.

    Returns
    -------
    Path
    """
    transformers = _transformers()
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.train_from_iterator(
        text.splitlines(keepends=True),
        trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>"],
                            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                            show_progress=False))
    end = tokenizer.token_to_id("<|endoftext|>")
    config = transformers.GPT2Config(
        vocab_size=tokenizer.get_vocab_size(), n_positions=n_positions, n_embd=n_embd,
        n_layer=n_layer, n_head=n_head, bos_token_id=end, eos_token_id=end)
    with torch.random.fork_rng(devices=[]):  # the constructor draws from the global stream
        net = transformers.GPT2LMHeadModel(config)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():  # our own draw, so the checkpoint depends on `seed` alone
        for name, parameter in net.named_parameters():
            if name.endswith("bias"):
                parameter.zero_()
            elif "ln_" in name:
                parameter.fill_(1.0)
            else:
                parameter.normal_(0.0, 0.02, generator=generator)
    if pretrain_steps:
        ids = np.fromiter((i for line in tokenizer.encode_batch(text.splitlines(keepends=True))
                           for i in line.ids), dtype=np.int64)
        blocks = torch.as_tensor(ids[:len(ids) // block_size * block_size]
                                 .reshape(-1, block_size))
        inputs = shifted_inputs(blocks, end)

        def loss_of(index):
            logits = net(input_ids=inputs[index]).logits
            return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), blocks[index].reshape(-1))

        net.eval()  # no dropout: it would draw from torch's global generator
        train(net, loss_of, len(blocks), rng=np.random.default_rng(seed), n_steps=pretrain_steps,
              batch_size=16, learning_rate=1e-3, weight_decay=0.0, device=torch.device("cpu"))
    path = Path(path)
    net.save_pretrained(path)
    transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
        model_max_length=n_positions).save_pretrained(path)
    return path


def main(argv: list[str] | None = None) -> None:
    """``python -m modelcollapse.families.language.hf build-tiny PATH``: a tiny local checkpoint."""
    parser = argparse.ArgumentParser(prog="python -m modelcollapse.families.language.hf")
    commands = parser.add_subparsers(dest="command", required=True)
    tiny = commands.add_parser("build-tiny", help="write a tiny GPT-2-shaped checkpoint")
    tiny.add_argument("path")
    tiny.add_argument("--corpus", default="shakespeare",
                      help="shakespeare, python-stdlib or text:PATH (default shakespeare)")
    tiny.add_argument("--max-chars", type=int, default=300_000)
    tiny.add_argument("--vocab-size", type=int, default=512)
    tiny.add_argument("--pretrain-steps", type=int, default=300)
    tiny.add_argument("--seed", type=int, default=0)
    options = parser.parse_args(argv)
    from modelcollapse.text.corpora import load_corpus

    try:
        text = load_corpus(options.corpus, options.max_chars).text
    except UsageError as error:
        parser.exit(2, f"error: {error}\n")
    path = build_tiny_checkpoint(options.path, text, vocab_size=options.vocab_size,
                                 pretrain_steps=options.pretrain_steps, seed=options.seed)
    print(f"wrote {path}: use [world] tokenizer = \"hf:{path}\" and [model] name = \"hf\", "
          f"path = \"{path}\"")


if __name__ == "__main__":
    main()
