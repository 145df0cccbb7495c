"""A generation's VAE training throughput: the family's ``fit`` against a bare PyTorch loop.

Both train the same network (D → width → 2·latent, latent → width → D, ReLU,
Bernoulli decoder) with Adam on the same images, batch size and epochs, on the
same device and thread count, interleaved, median of several repeats. The
project's way adds what a chain needs: image checks, addressed generators, the
per-epoch divergence check. Prints images/s for both, the ratio (project time /
bare time; target: within 5 %), peak memory, and a last ``BENCH`` line.

    python benchmarks/bench_vae.py            # digits and Fashion-MNIST sizes
    python benchmarks/bench_vae.py --quick    # a smoke run for CI
    python benchmarks/bench_vae.py --device cuda
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from functools import partial

import numpy as np
import torch
from torch import nn

from modelcollapse.core.data import Dataset
from modelcollapse.families.images.vae import VAE

TARGET = 1.05


def bare_loop(images: np.ndarray, *, width: int, latent_dim: int, epochs: int, batch_size: int,
              learning_rate: float, device: torch.device, seed: int) -> None:
    """The plain way: a VAE written directly in PyTorch, trained for ``epochs``."""
    generator = torch.Generator(device=device)
    generator.manual_seed(seed)
    n_pixels = images.shape[1]
    encoder = nn.Sequential(nn.Linear(n_pixels, width), nn.ReLU(),
                            nn.Linear(width, 2 * latent_dim)).to(device)
    decoder = nn.Sequential(nn.Linear(latent_dim, width), nn.ReLU(),
                            nn.Linear(width, n_pixels)).to(device)
    optimiser = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()],
                                 lr=learning_rate)
    data = torch.from_numpy(images).to(device)
    for _ in range(epochs):
        order = torch.randperm(len(data), generator=generator, device=device)
        for start in range(0, len(data), batch_size):
            x = data[order[start:start + batch_size]]
            mean, log_variance = encoder(x).chunk(2, dim=1)
            noise = torch.randn(mean.shape, generator=generator, device=device)
            logits = decoder(mean + (0.5 * log_variance).exp() * noise)
            reconstruction = nn.functional.binary_cross_entropy_with_logits(
                logits, x, reduction="none").sum(dim=1)
            kl = 0.5 * (mean**2 + log_variance.exp() - 1 - log_variance).sum(dim=1)
            loss = (reconstruction + kl).mean()
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()


def timed(function, device: torch.device) -> float:
    """Wall seconds of ``function()``, waiting for the GPU to finish."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    function()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start


def peak_gpu_mib(function, device: torch.device) -> float:
    """Peak GPU memory allocated while ``function()`` runs (MiB); NaN on the CPU."""
    if device.type != "cuda":
        return float("nan")
    torch.cuda.reset_peak_memory_stats(device)
    function()
    return torch.cuda.max_memory_allocated(device) / 2**20


def case(name: str, images: np.ndarray, image_shape, *, width: int, latent_dim: int,
         epochs: int, repeats: int, device: torch.device) -> float:
    """Time one size both ways; print a table row; return the median ratio."""
    settings = dict(width=width, latent_dim=latent_dim, epochs=epochs, batch_size=100,
                    learning_rate=2e-3)
    model = VAE(**settings, device=str(device), threads=None, image_shape=image_shape)
    data = Dataset.real(images)

    def project(repeat=0):
        model.clone().fit(data, rng=np.random.default_rng(repeat))

    def bare(repeat=0):
        bare_loop(images, **settings, device=device, seed=repeat)

    project(), bare()  # warm-up: lazy imports, allocator, kernels
    project_times, bare_times, ratios = [], [], []
    for repeat in range(repeats):
        pair = [("project", project), ("bare", bare)]
        if repeat % 2:
            pair.reverse()  # alternate the order so drifts in machine load cancel
        seconds = {label: timed(partial(f, repeat), device) for label, f in pair}
        project_times.append(seconds["project"])
        bare_times.append(seconds["bare"])
        ratios.append(seconds["project"] / seconds["bare"])
    n_seen = len(images) * epochs
    ratio = statistics.median(ratios)
    project_rate = n_seen / statistics.median(project_times)
    bare_rate = n_seen / statistics.median(bare_times)
    print(f"| {name} | {len(images):,} | {epochs} | {project_rate:,.0f} | {bare_rate:,.0f} "
          f"| {ratio:.3f} "
          f"| {peak_gpu_mib(project, device):.0f} | {peak_gpu_mib(bare, device):.0f} |")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run (CI)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads for both")
    args = parser.parse_args()
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available()
                          else ("cpu" if args.device == "auto" else args.device))
    torch.set_num_threads(args.threads)
    from modelcollapse.families.images.world import FASHION_MNIST_DIR, digits_images, fashion_mnist

    card = torch.cuda.get_device_name(device) if device.type == "cuda" else "no GPU"
    print(f"device {device} ({card}), {os.cpu_count()} cores, torch threads {args.threads}, "
          f"torch {torch.__version__}")
    print("| case | images | epochs | project images/s | bare images/s | project / bare "
          "| project GPU MiB | bare GPU MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    digits = digits_images().train_images
    sizes = [(1000, 3, 3)] if args.quick else [(1000, 20, 7), (4000, 10, 7)]
    ratios = []
    for n, epochs, repeats in sizes:
        images = digits[np.resize(np.arange(len(digits)), n)]
        ratios.append(case("digits 8x8", images, (8, 8), width=64, latent_dim=4, epochs=epochs,
                           repeats=repeats, device=device))
    if (FASHION_MNIST_DIR / "train-images-idx3-ubyte.gz").exists():
        fashion = fashion_mnist(n_train=4000 if not args.quick else 500).train_images
        sizes = [(500, 1, 3)] if args.quick else [(2000, 5, 5), (4000, 5, 5)]
        for n, epochs, repeats in sizes:
            ratios.append(case("fashion 28x28", fashion[:n], (28, 28), width=392, latent_dim=16,
                               epochs=epochs, repeats=repeats, device=device))
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak_rss:.0f} MiB")
    worst = max(ratios)
    print(f"BENCH vae: ratio={worst:.3f} target={TARGET} (worst project / bare time over "
          f"{len(ratios)} sizes) device={device.type}")


if __name__ == "__main__":
    main()
