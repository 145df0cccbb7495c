"""The transformer LM: training against a bare PyTorch loop, cached batched writing against none.

Training: ``TransformerLM.fit`` (warm-up and cosine schedule, NaN check, gradient
clipping, minibatches from the chain's stream) against the plain loop a user
would write for the same network and data, as fast as plain PyTorch goes (on
CUDA: bf16 autocast, fused AdamW, batches drawn on the device, no host syncs),
interleaved, as training tokens per second. Target: ratio >= 0.9.

Writing: ``TransformerLM.sample`` writing a batch of blocks with the KV cache
against (a) nanoGPT's ``generate`` done one sequence at a time without a cache
(target >= 10x) and (b) the same batched writer re-reading the window for every
token, at a block of >= 256 tokens where the cache must pay (target >= 3x).

Cost per generation: one fit plus writing the next training set, at two
training-set sizes with one epoch per generation, and the peak RSS.

The last line is ``BENCH transformer: train_ratio=… train_target=0.9 sample_ratio=…
sample_target=10 cache_ratio=… cache_target=3``.

    python benchmarks/bench_transformer.py --threads 1      # CPU, the shipped size
    python benchmarks/bench_transformer.py --device cuda    # adds the card's name
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

import numpy as np
import torch
from torch.nn import functional as F

from modelcollapse.families.language.transformer import GPT, TransformerLM, shifted_inputs
from modelcollapse.families.language.world import text_world
from modelcollapse.neural.runtime import cpu_threads, resolve_device, to_numpy


def bare_loop(config, blocks: torch.Tensor, n_steps: int, batch_size: int, lr: float,
              seed: int) -> None:
    """The plain training loop, as fast as plain PyTorch goes on the network's device.

    It builds its network as ``fit`` does (weights drawn on the CPU, then moved),
    so both sides pay for the same set-up.
    """
    net = GPT(config, torch.Generator().manual_seed(seed)).to(blocks.device)
    generator = torch.Generator(device=blocks.device).manual_seed(seed)
    cuda = blocks.device.type == "cuda"
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, betas=(0.9, 0.95), fused=cuda)
    inputs = shifted_inputs(blocks, net.config.vocab_size)
    net.train()
    for _ in range(n_steps):
        index = torch.randint(len(blocks), (batch_size,), generator=generator,
                              device=blocks.device)
        with torch.autocast(blocks.device.type, dtype=torch.bfloat16, enabled=cuda):
            logits, _ = net(inputs[index])
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(),
                                   blocks[index].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    if cuda:
        torch.cuda.synchronize()


@torch.no_grad()
def one_at_a_time(net: GPT, n: int, n_new: int, generator: torch.Generator) -> np.ndarray:
    """One sequence at a time as nanoGPT's ``generate``: the context re-read for every token."""
    net.eval()
    device = next(net.parameters()).device
    rows = []
    for _ in range(n):
        idx = torch.full((1, 1), net.config.vocab_size, dtype=torch.long, device=device)
        for _ in range(n_new):
            logits, _ = net(idx[:, -net.config.context:])
            token = torch.multinomial(torch.softmax(logits[:, -1], -1), 1, generator=generator)
            idx = torch.cat([idx, token], dim=1)
        rows.append(to_numpy(idx[0, 1:]))
    return np.stack(rows)


