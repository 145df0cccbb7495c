"""Throughput of the batched polynomial chain against the post's loop and the RNG floor.

The chain is the post's experiment: the cosine world with noise 0.1, a cubic
``PolynomialRegression``, 30 samples per generation and the replace policy,
so every generation is fitted only to data the previous model labelled. The
unit of work is one *chain-generation*: one replicate advanced by one
generation (draw inputs, label them, add noise, fit, measure).

Three ways of doing that work run in the same process, interleaved, on the
same settings:

project
    ``Chain(...).run(R, seed=...)`` with the default metrics
    ``(MSEToTruth(), Coefficients())``; the batched engine is picked
    automatically. The time covers everything the call does, including the
    tidy pandas DataFrame it returns. The same call with
    ``metrics=(MSEToTruth(),)`` is timed too, as a lighter variant whose frame
    is five times smaller, and the cost of building a frame of the default
    shape alone is timed with :func:`modelcollapse.core.results.frame_from_arrays`.
post loop
    The post's scikit-learn loop, written here afresh: for every
    chain-generation, ``np.sort(rng.rand(30))`` inputs, labels from the
    previous pipeline's ``predict`` plus ``randn * 0.1`` noise, a new
    ``make_pipeline(PolynomialFeatures(3), LinearRegression())`` fit, and the
    MSE against the truth on a 100-point grid. One replicate over a modest
    number of generations gives its chain-generations per second.
floor
    numpy alone drawing the random numbers the batched replace kernel draws:
    per generation one ``Generator.random((30, R))`` for the inputs and one
    ``Generator.standard_normal((30, R))`` for the noise, nothing else. No
    engine can beat this by much, so the batched time divided by it says how
    close the engine is to pure random-number generation.

Targets (from the issue): at least 1,000 times the post loop's
chain-generations per second, and at most twice the floor's time, both at
R = 10,000 replicates. The script also reports how time grows with the number
of replicates (1k, 10k, 100k at a fixed number of generations) and with the
number of generations (at R = 10,000), the peak resident memory of one run at
each size (each in a fresh child process, so sizes do not mask each other),
and the machine's core count. Figures are medians over ``--repeats`` repeats.

Run ``python benchmarks/bench_polynomial_chain.py`` for the full measurement
(about two minutes on a two-core machine) or add ``--quick`` for a smoke run.
Where numba is installed (the ``fast`` extra) the kernel's synthetic
statistics run compiled, with the same results; ``--numpy`` measures the
numpy passes instead.
The last line is ``BENCH polynomial_chain: ratio=… target=1000
floor_ratio=… floor_target=2``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures

from modelcollapse import (
    Chain,
    Coefficients,
    MSEToTruth,
    PolynomialRegression,
    Replace,
    cosine_world,
)
from modelcollapse.core import compiled
from modelcollapse.core.results import frame_from_arrays

N_SAMPLES = 30
DEGREE = 3
NOISE = 0.1
HEADLINE_R = 10_000
SPEEDUP_TARGET = 1000
FLOOR_TARGET = 2

PASSES = "modelcollapse.families.regression.numba_passes"
"""The kernel's compiled passes (numba, the fast extra); ``--numpy`` runs without them."""

FULL_METRICS = (MSEToTruth(), Coefficients())
LIGHT_METRICS = (MSEToTruth(),)


def make_chain(n_generations: int, metrics=FULL_METRICS) -> Chain:
    return Chain(cosine_world(noise=NOISE), PolynomialRegression(degree=DEGREE), Replace(),
                 n_samples=N_SAMPLES, n_generations=n_generations, metrics=metrics)


def time_project(n_replicates: int, n_generations: int, metrics, seed: int) -> float:
    chain = make_chain(n_generations, metrics)
    start = time.perf_counter()
    frame = chain.run(n_replicates, seed=seed)
    elapsed = time.perf_counter() - start
    expected = n_replicates * n_generations * len(chain.metric_names())
    if len(frame) != expected:
        raise RuntimeError(f"expected {expected} rows, got {len(frame)}")
    return elapsed


def time_frame_only(n_replicates: int, n_generations: int) -> float:
    """Build a tidy frame of the default metrics' shape from ready arrays."""
    names = make_chain(n_generations).metric_names()
    values = np.zeros((n_generations, n_replicates, len(names)))
    degenerate = np.zeros((n_generations, n_replicates), dtype=bool)
    replicates = np.arange(n_replicates)
    start = time.perf_counter()
    frame_from_arrays(values, names, replicates, degenerate)
    return time.perf_counter() - start


def time_floor(n_replicates: int, n_generations: int, seed: int) -> float:
    """Draw exactly the batched replace kernel's random numbers, and nothing else."""
    rng = np.random.default_rng(seed)
    shape = (N_SAMPLES, n_replicates)
    start = time.perf_counter()
    for _ in range(n_generations):
        rng.random(shape)
        rng.standard_normal(shape)
    return time.perf_counter() - start


