"""A nanoGPT-shaped decoder-only transformer language model, trained per generation.

Token and position embeddings, pre-norm blocks of causal self-attention
(``scaled_dot_product_attention``) and an MLP, a final layer norm, and an
output layer tied to the token embedding (Radford et al. 2019; Karpathy's
nanoGPT). Every block of B tokens is read after a start token that only the
model knows: it has id V (one past the world's vocabulary), is never
predicted, and marks "the block begins here". So the first token of a block
is scored and written given the start token alone, exactly as in training.

Writing uses a KV cache. Unconditional writing never needs more than the B
positions trained. Prompted writing (``conditional = True``: a real block,
then the next B tokens) slides a window: the model reads the start token and
at most B - 1 tokens; when the window is full it keeps the last (B - 1) // 2
tokens and re-reads them in one pass, so the cache is rebuilt once every
(B - 1) // 2 tokens instead of once per token. The uncached path follows the
same windows, which is what makes the two write identical tokens.

Generation 1 trains from scratch; later generations either train from
scratch too (``init = "scratch"``) or start from a copy of generation 1's
weights (``init = "generation-1"``), which the chain hands over in memory
(the model then declares ``needs_lineage``).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from modelcollapse.core import progress
from modelcollapse.core.data import Dataset
from modelcollapse.core.model import NOT_A_SETTING, DegenerateFitError, Model
from modelcollapse.neural.decoding import Decoding, generate
from modelcollapse.neural.runtime import (
    DivergedError,
    check_device_name,
    check_schedule,
    cpu_threads,
    resolve_device,
    to_numpy,
    torch_generator,
)

__all__ = ["GPT", "GPTConfig", "KVCache", "LossWatch", "Minibatches", "TransformerLM", "adamw",
           "set_learning_rate", "shifted_inputs", "train"]


@dataclass(frozen=True)
class GPTConfig:
    """Shape of the network (saved beside its weights)."""

    vocab_size: int  # V, the world's tokens; the start token is id V
    context: int  # positions the model reads: the start token plus B - 1 tokens
    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0  # on embeddings and residual branches (attention weights: none)


class SeededDropout(nn.Module):
    """Dropout drawing its mask from the model's own generator, never torch's global one."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p
        self.generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = torch.rand(x.shape, generator=self.generator, device=x.device) >= self.p
        return x * keep / (1.0 - self.p)