def timed(function, *args, **kwargs) -> float:
    """Seconds ``function`` takes, the device's queue drained at both ends."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    start = time.perf_counter()
    function(*args, **kwargs)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start


def training_rates(model: TransformerLM, data, repeats: int) -> tuple[float, float]:
    """Median training tokens/s of ``model.fit`` and of the bare loop, interleaved."""
    device = resolve_device(model.device)
    blocks = torch.as_tensor(data.X, device=device)
    tokens = int(model.steps) * model.batch_size * model.block_size
    ours, bare = [], []
    for repeat in range(repeats + 1):  # the first round warms up and is not counted
        ours_s = timed(model.clone().fit, data, rng=np.random.default_rng(repeat))
        with cpu_threads(model.threads):
            bare_s = timed(bare_loop, model.network_config(), blocks, int(model.steps),
                           model.batch_size, model.learning_rate, repeat)
        if repeat:
            ours.append(tokens / ours_s)
            bare.append(tokens / bare_s)
    return statistics.median(ours), statistics.median(bare)


def cache_rates(fitted: TransformerLM, n: int, repeats: int) -> tuple[float, float]:
    """Median writing tokens/s of ``n`` blocks at once, with and without the KV cache."""
    uncached = fitted.clone()
    uncached.cache, uncached.net_ = False, fitted.net_
    writer = fitted.clone()
    writer.sample_batch_size, writer.net_ = n, fitted.net_
    uncached.sample_batch_size = n
    tokens = n * fitted.block_size
    cached_rates, plain_rates = [], []
    for repeat in range(repeats + 1):
        cached_s = timed(writer.sample, n, rng=np.random.default_rng(repeat))
        plain_s = timed(uncached.sample, n, rng=np.random.default_rng(repeat))
        if repeat:
            cached_rates.append(tokens / cached_s)
            plain_rates.append(tokens / plain_s)
    return statistics.median(cached_rates), statistics.median(plain_rates)


def device_name(device: str) -> str:
    """The card's name, or ``CPU``."""
    resolved = resolve_device(device)
    return torch.cuda.get_device_name(resolved) if resolved.type == "cuda" else "CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's own choice)")
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 5)
    width, layers, B = (32, 1, 32) if args.quick else (128, 2, 64)
    steps, batch = (10, 16) if args.quick else (60, 32)
    n_batched, n_single = (32, 2) if args.quick else (256, 4)
    world = text_world("shakespeare", "char", block_size=B,
                       max_chars=100_000 if args.quick else 1_000_000)
    settings = dict(n_layer=layers, n_head=4, n_embd=width, batch_size=batch, steps=steps,
                    device=args.device, threads=args.threads)
    model = TransformerLM(**settings).for_world(world)
    print(f"transformer {layers}x{width}, B={B}, V={model.vocab_size}; {os.cpu_count()} cores, "
          f"torch threads {args.threads or torch.get_num_threads()}, "
          f"{device_name(args.device)}; medians of {repeats} repeats")
    rng = np.random.default_rng(0)
    data = world.sample(2000, rng=rng)
    ours, bare = training_rates(model, data, repeats)
    train_ratio = ours / bare
    print(f"training tokens/s: ours {ours:,.0f}, bare loop {bare:,.0f}, ratio "
          f"{train_ratio:.3f}")

    fitted = model.clone().fit(data, rng=np.random.default_rng(0))
    uncached = TransformerLM(**settings, cache=False).for_world(world)
    uncached.net_ = fitted.net_
    single = TransformerLM(**settings, sample_batch_size=1).for_world(world)
    single.net_ = fitted.net_
    rates = {"batched cached": [], "batched uncached": [], "single cached": [],
             "single uncached": []}
    for repeat in range(repeats):
        stream = np.random.default_rng(repeat)
        rates["batched cached"].append(n_batched * B / timed(fitted.sample, n_batched,
                                                             rng=stream))
        rates["batched uncached"].append(n_batched * B / timed(uncached.sample, n_batched,
                                                               rng=stream))
        rates["single cached"].append(n_single * B / timed(single.sample, n_single, rng=stream))
        with cpu_threads(args.threads):
            rates["single uncached"].append(n_single * B / timed(
                one_at_a_time, fitted.net_, n_single, B,
                torch.Generator(device=fitted.net_.wte.weight.device).manual_seed(repeat)))
    medians = {key: statistics.median(values) for key, values in rates.items()}
    sample_ratio = medians["batched cached"] / medians["single uncached"]
    print("writing tokens/s: " + ", ".join(f"{k} {v:,.0f}" for k, v in medians.items()))
    print(f"batched cached / one at a time uncached: {sample_ratio:.1f}")

    # The cache must pay where a window is long: B = 256 (32 quick), the same network.
    long_B = 32 if args.quick else 256
    long_world = text_world("shakespeare", "char", block_size=long_B,
                            max_chars=100_000 if args.quick else 1_000_000)
    long_model = TransformerLM(**{**settings, "steps": 2}).for_world(long_world)
    long_fitted = long_model.fit(long_world.sample(64, rng=rng), rng=rng)
    cached, plain = cache_rates(long_fitted, n_batched, repeats)
    cache_ratio = cached / plain
    print(f"B={long_B}, {n_batched} blocks at once: cached {cached:,.0f} tokens/s, uncached "
          f"{plain:,.0f}, ratio {cache_ratio:.2f}")

    for n_blocks in (500, 2000) if not args.quick else (100, 200):
        per_epoch = TransformerLM(**{**settings, "steps": None, "epochs": 1.0}).for_world(world)
        train = world.sample(n_blocks, rng=rng)
        start = time.perf_counter()
        fitted = per_epoch.fit(train, rng=rng)
        fitted.sample(n_blocks, rng=rng)
        print(f"one generation (1 epoch + writing {n_blocks} blocks): "
              f"{time.perf_counter() - start:.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MiB")
    print(f"BENCH transformer: train_ratio={train_ratio:.3f} train_target=0.9 "
          f"sample_ratio={sample_ratio:.1f} sample_target=10 cache_ratio={cache_ratio:.2f} "
          f"cache_target=3")


if __name__ == "__main__":
    main()