def _truth(x: np.ndarray) -> np.ndarray:
    return np.cos(1.5 * np.pi * x)


def time_post_loop(n_generations: int, seed: int) -> float:
    """The post's scikit-learn chain for one replicate, timed as a whole."""
    rng = np.random.RandomState(seed)
    grid = np.linspace(0, 1, 100)[:, np.newaxis]
    truth = _truth(grid[:, 0])
    errors = np.empty(n_generations)
    previous = None
    start = time.perf_counter()
    for g in range(n_generations):
        X = np.sort(rng.rand(N_SAMPLES))[:, np.newaxis]
        clean = _truth(X[:, 0]) if previous is None else previous.predict(X)
        y = clean + rng.randn(N_SAMPLES) * NOISE
        previous = make_pipeline(PolynomialFeatures(DEGREE), LinearRegression()).fit(X, y)
        errors[g] = np.mean((previous.predict(grid) - truth) ** 2)
    elapsed = time.perf_counter() - start
    if not np.all(np.isfinite(errors)):
        raise RuntimeError("the post loop produced a non-finite error")
    return elapsed


def peak_rss_mib(usage: resource.struct_rusage) -> float:
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return usage.ru_maxrss * scale / 2**20


def memory_probe(n_replicates: int, n_generations: int) -> None:
    """Child-process entry: one default-metrics run, then print RSS figures as JSON."""
    chain = make_chain(n_generations)
    before = peak_rss_mib(resource.getrusage(resource.RUSAGE_SELF))
    chain.run(n_replicates, seed=0)
    after = peak_rss_mib(resource.getrusage(resource.RUSAGE_SELF))
    print(json.dumps({"before": before, "peak": after}))