class KVCache:
    """Keys and values of every layer for a batch of sequences, up to ``context`` positions."""

    def __init__(self, config: GPTConfig, n: int, device, dtype):
        head_size = config.n_embd // config.n_head
        shape = (config.n_layer, n, config.n_head, config.context, head_size)
        # Zeros, not empty: a step reads every slot, masked ones too, and a NaN left in
        # memory would survive the mask (NaN times a weight of 0 is NaN).
        self.keys = torch.zeros(shape, device=device, dtype=dtype)
        self.values = torch.zeros(shape, device=device, dtype=dtype)
        self.length = 0

    def reorder(self, index: torch.Tensor) -> None:
        """Keep the sequences at ``index`` (beam search), in place.

        In place because a captured decoding step (:mod:`.cuda_graph`) reads
        these very buffers.
        """
        self.keys.copy_(self.keys[:, index])
        self.values.copy_(self.values[:, index])

    def extend(self, layer: int, keys: torch.Tensor, values: torch.Tensor
               ) -> tuple[torch.Tensor, torch.Tensor, bool]:
        """Append T new positions' keys and values (n, nh, T, hs) after the cached ones.

        Returns the layer's keys and values so far and whether attention over
        them is causal: a cache is filled by one prompt pass from empty, then one
        token at a time, so a lone new token may see everything and a first
        pass is causal. The caller advances ``length`` once all layers are done.
        """
        start, T = self.length, keys.shape[2]
        self.keys[layer, :, :, start:start + T] = keys
        self.values[layer, :, :, start:start + T] = values
        return (self.keys[layer, :, :, :start + T], self.values[layer, :, :, :start + T],
                start == 0 and T > 1)

    def store(self, layer: int, position: torch.Tensor, keys: torch.Tensor,
              values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Write one step's keys and values (n, nh, 1, hs) at ``position`` (a 1-element tensor).

        Returns the layer's whole keys and values and the mask of the positions
        that are filled (up to ``position``): shapes that never change, so a
        step can be captured once and replayed at every position.
        """
        self.keys[layer].index_copy_(2, position, keys)
        self.values[layer].index_copy_(2, position, values)
        filled = torch.arange(self.keys.shape[3], device=position.device) <= position
        return self.keys[layer], self.values[layer], filled.unsqueeze(0)  # (1, context)


class _SelfAttention(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.n_head = config.n_head
        self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd)
        self.proj = nn.Linear(config.n_embd, config.n_embd)
        self.dropout = SeededDropout(config.dropout)

    def forward(self, x: torch.Tensor, cache: KVCache | None, layer: int) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                   for t in (q, k, v))  # (B, nh, T, hs)
        if cache is not None:
            k, v, causal = cache.extend(layer, k, v)
        else:
            causal = T > 1
        y = F.scaled_dot_product_attention(q, k, v, is_causal=causal)  # (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.dropout(self.proj(y))

    def step(self, x: torch.Tensor, cache: KVCache, layer: int,
             position: torch.Tensor) -> torch.Tensor:
        """Attention of one new token per sequence, x (n, 1, C), at a device-held position."""
        n, _, C = x.shape
        q, k, v = (t.view(n, 1, self.n_head, C // self.n_head).transpose(1, 2)
                   for t in self.qkv(x).split(C, dim=2))
        keys, values, filled = cache.store(layer, position, k, v)
        y = F.scaled_dot_product_attention(q, keys, values, attn_mask=filled)
        return self.proj(y.transpose(1, 2).reshape(n, 1, C))


class _Block(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = _SelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = nn.Sequential(nn.Linear(config.n_embd, 4 * config.n_embd), nn.GELU(),
                                 nn.Linear(4 * config.n_embd, config.n_embd),
                                 SeededDropout(config.dropout))

    def forward(self, x: torch.Tensor, cache: KVCache | None, layer: int) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x), cache, layer)
        return x + self.mlp(self.ln_2(x))

    def step(self, x: torch.Tensor, cache: KVCache, layer: int,
             position: torch.Tensor) -> torch.Tensor:
        x = x + self.attn.step(self.ln_1(x), cache, layer, position)
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """The network: ``forward(idx, targets=None, cache=None) -> (logits, loss)``.

    Parameters
    ----------
    config : GPTConfig
    generator : torch.Generator
        Draws the initial weights (normal, sd 0.02; residual projections scaled
        by 1/sqrt(2·n_layer) as in GPT-2) and, later, the dropout masks.
    """

    def __init__(self, config: GPTConfig, generator: torch.Generator):
        super().__init__()
        if config.n_embd % config.n_head:
            raise ValueError(f"n_embd ({config.n_embd}) must be a multiple of n_head "
                             f"({config.n_head})")
        self.config = config
        # torch's layers draw default weights from its global stream as they are built;
        # fork_rng gives that stream back untouched (the weights are redrawn just below).
        with torch.random.fork_rng(devices=[]):
            self.wte = nn.Embedding(config.vocab_size + 1, config.n_embd)  # + the start token
            self.wpe = nn.Embedding(config.context, config.n_embd)
            self.drop = SeededDropout(config.dropout)
            self.blocks = nn.ModuleList(_Block(config) for _ in range(config.n_layer))
            self.ln_f = nn.LayerNorm(config.n_embd)
        for name, parameter in self.named_parameters():
            if parameter.dim() == 2:
                std = 0.02 / math.sqrt(2 * config.n_layer) if name.endswith("proj.weight") \
                    or name.endswith("mlp.2.weight") else 0.02
                nn.init.normal_(parameter, 0.0, std, generator=generator)
            elif name.endswith("bias"):
                nn.init.zeros_(parameter)
        self.use_generator(generator)

    def use_generator(self, generator: torch.Generator) -> None:
        """Draw dropout masks from ``generator`` from now on."""
        for module in self.modules():
            if isinstance(module, SeededDropout):
                module.generator = generator

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None,
                cache: KVCache | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Logits (B, T, V) of the token after each position, and the mean loss on ``targets``."""
        T = idx.shape[1]
        first = cache.length if cache is not None else 0
        if first + T > self.config.context:
            raise ValueError(f"{first + T} positions exceed the context of "
                             f"{self.config.context}")
        position = torch.arange(first, first + T, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(position))  # (B, T, C)
        for layer, block in enumerate(self.blocks):
            x = block(x, cache, layer)
        if cache is not None:
            cache.length += T
        # Tied output layer without the start token's row: it is never predicted.
        logits = self.ln_f(x) @ self.wte.weight[:self.config.vocab_size].T  # (B, T, V)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(),
                                   targets.reshape(-1))
        return logits, loss

    def step(self, token: torch.Tensor, position: torch.Tensor,
             cache: KVCache) -> torch.Tensor:
        """Logits (n, V) after one new token per sequence, ``token`` (n, 1).

        ``position`` is a 1-element tensor on the device, so every call has
        the same shapes and one captured call serves every position
        (:mod:`.cuda_graph`). Equal to ``forward`` with the cache up to
        float rounding; the cache's length is the caller's to advance.
        """
        x = self.wte(token) + self.wpe(position)  # (n, 1, C)
        for layer, block in enumerate(self.blocks):
            x = block.step(x, cache, layer, position)
        return self.ln_f(x[:, 0]) @ self.wte.weight[:self.config.vocab_size].T


