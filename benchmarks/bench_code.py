"""Code study: static-verifier throughput and the squattable-name index against a naive scan.

Run ``python benchmarks/bench_code.py`` (``--quick`` for CI).

- Verifier: generated items are one function or class each, so it is timed on
  the standard library's own units (what the code world trains on) and on
  whole stdlib files, cold (the stdlib index filling as modules are first
  read) and warm, against bare ``ast.parse`` of the same sources (the least
  any static check must cost).
- Squattable names: the symmetric-delete index against the plain all-pairs
  OSA scan, in this process on the same typo'd names, at two registry sizes;
  their results must be identical.
"""

import argparse
import ast
import os
import resource
import statistics
import sysconfig
import time
from pathlib import Path

import numpy as np

from modelcollapse.families.code import (
    SquatIndex,
    StaticVerifier,
    default_registry,
    naive_squat_search,
)
from modelcollapse.families.code.world import stdlib_units


def typos(names, n, rng):
    """``n`` names one or two random edits away from random ``names``."""
    out = []
    letters = "abcdefghijklmnopqrstuvwxyz0123456789-"
    for _ in range(n):
        name = list(names[int(rng.integers(len(names)))])
        for _ in range(int(rng.integers(1, 3))):
            i = int(rng.integers(len(name)))
            name[i] = letters[int(rng.integers(len(letters)))]
        out.append("".join(name))
    return out


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def bench_verifier(n_units: int, n_files: int) -> None:
    train, _ = stdlib_units()
    units = [text for _, text in train[::max(len(train) // n_units, 1)][:n_units]]
    files = [f.read_bytes() for f in
             sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))[:n_files]]
    verifier = StaticVerifier()
    verifier.verify("import os")  # the registry is read once per process, outside the timing
    for label, sources in ((f"{len(units)} stdlib units (one function/class each)", units),
                           (f"{len(files)} whole stdlib files", files)):
        cold, verdicts = timed(lambda s: [verifier.verify(x) for x in s], sources)
        warm = statistics.median(timed(lambda s: [verifier.verify(x) for x in s], sources)[0]
                                 for _ in range(3))
        parse = statistics.median(timed(lambda s: [ast.parse(x) for x in s], sources)[0]
                                  for _ in range(3))
        flagged = sum(bool(v.findings) for v in verdicts)
        print(f"verifier, {label}: {len(sources) / cold:,.0f}/s cold, "
              f"{len(sources) / warm:,.0f}/s warm ({warm / len(sources) * 1e3:.2f} ms each); "
              f"bare ast.parse {len(sources) / parse:,.0f}/s, verify/parse = {warm / parse:.1f}; "
              f"{sum(v.parsed for v in verdicts)} parsed, {flagged} flagged")


def bench_squat(top: int, n_names: int, repeats: int) -> float:
    registry = default_registry()
    build, index = timed(SquatIndex, registry, top)
    names = [n for n in typos(index.packages, n_names, np.random.default_rng(0))
             if registry.distribution(n) is None]
    fast_times, slow_times = [], []
    for _ in range(repeats):
        fast_time, fast = timed(index.squattable, names)
        slow_time, slow = timed(naive_squat_search, names, index.packages, registry.ranks)
        fast_times.append(fast_time)
        slow_times.append(slow_time)
        assert fast == slow, "index and naive scan disagree"
    fast_time, slow_time = statistics.median(fast_times), statistics.median(slow_times)
    print(f"squat search, {len(names)} typo'd names against the top {top:,}: index "
          f"{fast_time * 1e3:.1f} ms ({fast_time / len(names) * 1e3:.2f} ms a name; built once "
          f"in {build:.2f} s), naive scan {slow_time:.2f} s; {len(fast)} squattable, "
          f"identical; ratio {slow_time / fast_time:.0f}")
    return slow_time / fast_time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}")
    if args.quick:
        bench_verifier(n_units=200, n_files=10)
        ratio = bench_squat(top=2000, n_names=20, repeats=3)
    else:
        bench_verifier(n_units=2000, n_files=100)
        bench_squat(top=2000, n_names=100, repeats=3)
        ratio = bench_squat(top=15_000, n_names=100, repeats=3)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MiB")
    print(f"BENCH code_squat: ratio={ratio:.0f} target=100")


if __name__ == "__main__":
    main()
