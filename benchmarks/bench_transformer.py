"""The transformer LM: training against a bare PyTorch loop, cached batched writing against none.

Training: ``TransformerLM.fit`` (warm-up and cosine schedule, NaN check, gradient
clipping, minibatches from the chain's stream) against the plain loop a user
would write for the same network and data (AdamW at a constant rate, random
batches, forward, backward, step), interleaved, as training tokens per second.
Target: within 10% of the bare loop (ratio >= 0.9).

Writing: ``TransformerLM.sample`` writing a batch of blocks with the KV cache
against nanoGPT's ``generate`` done one sequence at a time without a cache
(a full forward pass over the context for every token), as tokens per second;
the batched uncached and one-at-a-time cached rates are printed beside them to
show which part each gain comes from. Target: >= 10x.

Cost per generation: one fit plus writing the next training set, at two
training-set sizes with one epoch per generation, and the peak RSS.

The last line is ``BENCH transformer: train_ratio=… train_target=0.9
sample_ratio=… sample_target=10``.
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

from modelcollapse.models.torch_runtime import cpu_threads, to_numpy
from modelcollapse.models.transformer import GPT, TransformerLM, shifted_inputs
from modelcollapse.worlds.text import text_world


def bare_loop(net: GPT, blocks: torch.Tensor, n_steps: int, batch_size: int, lr: float,
              generator: torch.Generator) -> None:
    """The plain training loop: AdamW, random batches, forward, backward, step."""
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, betas=(0.9, 0.95))
    inputs = shifted_inputs(blocks, net.config.vocab_size)
    net.train()
    for _ in range(n_steps):
        index = torch.randint(len(blocks), (batch_size,), generator=generator,
                              device=blocks.device)   # a CUDA generator draws on its device
        logits, _ = net(inputs[index])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), blocks[index].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


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
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


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
    device = torch.device("cuda" if args.device != "cpu" and torch.cuda.is_available()
                          else "cpu")
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"transformer {layers}x{width}, B={B}, V={model.vocab_size}; {os.cpu_count()} cores, "
          f"torch threads {args.threads or torch.get_num_threads()}, {name}; medians of "
          f"{repeats} repeats")
    rng = np.random.default_rng(0)
    data = world.sample(2000, rng=rng)
    blocks = torch.as_tensor(data.X, device=device)
    tokens = steps * batch * B

    ours, bare = [], []
    for repeat in range(repeats + 1):  # the first round warms up and is not counted
        ours_s = timed(model.clone().fit, data, rng=np.random.default_rng(repeat))
        net = GPT(model.network_config(), torch.Generator().manual_seed(repeat)).to(device)
        with cpu_threads(args.threads):
            bare_s = timed(bare_loop, net, blocks, steps, batch, model.learning_rate,
                           torch.Generator(device=device).manual_seed(repeat))
        if repeat:
            ours.append(tokens / ours_s)
            bare.append(tokens / bare_s)
    train_ratio = statistics.median(ours) / statistics.median(bare)
    print(f"training tokens/s: ours {statistics.median(ours):,.0f}, bare loop "
          f"{statistics.median(bare):,.0f}, ratio {train_ratio:.3f}")

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
                torch.Generator(device=device).manual_seed(repeat)))
    medians = {key: statistics.median(values) for key, values in rates.items()}
    sample_ratio = medians["batched cached"] / medians["single uncached"]
    print("writing tokens/s: " + ", ".join(f"{k} {v:,.0f}" for k, v in medians.items()))
    print(f"batched cached / one at a time uncached: {sample_ratio:.1f}; cache alone "
          f"(batched): {medians['batched cached'] / medians['batched uncached']:.2f}")

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
          f"sample_ratio={sample_ratio:.1f} sample_target=10")


if __name__ == "__main__":
    main()
