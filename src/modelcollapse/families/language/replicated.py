"""R transformer replicates trained and written as one batched program.

Papers on language-model collapse report one to five seeds because each seed
is a separate training run. Replicates of one small model leave a GPU mostly
idle; stacked, they fill it. :class:`ReplicatedGPT` holds the weights of R
networks of one shape with a leading replicate axis, so every layer is one
batched matrix product (``baddbmm``) and attention is one
``scaled_dot_product_attention`` call over R × n sequences.

Nothing about a replicate changes by being stacked: :func:`fit_together`
builds each replicate's starting weights and draws its minibatches from that
replicate's own stream exactly as :meth:`TransformerLM.fit` does; AdamW works
element by element, so the stacked optimiser is R independent ones; every
replicate's loss is its own mean and the gradient of their sum is each
replicate's own gradient; gradient clipping uses each replicate's own norm.
The trained networks equal one-by-one training up to floating-point
summation order (dropout masks, when dropout is on, come from one shared
stream: equal in distribution, not draw for draw). :func:`write_together`
gives each replicate its own decoding stream, drawn as it would be alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from modelcollapse.core.data import Dataset
from modelcollapse.core.model import DegenerateFitError
from modelcollapse.families.language.transformer import (
    GPT,
    GPTConfig,
    KVCache,
    LossWatch,
    Minibatches,
    SeededDropout,
    TransformerLM,
    Writer,
    adamw,
    lr_schedule,
    set_learning_rate,
    shifted_inputs,
)
from modelcollapse.neural.decoding import GeneratorPerGroup, generate
from modelcollapse.neural.runtime import cpu_threads, resolve_device, to_numpy, torch_generator

__all__ = ["ReplicatedGPT", "fit_together", "stack_by_default", "write_together"]


class ReplicatedGPT(nn.Module):
    """R :class:`GPT` networks of one shape, weights stacked on a leading replicate axis.

    ``forward`` reads rows grouped by replicate: for ``idx`` of shape
    (R·n, T), rows ``r·n … r·n + n - 1`` belong to replicate ``r``. That is
    the layout the KV-cached writer already steps through, so writing needs
    no code of its own.

    Parameters
    ----------
    nets : sequence of GPT
        The replicates (their weights are copied).
    """

    def __init__(self, nets: Sequence[GPT]):
        super().__init__()
        if not nets:
            raise ValueError("need at least one network to stack")
        self.config: GPTConfig = nets[0].config
        if any(net.config != self.config for net in nets):
            raise ValueError("replicates stacked together must share one network shape")
        self.R = len(nets)
        states = [net.state_dict() for net in nets]
        self.names = list(states[0])
        self.weights = nn.ParameterList(
            nn.Parameter(torch.stack([state[name] for state in states]))  # stack copies
            for name in self.names)
        self._index = {name: i for i, name in enumerate(self.names)}
        self.drop = SeededDropout(self.config.dropout)
        self.drop.generator = nets[0].drop.generator

    def use_generator(self, generator: torch.Generator) -> None:
        """Draw dropout masks from ``generator`` from now on."""
        self.drop.generator = generator

    def _w(self, name: str) -> torch.Tensor:
        return self.weights[self._index[name]]

    def _embed(self, idx: torch.Tensor) -> torch.Tensor:
        """Token embeddings (R·n, T, C) of ids (R·n, T), each row by its replicate's table.

        One lookup for all replicates: replicate r's ids move to its own rows of
        the stacked tables.
        """
        V, C = self.config.vocab_size, self.config.n_embd
        offset = torch.arange(self.R, device=idx.device).repeat_interleave(
            idx.shape[0] // self.R) * (V + 1)
        return F.embedding(idx + offset.unsqueeze(1), self._w("wte.weight").reshape(-1, C))

    def _linear(self, x: torch.Tensor, name: str) -> torch.Tensor:
        """Each replicate's own ``nn.Linear``: x (R, N, in) -> (R, N, out)."""
        weight, bias = self._w(f"{name}.weight"), self._w(f"{name}.bias")
        return torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))

    def _norm(self, x: torch.Tensor, name: str) -> torch.Tensor:
        weight, bias = self._w(f"{name}.weight"), self._w(f"{name}.bias")
        return F.layer_norm(x, x.shape[-1:]) * weight.unsqueeze(1) + bias.unsqueeze(1)

    def _attention(self, x: torch.Tensor, prefix: str, cache: KVCache | None, layer: int,
                   n: int, T: int) -> torch.Tensor:
        C, heads = self.config.n_embd, self.config.n_head
        q, k, v = self._linear(x, f"{prefix}.attn.qkv").split(C, dim=2)
        q, k, v = (t.reshape(self.R * n, T, heads, C // heads).transpose(1, 2)
                   for t in (q, k, v))  # (R·n, nh, T, hs)
        causal = T > 1
        if cache is not None:
            k, v, causal = cache.extend(layer, k, v)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        y = y.transpose(1, 2).reshape(self.R, n * T, C)
        return self.drop(self._linear(y, f"{prefix}.attn.proj"))

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None,
                cache: KVCache | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Logits (R·n, T, V) and each replicate's mean loss (R,) on ``targets``."""
        rows, T = idx.shape
        if rows % self.R:
            raise ValueError(f"{rows} rows cannot be split among {self.R} replicates")
        n = rows // self.R
        first = cache.length if cache is not None else 0
        if first + T > self.config.context:
            raise ValueError(f"{first + T} positions exceed the context of "
                             f"{self.config.context}")
        V, C = self.config.vocab_size, self.config.n_embd
        x = self._embed(idx).view(self.R, n, T, C)
        x = x + self._w("wpe.weight")[:, first:first + T].unsqueeze(1)
        x = self.drop(x.view(self.R, n * T, C))
        for layer in range(self.config.n_layer):
            prefix = f"blocks.{layer}"
            x = x + self._attention(self._norm(x, f"{prefix}.ln_1"), prefix, cache, layer, n, T)
            h = F.gelu(self._linear(self._norm(x, f"{prefix}.ln_2"), f"{prefix}.mlp.0"))
            x = x + self.drop(self._linear(h, f"{prefix}.mlp.2"))
        if cache is not None:
            cache.length += T
        logits = torch.bmm(self._norm(x, "ln_f"),
                           self._w("wte.weight")[:, :V].transpose(1, 2))  # (R, nT, V)
        loss = None
        if targets is not None:
            per_token = F.cross_entropy(logits.reshape(-1, V).float(), targets.reshape(-1),
                                        reduction="none")
            loss = per_token.view(self.R, -1).mean(dim=1)
        return logits.reshape(rows, T, V), loss

    def step(self, token: torch.Tensor, position: torch.Tensor,
             cache: KVCache) -> torch.Tensor:
        """Logits (R·n, V) after one new token per row, as :meth:`GPT.step` (same shapes always)."""
        rows = token.shape[0]
        n = rows // self.R
        V, C, heads = self.config.vocab_size, self.config.n_embd, self.config.n_head
        x = self._embed(token).view(self.R, n, C)
        x = x + self._w("wpe.weight")[:, position]  # (R, 1, C)
        for layer in range(self.config.n_layer):
            prefix = f"blocks.{layer}"
            q, k, v = self._linear(self._norm(x, f"{prefix}.ln_1"),
                                   f"{prefix}.attn.qkv").split(C, dim=2)
            q, k, v = (t.reshape(rows, 1, heads, C // heads).transpose(1, 2)
                       for t in (q, k, v))
            keys, values, filled = cache.store(layer, position, k, v)
            y = F.scaled_dot_product_attention(q, keys, values, attn_mask=filled)
            x = x + self._linear(y.transpose(1, 2).reshape(self.R, n, C), f"{prefix}.attn.proj")
            h = F.gelu(self._linear(self._norm(x, f"{prefix}.ln_2"), f"{prefix}.mlp.0"))
            x = x + self._linear(h, f"{prefix}.mlp.2")
        logits = torch.bmm(self._norm(x, "ln_f"), self._w("wte.weight")[:, :V].transpose(1, 2))
        return logits.reshape(rows, V)

    def unstack(self) -> list[GPT]:
        """The replicates as separate :class:`GPT` networks (copies, on this device)."""
        nets = []
        for r in range(self.R):
            net = GPT(self.config, torch.Generator().manual_seed(0))
            net.load_state_dict({name: w[r].detach() for name, w
                                 in zip(self.names, self.weights, strict=True)})
            nets.append(net.to(self.weights[0].device).eval())
        return nets


def clip_each(net: ReplicatedGPT, max_norm: float = 1.0) -> None:
    """Scale each replicate's gradient to a norm of at most ``max_norm``.

    The same rule as ``torch.nn.utils.clip_grad_norm_`` applied replicate by
    replicate: factor ``max_norm / (norm + 1e-6)``, capped at 1.
    """
    grads = [w.grad for w in net.weights if w.grad is not None]
    squares = torch.stack([g.float().pow(2).sum(dim=tuple(range(1, g.dim()))) for g in grads])
    factor = (max_norm / (squares.sum(dim=0).sqrt() + 1e-6)).clamp(max=1.0)  # (R,)
    for g in grads:
        g.mul_(factor.view(-1, *([1] * (g.dim() - 1))).to(g.dtype))


def stack_by_default(device: torch.device) -> bool:
    """Whether replicates are stacked unless the caller says otherwise: on GPUs only.

    On a CPU, stacking measured 0.75-0.88x of one by one (``benchmarks/bench_replicates.py``):
    the cores are busy either way, the stacked activations fall out of cache and
    each replicate's layer-norm scale is a separate pass, so there replicates
    go through in turn, which gives the same networks.
    """
    return device.type != "cpu"


def fit_together(model: TransformerLM, datasets: Sequence[Dataset],
                 rngs: Sequence[np.random.Generator], *, stacked: bool | None = None
                 ) -> list[TransformerLM]:
    """Train one copy of ``model`` per dataset, all at once; return the fitted copies.

    Replicate ``r`` draws its starting weights and its minibatches from
    ``rngs[r]`` in the same order as ``model.clone().fit(datasets[r], rng=rngs[r])``
    would. The datasets must hold the same number of blocks (a chain under one
    policy gives every replicate the same training-set size).

    Parameters
    ----------
    model : TransformerLM
        Unfitted, with its world (:meth:`TransformerLM.for_world`).
    datasets : sequence of Dataset
    rngs : sequence of numpy.random.Generator
        One per dataset.
    stacked : bool or None, default None
        True trains one :class:`ReplicatedGPT`; False fits the copies in turn;
        None stacks on a GPU and not on a CPU (:func:`stack_by_default`).

    Raises
    ------
    ValueError
        For datasets of different sizes, or as :meth:`TransformerLM.fit` does.
    DegenerateFitError
        When a dataset is empty.
    """
    if len(datasets) != len(rngs) or not datasets:
        raise ValueError(f"need one stream per dataset, got {len(datasets)} datasets and "
                         f"{len(rngs)} streams")
    if model.init != "scratch":
        raise ValueError("replicates trained together start from scratch: set init = "
                         "'scratch' or train them one by one")
    sizes = {len(data) for data in datasets}
    if 0 in sizes:
        raise DegenerateFitError("no training blocks left to train on")
    if len(sizes) > 1:
        raise ValueError(f"replicates trained together need training sets of one size, got "
                         f"{sorted(sizes)}: train them one by one")
    n_blocks = sizes.pop()
    device = resolve_device(model.device)
    if not (stack_by_default(device) if stacked is None else stacked):
        return [model.clone().fit(data, rng=rng) for data, rng in zip(datasets, rngs,
                                                                      strict=True)]
    blocks = np.stack([model._check_blocks(data.X) for data in datasets])  # (R, n, B)
    # Each replicate's streams are drawn in fit()'s order: dropout, initial weights, batches.
    dropout = [torch_generator(rng, device) for rng in rngs]
    nets = [GPT(model.network_config(), torch_generator(rng)) for rng in rngs]
    net = ReplicatedGPT(nets).to(device)
    net.use_generator(dropout[0])
    targets = torch.as_tensor(blocks, device=device)  # (R, n, B)
    inputs = shifted_inputs(targets.flatten(0, 1), model.vocab_size).view_as(targets)
    n_steps = model._n_steps(n_blocks)
    batches = [Minibatches(n_blocks, model.batch_size, rng, device, n_steps) for rng in rngs]
    rows = torch.arange(net.R, device=device).unsqueeze(1)
    decay = [w for w in net.weights if w.dim() >= 3]  # matrices, with the replicate axis
    no_decay = [w for w in net.weights if w.dim() < 3]
    optimizer = adamw([decay, no_decay], model.learning_rate, model.weight_decay, device)
    watch = LossWatch(n_steps, device, tokens_per_item=blocks.shape[2])
    tail = max(1, n_steps // 10)
    tail_sum = torch.zeros(net.R, device=device)
    autocast = device.type == "cuda"
    net.train()
    with cpu_threads(model.threads):
        for step in range(n_steps):
            set_learning_rate(optimizer, model.learning_rate * lr_schedule(step, n_steps))
            index = torch.stack([b.next() for b in batches])  # (R, batch)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
                _, losses = net(inputs[rows, index].flatten(0, 1), targets[rows, index])
            optimizer.zero_grad(set_to_none=True)
            losses.sum().backward()
            clip_each(net)
            optimizer.step()
            watch.record(step, losses, index.numel())
            if step >= n_steps - tail:
                tail_sum += losses.detach().float()
    train_losses = to_numpy(tail_sum / tail)
    fitted = []
    for r, trained in enumerate(net.unstack()):
        copy = model.clone()
        copy.net_ = trained
        copy.train_loss_ = float(train_losses[r])
        fitted.append(copy)
    return fitted


@torch.no_grad()
def write_together(models: Sequence[TransformerLM], n: int, *,
                   rngs: Sequence[np.random.Generator], X: np.ndarray | None = None,
                   stacked: bool | None = None) -> list[Dataset]:
    """Write ``n`` blocks with each fitted model, all models stepping together.

    Model ``r`` draws from ``rngs[r]`` exactly what ``models[r].sample(n, rng=rngs[r])``
    would draw, so the text equals writing replicate by replicate wherever the
    stacked network's logits round the same way.

    Parameters
    ----------
    models : sequence of TransformerLM
        Fitted replicates of one model (same settings, same network shape).
    n : int
        Blocks per model.
    rngs : sequence of numpy.random.Generator
        One per model.
    X : int ndarray of shape (R, n, P), optional
        Each replicate's prompts, for conditional models.
    stacked : bool or None, default None
        True writes with one :class:`ReplicatedGPT`; False has the models write
        in turn; None stacks on a GPU only.

    Returns
    -------
    list of Dataset
        One per model, ``n`` blocks each.
    """
    first = models[0]
    if len(rngs) != len(models):
        raise ValueError(f"need one stream per model, got {len(models)} models and "
                         f"{len(rngs)} streams")
    if any(m.decoding != first.decoding or m.conditional != first.conditional
           or m.network_config() != first.network_config() for m in models):
        raise ValueError("replicates written together must share settings and network shape")
    R = len(models)
    if first.conditional and (X is None or np.shape(X)[:2] != (R, n)):
        raise ValueError(f"conditional replicates write after prompts: pass X of shape "
                         f"({R}, {n}, P)")
    device = next(first.net_.parameters()).device
    if not (stack_by_default(device) if stacked is None else stacked):
        return [m.sample(n, rng=rng, X=None if X is None else X[r])
                for r, (m, rng) in enumerate(zip(models, rngs, strict=True))]
    net = ReplicatedGPT([m.net_ for m in models]).eval()
    if first.conditional:
        prompts = np.array(X, dtype=np.int64)
    else:
        prompts = np.zeros((R, n, 0), dtype=np.int64)
    generators = GeneratorPerGroup([torch_generator(rng, device) for rng in rngs])
    writer = Writer(net, cached=first.cache, autocast=device.type == "cuda")
    parts = []
    with cpu_threads(first.threads):
        for start in range(0, n, first.sample_batch_size):
            chunk = torch.as_tensor(prompts[:, start:start + first.sample_batch_size],
                                    device=device)
            written = generate(writer, chunk.flatten(0, 1), first.block_size,
                               first.vocab_size, first.decoding, generators)
            parts.append(to_numpy(written).reshape(R, -1, first.block_size))
    blocks = np.concatenate(parts, axis=1) if parts else np.zeros((R, 0, first.block_size),
                                                                 np.int64)
    return [Dataset.synthetic(b, None, 1) for b in blocks]  # model-written