def measure_memory(n_replicates: int, n_generations: int) -> dict[str, float]:
    command = [sys.executable, os.path.abspath(__file__),
               "--memory-probe", str(n_replicates), str(n_generations)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def growth_exponent(size_a: float, time_a: float, size_b: float, time_b: float) -> float:
    """Exponent k in time ∝ size**k between two measurements."""
    return float(np.log(time_b / time_a) / np.log(size_b / size_a))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="much smaller sizes, one repeat unless --repeats is given")
    parser.add_argument("--repeats", type=int, default=None,
                        help="repeats per measurement (default 3, or 1 with --quick)")
    parser.add_argument("--memory-probe", nargs=2, type=int, metavar=("R", "G"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--numpy", action="store_true",
                        help="the kernel's numpy passes even where numba is installed")
    args = parser.parse_args()
    if args.numpy:   # read at the first use; the memory probes inherit it
        os.environ["MODELCOLLAPSE_NUMBA"] = "0"
    if args.memory_probe:
        memory_probe(*args.memory_probe)
        return

    if args.quick:
        replicate_sizes, fixed_g = (1_000, HEADLINE_R), 10
        generation_sizes = (10, 20)
        post_generations = 30
        repeats = args.repeats or 1
    else:
        replicate_sizes, fixed_g = (1_000, HEADLINE_R, 100_000), 50
        generation_sizes = (50, 200)
        post_generations = 200
        repeats = args.repeats or 3
    if repeats < 1:
        parser.error("--repeats must be at least 1")

    # Every (R, G) configuration to measure, in a fixed order.
    configs = [(r, fixed_g) for r in replicate_sizes]
    configs += [(HEADLINE_R, g) for g in generation_sizes if (HEADLINE_R, g) not in configs]

    print("polynomial chain throughput: batched engine vs the post's loop vs the RNG floor")
    print(f"settings: cosine world, noise={NOISE}, degree {DEGREE}, {N_SAMPLES} samples "
          f"per generation, replace policy")
    print(f"machine: {platform.machine()}, os.cpu_count()={os.cpu_count()}, "
          f"python {platform.python_version()}, numpy {np.__version__}; kernel passes: "
          f"{'numpy' if compiled.load(PASSES) is None else 'compiled (numba)'}")
    print(f"repeats: {repeats} (medians reported), interleaved per repeat as "
          f"post loop, then per size: project, project (MSE only), frame only, floor")
    print()

    # Memory first, while this process is still small: a child's ru_maxrss starts
    # from the size of the process that forked it.
    memory_lines = []
    if not args.quick:
        memory_lines.append("peak RSS of one default-metrics Chain.run, each in a fresh "
                            "process (MiB; 'start' is the RSS before the run):")
        for R, G in configs:
            memory = measure_memory(R, G)
            memory_lines.append(
                f"  R={R:>7,} G={G:>4}: peak {memory['peak']:>7,.0f}  "
                f"start {memory['before']:>5,.0f}  "
                f"run adds {memory['peak'] - memory['before']:>7,.0f}")

    # Warm-up: imports, first calls, allocator.
    make_chain(3).run(10, seed=0)
    time_post_loop(3, seed=0)
    time_floor(10, 3, seed=0)

    post: list[float] = []
    full = {c: [] for c in configs}
    light = {c: [] for c in configs}
    frame = {c: [] for c in configs}
    floor = {c: [] for c in configs}
    for repeat in range(repeats):
        seed = 1000 + repeat
        post.append(time_post_loop(post_generations, seed))
        for config in configs:
            full[config].append(time_project(*config, FULL_METRICS, seed))
            light[config].append(time_project(*config, LIGHT_METRICS, seed))
            frame[config].append(time_frame_only(*config))
            floor[config].append(time_floor(*config, seed))

    post_time = median(post)
    post_rate = post_generations / post_time
    print(f"post loop (scikit-learn, 1 replicate x {post_generations} generations): "
          f"{post_time:.3f} s, {post_rate:,.0f} chain-generations/s "
          f"({1e6 / post_rate:,.0f} µs each)")
    print()
    print("project = Chain.run with metrics (MSEToTruth, Coefficients), DataFrame included;")
    print("mse-only = same call with metrics (MSEToTruth,); frame = frame_from_arrays alone")
    print("for the default metrics' shape; floor = numpy random + standard_normal only.")
    print("times in seconds (median); rate in chain-generations/s; "
          "speedup = project rate / post loop rate")
    header = (f"{'R':>7} {'G':>4} {'project':>8} {'mse-only':>8} {'frame':>7} {'floor':>7} "
              f"{'project rate':>13} {'speedup':>8} {'proj/floor':>10} {'mse/floor':>9}")
    print(header)
    rows = {}
    for config in configs:
        R, G = config
        t_full, t_light = median(full[config]), median(light[config])
        t_frame, t_floor = median(frame[config]), median(floor[config])
        rate = R * G / t_full
        rows[config] = (t_full, t_light, t_floor)
        print(f"{R:>7,} {G:>4} {t_full:>8.3f} {t_light:>8.3f} {t_frame:>7.3f} {t_floor:>7.3f} "
              f"{rate:>13,.0f} {rate / post_rate:>8,.0f} {t_full / t_floor:>10.2f} "
              f"{t_light / t_floor:>9.2f}")
    print()

    print("growth (exponent k in time ∝ size**k; 1.0 is linear):")
    for a, b in itertools.pairwise(replicate_sizes):
        (ta, la, fa), (tb, lb, fb) = rows[(a, fixed_g)], rows[(b, fixed_g)]
        print(f"  R {a:,} -> {b:,} at G={fixed_g}: project x{tb / ta:.1f} "
              f"(k={growth_exponent(a, ta, b, tb):.2f}), mse-only x{lb / la:.1f} "
              f"(k={growth_exponent(a, la, b, lb):.2f}), floor x{fb / fa:.1f} "
              f"(k={growth_exponent(a, fa, b, fb):.2f})")
    for a, b in itertools.pairwise(generation_sizes):
        (ta, la, fa), (tb, lb, fb) = rows[(HEADLINE_R, a)], rows[(HEADLINE_R, b)]
        print(f"  G {a} -> {b} at R={HEADLINE_R:,}: project x{tb / ta:.1f} "
              f"(k={growth_exponent(a, ta, b, tb):.2f}), mse-only x{lb / la:.1f} "
              f"(k={growth_exponent(a, la, b, lb):.2f}), floor x{fb / fa:.1f} "
              f"(k={growth_exponent(a, fa, b, fb):.2f})")
    print()

    for line in memory_lines:
        print(line)
    print("peak RSS of this process (all sizes together): "
          f"{peak_rss_mib(resource.getrusage(resource.RUSAGE_SELF)):,.0f} MiB")
    print()

    t_full, t_light, t_floor = rows[(HEADLINE_R, fixed_g)]
    speedup = HEADLINE_R * fixed_g / t_full / post_rate
    floor_ratio = t_full / t_floor
    verdict = (f"speedup {'meets' if speedup >= SPEEDUP_TARGET else 'MISSES'} "
               f"the {SPEEDUP_TARGET}x target; floor ratio "
               f"{'meets' if floor_ratio <= FLOOR_TARGET else 'MISSES'} the "
               f"{FLOOR_TARGET}x target (mse-only: {t_light / t_floor:.2f})")
    print(f"headline at R={HEADLINE_R:,}, G={fixed_g}, default metrics, DataFrame included: "
          f"{verdict}")
    print(f"BENCH polynomial_chain: ratio={speedup:.0f} target={SPEEDUP_TARGET} "
          f"floor_ratio={floor_ratio:.2f} floor_target={FLOOR_TARGET}")


if __name__ == "__main__":
    main()
