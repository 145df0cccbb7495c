"""Code study: static-verifier throughput and the squattable-name index against a naive scan.

Run ``python benchmarks/bench_code.py`` (``--quick`` for CI). Both searches run
in this process on the same invented names; their results must be identical.
"""

import argparse
import os
import statistics
import sysconfig
import time
from pathlib import Path

import numpy as np

from modelcollapse.code import SquatIndex, StaticVerifier, default_registry, naive_squat_search


def typos(names, n, rng):
    out = []
    for _ in range(n):
        name = list(names[int(rng.integers(len(names)))])
        i = int(rng.integers(len(name)))
        name[i] = "xq"[int(rng.integers(2))]
        out.append("".join(name))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    top, n_names, n_files = (2000, 20, 40) if args.quick else (15_000, 100, 300)
    print(f"cores: {os.cpu_count()}")

    verifier = StaticVerifier()
    files = sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))[:n_files]
    sources = [f.read_bytes() for f in files]
    verifier.verify(sources[0])  # read the registry once, outside the timing
    start = time.perf_counter()
    verdicts = [verifier.verify(s) for s in sources]
    first = time.perf_counter() - start
    start = time.perf_counter()
    verdicts = [verifier.verify(s) for s in sources]
    warm = time.perf_counter() - start
    print(f"verifier: {len(sources)} stdlib files, {len(sources) / first:.0f} files/s cold "
          f"(stdlib index filling), {len(sources) / warm:.0f} files/s warm; "
          f"{sum(v.parsed for v in verdicts)} parsed")

    registry = default_registry()
    start = time.perf_counter()
    index = SquatIndex(registry, top=top)
    build = time.perf_counter() - start
    names = typos(index.packages, n_names, np.random.default_rng(0))
    names = [n for n in names if registry.distribution(n) is None]
    fast_times, slow_times = [], []
    for _ in range(3):
        start = time.perf_counter()
        fast = index.squattable(names)
        fast_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        slow = naive_squat_search(names, index.packages, registry.ranks)
        slow_times.append(time.perf_counter() - start)
        assert fast == slow, "index and naive scan disagree"
    ratio = statistics.median(slow_times) / statistics.median(fast_times)
    print(f"squat search: {len(names)} names against the top {top}: index "
          f"{statistics.median(fast_times) * 1e3:.2f} ms (build {build:.1f} s once), naive "
          f"{statistics.median(slow_times) * 1e3:.0f} ms; {len(fast)} squattable, identical")
    print(f"BENCH code_squat: ratio={ratio:.0f} target=100")


if __name__ == "__main__":
    main()