def _window_start(length: int, start: int, context: int) -> int:
    """Where the window over a sequence of ``length`` tokens begins.

    The model reads the start token plus ``seq[start:length]``, at most
    ``context - 1`` tokens. Once the window is full it slides to keep the last
    ``(context - 1) // 2``. (A prompt longer than the window is first cut to its
    last ``context - 1`` tokens by :meth:`Writer.start`.)
    """
    room = context - 1
    if length - start <= room:
        return start
    return length - max(1, room // 2)


class Writer:
    """Steps a :class:`GPT` through a batch of sequences (the :class:`Stepper` protocol)."""

    def __init__(self, net: GPT, *, cached: bool, autocast: bool):
        self.net = net
        self.cached = cached
        self.autocast = autocast
        self.context = net.config.context
        self.start_id = net.config.vocab_size
        # One cache per batch size, kept across batches and window re-reads; on a GPU
        # each comes with its captured step (models.cuda_graph).
        self.caches: dict[int, tuple[KVCache, object]] = {}
        self.graphed = None

    def _logits(self, idx: torch.Tensor, cache: KVCache | None) -> torch.Tensor:
        with torch.autocast(idx.device.type, dtype=torch.bfloat16, enabled=self.autocast):
            logits, _ = self.net(idx, cache=cache)
        return logits[:, -1].float()  # (n, V)

    def _read_window(self) -> torch.Tensor:
        """Read the start token and the window from scratch; return the next logits."""
        n = self.seq.shape[0]
        begin = torch.full((n, 1), self.start_id, dtype=torch.long, device=self.seq.device)
        idx = torch.cat([begin, self.seq[:, self.window:]], dim=1)
        self.cache = None
        if self.cached:
            if n not in self.caches:
                self.caches[n] = self._new_cache(n)
            self.cache, self.graphed = self.caches[n]
            self.cache.length = 0
        return self._logits(idx, self.cache)

    def _new_cache(self, n: int) -> tuple[KVCache, object]:
        dtype = torch.bfloat16 if self.autocast else next(self.net.parameters()).dtype
        cache = KVCache(self.net.config, n, self.seq.device, dtype)
        if self.seq.device.type != "cuda":
            return cache, None
        from modelcollapse.neural.cuda_graph import GraphedStep

        return cache, GraphedStep(self.net, cache, autocast=self.autocast)

    def start(self, prompt: torch.Tensor) -> torch.Tensor:
        self.seq = prompt
        room = self.context - 1
        self.window = max(0, prompt.shape[1] - room)  # a long prompt: its last tokens that fit
        return self._read_window()

    def advance(self, token: torch.Tensor) -> torch.Tensor:
        self.seq = torch.cat([self.seq, token.unsqueeze(1)], dim=1)
        window = _window_start(self.seq.shape[1], self.window, self.context)
        if not self.cached or window != self.window:
            self.window = window
            return self._read_window()
        if self.graphed is not None:
            logits = self.graphed(token, self.cache.length)
            self.cache.length += 1
            return logits
        return self._logits(token.unsqueeze(1), self.cache)

    def reorder(self, index: torch.Tensor) -> None:
        self.seq = self.seq[index]
        if self.cache is not None:
            self.cache.reorder(index)


@dataclass
class TransformerLM(Model):
    """A GPT-shaped language model trained on the blocks of each generation.

    Parameters
    ----------
    n_layer : int, default 2
        Transformer blocks.
    n_head : int, default 4
        Attention heads per block (must divide ``n_embd``).
    n_embd : int, default 128
        Width of the residual stream.
    dropout : float, default 0.0
        Dropout on embeddings and residual branches while training.
    learning_rate : float, default 3e-3
        AdamW's peak rate: linear warm-up over the first 5% of steps, then
        cosine decay to a tenth of it.
    weight_decay : float, default 0.01
        AdamW's decoupled weight decay on matrices (not on biases, norms).
    steps : int or None, default 300
        Optimiser steps per generation; set ``epochs`` instead to scale with
        the training set.
    epochs : float or None, default None
        Passes over the training set per generation (rounded up to whole
        batches); overrides ``steps`` when set.
    batch_size : int, default 32
        Blocks per step, drawn in a fresh random order each epoch.
    init : {"scratch", "generation-1"}, default "scratch"
        Later generations train from new random weights, or from a copy of
        the weights generation 1 ended with (which trained on real data alone).
    conditional : bool, default False
        False: ``sample`` writes whole blocks from the start token. True: it
        continues the real prompts the chain passes in ``X`` by B tokens.
    temperature, top_k, top_p, repetition_penalty, beams
        Decoding (see :class:`~modelcollapse.neural.decoding.Decoding`).
    device : {"cpu", "cuda", "cuda:N", "auto"}, default "cpu"
        Where to train and write; on CUDA both run under bfloat16 autocast.
    sample_batch_size : int, default 256
        Sequences written at once (bounds memory).
    cache : bool, default True
        Write with the KV cache (False re-reads the window for every token;
        same tokens, kept for checking and benchmarks).
    threads : int or None, default None
        CPU threads torch may use while this model trains or writes (``None``
        leaves torch's setting); 1 is fastest on a busy machine.
    stack_replicates : bool or None, default None
        How a chain's replicates are fitted and written together
        (:mod:`~modelcollapse.families.language.replicated`): True as one stacked network,
        False one after another, None stacked on a GPU only. The rows are the
        same either way up to floating-point rounding.

    Attributes
    ----------
    vocab_size, block_size, tokenizer
        Taken from the world by :meth:`for_world`.
    net_ : GPT
        The fitted network.
    train_loss_ : float
        Mean training loss of the last 10% of steps.
    """

    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    learning_rate: float = 3e-3
    weight_decay: float = 0.01
    steps: int | None = 300
    epochs: float | None = None
    batch_size: int = 32
    init: str = "scratch"
    conditional: bool = False
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    repetition_penalty: float = 1.0
    beams: int = 1
    device: str = "cpu"
    sample_batch_size: int = 256
    cache: bool = True
    threads: int | None = None
    stack_replicates: bool | None = None
    # Read from the world by for_world, never set by an experiment file:
    vocab_size: int | None = field(default=None, metadata=NOT_A_SETTING)
    block_size: int | None = field(default=None, metadata=NOT_A_SETTING)
    tokenizer: object = field(default=None, repr=False, compare=False, metadata=NOT_A_SETTING)

    def __post_init__(self) -> None:
        for name in ("n_layer", "n_head", "n_embd", "batch_size", "sample_batch_size"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value}")
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd ({self.n_embd}) must be a multiple of n_head "
                             f"({self.n_head})")
        if self.threads is not None and (int(self.threads) != self.threads
                                         or self.threads < 1):
            raise ValueError(f"threads must be an integer >= 1 or unset, got {self.threads}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        check_schedule(self.learning_rate, self.steps, self.epochs)
        if self.init not in ("scratch", "generation-1"):
            raise ValueError(f"init must be 'scratch' or 'generation-1', got {self.init!r}")
        check_device_name(self.device)
        self.decoding = Decoding(self.temperature, self.top_k, self.top_p,
                                 self.repetition_penalty, self.beams)

    # --- set-up -------------------------------------------------------------------------

    def for_world(self, world) -> TransformerLM:
        """An unfitted copy with the world's tokenizer, vocabulary and block size.

        Raises
        ------
        ValueError
            For CUDA asked for where there is none, or a conditional model on a
            world that draws no prompts.
        """
        if self.device != "cpu":
            resolve_device(self.device)
        if int(world.block_size) < 2:
            raise ValueError(f"a transformer needs blocks of at least 2 tokens, the world has "
                             f"{world.block_size}: raise the world's block_size")
        if self.conditional and not hasattr(world, "draw_inputs"):
            raise ValueError(f"a conditional transformer needs a world that draws prompts; "
                             f"{type(world).__name__} has no draw_inputs: set conditional = "
                             "false")
        return replace(self, vocab_size=int(world.tokenizer.vocab_size),
                       block_size=int(world.block_size), tokenizer=world.tokenizer)

    @property
    def needs_lineage(self) -> bool:
        """Whether the chain must pass generation 1's model to :meth:`fit`."""
        return self.init == "generation-1"

    def network_config(self) -> GPTConfig:
        """The network's shape for this model's world."""
        if self.vocab_size is None or self.block_size is None:
            raise ValueError("the model has no world yet: call for_world(world) first")
        return GPTConfig(self.vocab_size, self.block_size, self.n_layer, self.n_head,
                         self.n_embd, self.dropout)

    # --- training -----------------------------------------------------------------------

    def fit(self, data: Dataset, *, rng: np.random.Generator, generation: int | None = None,
            first: TransformerLM | None = None) -> TransformerLM:
        """Train on ``data.X`` blocks (n, B) of token ids.

        Parameters
        ----------
        data : Dataset
        rng : numpy.random.Generator
            Initial weights, minibatches and dropout masks.
        generation : int or None
            Passed by the chain when ``init = "generation-1"``; unused otherwise.
        first : TransformerLM or None
            Generation 1's fitted model (``None`` in generation 1 itself): with
            ``init = "generation-1"`` training starts from a copy of its weights.

        Raises
        ------
        DivergedError
            When the loss becomes NaN or infinite.
        ValueError
            For blocks of the wrong shape or ids outside the vocabulary.
        """
        if len(data) == 0:  # filters can leave nothing: that replicate ends, the run goes on
            raise DegenerateFitError("no training blocks left to train on")
        blocks = self._check_blocks(data.X)
        device = resolve_device(self.device)
        generator = torch_generator(rng, device)
        net = GPT(self.network_config(), torch_generator(rng)).to(device)
        if self.init == "generation-1" and first is not None:
            net.load_state_dict(first.net_.state_dict())  # copies: generation 1 keeps its own
        net.use_generator(generator)
        targets = torch.as_tensor(blocks, device=device)
        inputs = shifted_inputs(targets, self.vocab_size)
        net.train()
        with cpu_threads(self.threads):
            self.train_loss_ = train(net, lambda index: net(inputs[index], targets[index])[1],
                                     len(blocks), rng=rng, n_steps=self._n_steps(len(blocks)),
                                     batch_size=self.batch_size,
                                     learning_rate=self.learning_rate,
                                     weight_decay=self.weight_decay, device=device,
                                     autocast=device.type == "cuda",
                                     tokens_per_item=blocks.shape[1])
        self.net_ = net.eval()
        return self

    def fit_together(self, datasets: list[Dataset],
                     rngs: list[np.random.Generator]) -> list[TransformerLM]:
        """One fitted copy per dataset, trained together (see :func:`.replicated.fit_together`)."""
        from modelcollapse.families.language.replicated import fit_together

        return fit_together(self, datasets, rngs, stacked=self.stack_replicates)

    def write_together(self, models: list[TransformerLM], n: int, *,
                       rngs: list[np.random.Generator], X: np.ndarray | None = None
                       ) -> list[Dataset]:
        """``n`` blocks from each of ``models``, written together (see :mod:`.replicated`)."""
        from modelcollapse.families.language.replicated import write_together

        return write_together(models, n, rngs=rngs, X=X, stacked=self.stack_replicates)

    def _n_steps(self, n_blocks: int) -> int:
        if self.epochs is None:
            return int(self.steps)
        return max(1, math.ceil(self.epochs * n_blocks / self.batch_size))

    def _check_blocks(self, X) -> np.ndarray:
        config = self.network_config()
        blocks = np.asarray(X)
        if blocks.ndim != 2 or blocks.shape[1] > config.context or len(blocks) == 0:
            raise ValueError(f"expected token blocks of shape (n >= 1, {config.context}), "
                             f"got {blocks.shape}")
        if not np.issubdtype(blocks.dtype, np.integer):
            raise ValueError(f"token blocks must hold integer ids, got {blocks.dtype}")
        if blocks.min() < 0 or blocks.max() >= config.vocab_size:
            raise ValueError(f"token ids must be in [0, {config.vocab_size}), got "
                             f"[{blocks.min()}, {blocks.max()}]: the blocks come from another "
                             "tokenizer")
        return blocks.astype(np.int64)  # a copy: torch wants writable arrays

    # --- scoring and writing ------------------------------------------------------------

    @torch.no_grad()
    def log_prob(self, blocks: np.ndarray) -> np.ndarray:
        """Natural-log probability of every token given the ones before it in its block.

        The first token of a block is scored given the start token alone.

        Parameters
        ----------
        blocks : int ndarray of shape (n, B')
            B' ≤ the world's block size B.

        Returns
        -------
        ndarray of shape (n, B'), float64
        """
        blocks = self._check_blocks(blocks)
        device = next(self.net_.parameters()).device
        out = np.empty(blocks.shape, dtype=np.float64)
        with cpu_threads(self.threads):
            for first in range(0, len(blocks), self.sample_batch_size):
                chunk = torch.as_tensor(blocks[first:first + self.sample_batch_size],
                                        device=device)
                logits, _ = self.net_(shifted_inputs(chunk, self.vocab_size))  # full precision
                log_p = torch.log_softmax(logits.double(), dim=-1)  # (n, B, V)
                out[first:first + len(chunk)] = to_numpy(
                    log_p.gather(2, chunk.unsqueeze(2)).squeeze(2))
        return out

    @torch.no_grad()
    def sample(self, n: int, *, rng: np.random.Generator, X: np.ndarray | None = None
               ) -> Dataset:
        """Write ``n`` blocks of B tokens: from scratch, or after the prompts ``X`` (n, P)."""
        device = next(self.net_.parameters()).device
        if self.conditional:
            if X is None or len(X) != n:
                raise ValueError("a conditional transformer writes after prompts: pass X of "
                                 f"shape ({n}, P)")
            prompts = np.array(X, dtype=np.int64)  # a writable copy for torch
        else:
            prompts = np.zeros((n, 0), dtype=np.int64)
        generator = torch_generator(rng, device)
        writer = Writer(self.net_, cached=self.cache, autocast=device.type == "cuda")
        parts = []
        with cpu_threads(self.threads):
            for first in range(0, n, self.sample_batch_size):
                prompt = torch.as_tensor(prompts[first:first + self.sample_batch_size],
                                         device=device)
                parts.append(to_numpy(generate(writer, prompt, self.block_size, self.vocab_size,
                                               self.decoding, generator)))
        blocks = np.concatenate(parts) if parts else np.zeros((0, self.block_size), np.int64)
        return Dataset.synthetic(blocks, None, 1)  # model-written, whoever wraps it later

    def save(self, path: str | Path) -> None:
        """Write the fitted weights (``model.safetensors``) and settings (``config.json``)."""
        from safetensors.torch import save_file

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().cpu().contiguous() for k, v in self.net_.state_dict().items()}
        save_file(state, path / "model.safetensors")
        settings = {f.name: getattr(self, f.name) for f in fields(self)
                    if f.init and f.name != "tokenizer"}
        (path / "config.json").write_text(json.dumps(
            {"model": settings, "network": asdict(self.network_config())}, indent=2))


