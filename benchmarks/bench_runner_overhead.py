"""The runner's per-unit overhead alone, with more repeats than ``bench_runner.py`` affords.

The headline case of ``bench_runner.py`` (default metrics, G = 400, four units
of 2,000 replicates, about a second each, serial backend), run through
``run_experiment`` into a fresh directory and, interleaved in the same
process, the plain way: ``Chain.run`` on the same blocks (tidy frames, as a
user calls it), plus ``Chain.run(layout="wide")`` for reference. On a shared
machine other work only ever adds time, so the minimum over repeats is given
beside the median.

    python benchmarks/bench_runner_overhead.py --repeats 7

The last line is ``BENCH runner_overhead: overhead=…% overhead_min=…% target=5%``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_runner import (
    DEFAULT_METRICS,
    load_average,
    make_experiment,
    time_direct,
    timed_run,
)
from modelcollapse.experiment.backends import SerialBackend
from modelcollapse.experiment.sweep import build_chain, point_at

TARGET = 0.05


def time_wide(experiment) -> float:
    """``Chain.run(layout="wide")`` on the experiment's blocks, build included."""
    point = point_at(experiment, 0).experiment
    block = experiment.block_size
    start = time.perf_counter()
    chain = build_chain(point)
    for first in range(0, point.replicates, block):
        chain.run(min(block, point.replicates - first), seed=point.seed,
                  first_replicate=first, layout="wide")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--generations", type=int, default=400)
    args = parser.parse_args()
    experiment = make_experiment("bench-overhead", args.generations, 4, 2000, DEFAULT_METRICS)
    print(f"{os.cpu_count()} cores; load average at start {load_average()}")
    timed_run(make_experiment("bench-warm", 5, 2, 100, DEFAULT_METRICS), SerialBackend)
    runner, direct, wide = [], [], []
    for _ in range(args.repeats):
        runner.append(timed_run(experiment, SerialBackend).total)
        direct.append(time_direct(experiment)[0])
        wide.append(time_wide(experiment))
    for name, times in (("runner", runner), ("Chain.run", direct), ("Chain.run wide", wide)):
        print(f"{name:>15}: median {statistics.median(times):6.2f} s, min {min(times):6.2f} s "
              f"({', '.join(f'{t:.2f}' for t in times)})")
    overhead = statistics.median(runner) / statistics.median(direct) - 1
    overhead_min = min(runner) / min(direct) - 1
    against_wide = min(runner) / min(wide) - 1
    print(f"overhead against Chain.run: {overhead:.1%} (medians), {overhead_min:.1%} (minimums); "
          f"against Chain.run(layout='wide'): {against_wide:.1%} (minimums)")
    print(f"load average at the end {load_average()}")
    print(f"BENCH runner_overhead: overhead={overhead * 100:.1f}% "
          f"overhead_min={overhead_min * 100:.1f}% against_wide_min={against_wide * 100:.1f}% "
          f"target={TARGET:.0%}")


if __name__ == "__main__":
    main()
