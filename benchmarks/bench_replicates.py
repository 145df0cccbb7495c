"""Replicates as one program: R transformers trained and written together against one by one.

One generation of R replicate chains of the shipped transformer
(``experiments/transformer-policies.toml``: 2 layers, width 128, blocks of 64
characters, batch 32): each replicate trains on its own 2,000 blocks and writes
2,000 new ones. *One by one* is ``TransformerLM.fit`` and ``sample`` per
replicate, as a chain runs them; *together* is ``fit_together`` and
``write_together`` (``families/language/replicated.py``), the same streams, weights equal
to one-by-one up to float rounding. Interleaved, medians of the repeats.
Targets: >= 5x on a GPU at R = 8, not slower (>= 1x) on the CPU. On the CPU
``fit_together`` trains in turn by default (stacking measured slower there);
the forced-stacked program is timed beside it and printed as
``stacked_ratio``.

Then the same for the VAE of ``experiments/vae-digits.toml`` (stacked against
one by one, 1,000 digits, 40 epochs). The last lines are ``BENCH replicates:
device=… R=… ratio=… target=…`` and ``BENCH replicates_vae: …``.

    python benchmarks/bench_replicates.py --threads 1       # CPU
    python benchmarks/bench_replicates.py --device cuda
"""

from __future__ import annotations

import argparse
import os
import statistics

import numpy as np
import torch

from modelcollapse.families.language.replicated import (
    fit_together,
    stack_by_default,
    write_together,
)
from modelcollapse.families.language.transformer import TransformerLM
from modelcollapse.families.language.world import text_world
from modelcollapse.neural.runtime import resolve_device

try:  # run as a script from benchmarks/ or imported by gpu_check from there
    from bench_transformer import device_name, timed
except ImportError:  # pragma: no cover - imported as benchmarks.bench_replicates
    from benchmarks.bench_transformer import device_name, timed


def one_by_one(model: TransformerLM, datasets, n_written: int, seed: int) -> None:
    """Fit and write each replicate in turn, as a chain does."""
    for r, data in enumerate(datasets):
        rng = np.random.default_rng([seed, r])
        model.clone().fit(data, rng=rng).sample(n_written, rng=rng)


def together(model: TransformerLM, datasets, n_written: int, seed: int,
             stacked: bool | None = None) -> None:
    """Fit and write all replicates with ``fit_together`` and ``write_together``."""
    rngs = [np.random.default_rng([seed, r]) for r in range(len(datasets))]
    fitted = fit_together(model, datasets, rngs, stacked=stacked)
    write_together(fitted, n_written, rngs=rngs, stacked=stacked)


def replicate_rates(model: TransformerLM, world, R: int, n_blocks: int, repeats: int
                    ) -> dict[str, float]:
    """Median replicate-generations per second: one by one, together, forced stacked."""
    datasets = [world.sample(n_blocks, rng=np.random.default_rng(100 + r)) for r in range(R)]
    ways = {"one by one": lambda seed: one_by_one(model, datasets, n_blocks, seed),
            "together": lambda seed: together(model, datasets, n_blocks, seed),
            "stacked": lambda seed: together(model, datasets, n_blocks, seed, stacked=True)}
    if stack_by_default(resolve_device(model.device)):
        del ways["stacked"]  # what "together" does already
    rates = {name: [] for name in ways}
    for repeat in range(repeats + 1):  # the first round warms up and is not counted
        for name, way in ways.items():
            seconds = timed(way, repeat)
            if repeat:
                rates[name].append(R / seconds)
    return {name: statistics.median(values) for name, values in rates.items()}


def vae_rates(R: int, n_images: int, epochs: int, device: str, threads: int | None,
              repeats: int) -> dict[str, float]:
    """The same comparison for the VAE of ``experiments/vae-digits.toml`` (4 x 64 latent/width)."""
    from modelcollapse.families.images.replicated_vae import fit_together as fit_vaes
    from modelcollapse.families.images.replicated_vae import write_together as write_vaes
    from modelcollapse.families.images.vae import VAE
    from modelcollapse.families.images.world import digits_images

    world = digits_images()
    model = VAE(latent_dim=4, width=64, epochs=epochs, batch_size=100, learning_rate=5e-3,
                device=device, threads=threads).for_world(world)
    datasets = [world.sample(n_images, rng=np.random.default_rng(100 + r)) for r in range(R)]

    def run(seed: int, stacked: bool) -> None:
        rngs = [np.random.default_rng([seed, r]) for r in range(R)]
        write_vaes(fit_vaes(model, datasets, rngs, stacked=stacked), n_images, rngs=rngs,
                   stacked=stacked)

    rates = {"one by one": [], "together": []}
    for repeat in range(repeats + 1):
        for name, stacked in (("one by one", False), ("together", True)):
            seconds = timed(run, repeat, stacked)
            if repeat:
                rates[name].append(R / seconds)
    return {name: statistics.median(values) for name, values in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    parser.add_argument("--replicates", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    steps, n_blocks = (5, 64) if args.quick else (300, 2000)
    if not args.quick and args.device == "cpu":
        steps, n_blocks = 30, 256  # the shipped network; fewer steps and blocks on 2 cores
    world = text_world("shakespeare", "char", block_size=64,
                       max_chars=100_000 if args.quick else 1_000_000)
    model = TransformerLM(n_layer=2, n_head=4, n_embd=128, steps=steps, batch_size=32,
                          device=args.device, threads=args.threads).for_world(world)
    R = args.replicates
    print(f"R={R} transformers 2x128, B=64, {steps} steps, {n_blocks} blocks trained and "
          f"written each; {os.cpu_count()} cores, torch threads "
          f"{args.threads or torch.get_num_threads()}, {device_name(args.device)}; medians of "
          f"{repeats}")
    rates = replicate_rates(model, world, R, n_blocks, repeats)
    ratio = rates["together"] / rates["one by one"]
    target = 1 if model.device == "cpu" else 5
    print("replicate-generations/s: " + ", ".join(f"{k} {v:.3f}" for k, v in rates.items()))
    extra = ""
    if "stacked" in rates:
        extra = f" stacked_ratio={rates['stacked'] / rates['one by one']:.2f}"
    print(f"BENCH replicates: device={model.device} R={R} ratio={ratio:.2f} target={target}"
          + extra)
    n_images, epochs = (200, 2) if args.quick else (1000, 40)
    vae = vae_rates(R, n_images, epochs, args.device, args.threads, repeats)
    vae_ratio = vae["together"] / vae["one by one"]
    print(f"VAE (4 x 64, digits, {n_images:,} images, {epochs} epochs), "
          "replicate-generations/s: " + ", ".join(f"{k} {v:.3f}" for k, v in vae.items()))
    print(f"BENCH replicates_vae: device={model.device} R={R} ratio={vae_ratio:.2f} "
          f"target={target}")


if __name__ == "__main__":
    main()