def train(net: nn.Module, loss_of: Callable[[torch.Tensor], torch.Tensor], n_items: int, *,
          rng: np.random.Generator, n_steps: int, batch_size: int, learning_rate: float,
          weight_decay: float, device: torch.device, autocast: bool = False,
          tokens_per_item: int = 1) -> float:
    """Train ``net`` by AdamW; return the mean loss of the last 10% of steps.

    Parameters
    ----------
    net : torch.nn.Module
        Its parameters are trained; its mode (train or eval) is the caller's choice.
    loss_of : callable
        ``loss_of(index)`` is the mean loss on the items at ``index`` (a tensor of ints).
    n_items : int
        Items to draw minibatches from: a fresh permutation from ``rng`` each epoch.
    rng : numpy.random.Generator
    n_steps, batch_size : int
    learning_rate : float
        Peak rate: 5% linear warm-up, then cosine decay to a tenth.
    weight_decay : float
        On matrices only (not biases or norms).
    device : torch.device
        Where the indices go.
    autocast : bool, default False
        Run forward passes under bfloat16 autocast (CUDA).
    tokens_per_item : int, default 1
        Tokens in one item (a block's length), for the tokens/s of progress reports.

    Raises
    ------
    DivergedError
        When a loss is NaN or infinite.
    """
    trained = [p for p in net.parameters() if p.requires_grad]  # listed once, not per step
    decay = [p for p in trained if p.dim() >= 2]
    no_decay = [p for p in trained if p.dim() < 2]
    optimizer = adamw([decay, no_decay], learning_rate, weight_decay, device)
    batches = Minibatches(n_items, batch_size, rng, device, n_steps)
    watch = LossWatch(n_steps, device, tokens_per_item=tokens_per_item)
    for step in range(n_steps):
        set_learning_rate(optimizer, learning_rate * lr_schedule(step, n_steps))
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
            loss = loss_of(batches.next())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        clip_gradients(trained, 1.0)
        optimizer.step()
        watch.record(step, loss, batch_size)
    return float(watch.tail_mean())


def clip_gradients(parameters: list[torch.Tensor], max_norm: float) -> None:
    """Scale the gradients of ``parameters`` to a total norm of at most ``max_norm``.

    The operations of ``torch.nn.utils.clip_grad_norm_`` (so the same values),
    without its per-call regrouping of the tensors by device and type, which
    costs the host more than the device work when a step is short.
    """
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    norms = [norm.float() for norm in torch._foreach_norm(grads)]  # no copy for float32
    total = torch.linalg.vector_norm(torch.stack(norms))
    torch._foreach_mul_(grads, torch.clamp(max_norm / (total + 1e-6), max=1.0))


def adamw(groups: list[list[torch.Tensor]], learning_rate: float, weight_decay: float,
          device: torch.device) -> torch.optim.AdamW:
    """AdamW (betas 0.9, 0.95) with decay on the first group only; fused on CUDA."""
    decay, no_decay = groups
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}],
                             lr=learning_rate, betas=(0.9, 0.95),
                             fused=device.type == "cuda")


def set_learning_rate(optimizer: torch.optim.Optimizer, rate: float) -> None:
    """Set every parameter group's rate (a float: changing it costs no device work)."""
    for group in optimizer.param_groups:
        group["lr"] = rate


class Minibatches:
    """Indices of each step's items: a fresh permutation from ``rng`` every epoch.

    The permutations of all the epochs that ``n_steps`` steps reach are drawn
    up front, in the order the steps use them, and go to the device in a few
    large copies (page-locked and asynchronous on a GPU, so the host never
    waits for the device to catch up before a copy); a step's batch is then a
    slice of a tensor already there. The last items of an epoch that do not
    fill a batch are skipped; with fewer items than a batch, each step takes
    every item once.

    Parameters
    ----------
    n_items, batch_size, n_steps : int
    rng : numpy.random.Generator
    device : torch.device
    """

    # Indices per copy to the device: large enough that copies are rare, small
    # enough that a long run's epochs never sit on the device all at once.
    CHUNK = 1 << 20

    def __init__(self, n_items: int, batch_size: int, rng: np.random.Generator,
                 device: torch.device, n_steps: int):
        self.n_items = n_items
        self.batch_size = batch_size
        self.rng = rng
        self.device = device
        self.steps_per_epoch = max(1, n_items // batch_size)
        self.epochs_left = math.ceil(n_steps / self.steps_per_epoch)
        self.orders: torch.Tensor | None = None  # (epochs in this copy, n_items)
        self.epoch = self.step_in_epoch = 0

    def _next_copy(self) -> None:
        count = min(self.epochs_left, max(1, self.CHUNK // self.n_items))
        orders = torch.from_numpy(np.stack([self.rng.permutation(self.n_items)
                                            for _ in range(count)]))
        pinned = self.device.type == "cuda"  # page-locked, so the copy need not wait
        self.orders = (orders.pin_memory() if pinned else orders).to(self.device,
                                                                     non_blocking=pinned)
        self.epochs_left -= count
        self.epoch = 0

    def next(self) -> torch.Tensor:
        """The next batch's indices (at most ``batch_size`` of them)."""
        if self.step_in_epoch == self.steps_per_epoch:
            self.epoch += 1
            self.step_in_epoch = 0
        if self.orders is None or self.epoch == len(self.orders):
            self._next_copy()
        first = self.step_in_epoch * self.batch_size
        self.step_in_epoch += 1
        return self.orders[self.epoch, first:first + self.batch_size]


class LossWatch:
    """Keeps every step's loss on the device and looks at them without stalling training.

    Reading a loss on the host waits for the device to finish, so losses are
    checked for NaN or infinity once every ``check_every`` steps (and at the
    end) rather than every step; a diverged run stops at most twice that many
    steps late (on a GPU each check's verdict is read at the next one).
    Progress reports (``models.progress``) read the loss only when a listener
    wants one.

    Parameters
    ----------
    n_steps : int
    device : torch.device
    check_every : int, default 100
    tokens_per_item : int, default 1
        Tokens in one item, for the reported tokens per second.
    """

    def __init__(self, n_steps: int, device: torch.device, check_every: int = 100,
                 tokens_per_item: int = 1):
        self.n_steps = n_steps
        self.losses = torch.empty(n_steps, device=device)
        self.check_every = check_every
        self.tokens_per_item = tokens_per_item
        self.pending: torch.Tensor | None = None  # the last check's verdict, on its way
        self.pending_event: torch.cuda.Event | None = None
        self.tokens = 0
        self.started = time.perf_counter()

    def record(self, step: int, loss: torch.Tensor, n_items: int) -> None:
        """Keep the mean loss of ``step``; raise :class:`DivergedError` once it shows NaN."""
        self.losses[step] = loss.detach() if loss.dim() == 0 else loss.detach().mean()
        done = step + 1
        if done % self.check_every == 0 or done == self.n_steps:
            self._check(done)
        self.tokens += n_items * self.tokens_per_item
        if progress.due(done, self.n_steps):
            seconds = time.perf_counter() - self.started
            progress.report("training", done, self.n_steps, loss=float(self.losses[step]),
                            tokens_per_s=self.tokens / seconds if seconds > 0 else 0.0)

    def _check(self, done: int) -> None:
        """Raise if a loss so far is not finite, without making the host wait mid-run.

        On a GPU, the verdict on the losses up to now is copied to the host
        asynchronously and read at the next check, by which time the device
        has long finished it; the last check reads its own verdict.
        """
        verdict = (~torch.isfinite(self.losses[:done])).any()
        if self.pending is not None:
            self.pending_event.synchronize()
            if bool(self.pending):
                self._raise()
        if done == self.n_steps or self.losses.device.type != "cuda":
            if bool(verdict):
                self._raise()
            return
        self.pending = torch.empty((), dtype=torch.bool, pin_memory=True)
        self.pending.copy_(verdict, non_blocking=True)
        self.pending_event = torch.cuda.Event()
        self.pending_event.record()

    def _raise(self) -> None:
        bad = (~torch.isfinite(self.losses)).nonzero()
        step = int(bad[0, 0])
        raise DivergedError(f"training loss became {float(self.losses[step])} at step "
                            f"{step + 1} of {self.n_steps}: lower learning_rate")

    def tail_mean(self) -> torch.Tensor:
        """Mean loss of the last 10% of steps."""
        tail = max(1, self.n_steps // 10)
        return self.losses[-tail:].mean()


def shifted_inputs(blocks: torch.Tensor, start_id: int) -> torch.Tensor:
    """What the model reads to predict ``blocks`` (n, B): the start token, then all but the last."""
    start = torch.full_like(blocks[:, :1], start_id)
    return torch.cat([start, blocks[:, :-1]], dim=1)


def lr_schedule(step: int, n_steps: int) -> float:
    """Share of the peak learning rate: 5% linear warm-up, cosine decay to 0.1."""
    warmup = max(1, n_steps // 20)
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, n_steps - warmup)
    return 0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress))
