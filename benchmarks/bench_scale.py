"""How time and memory grow with scale: 10^4 to 10^6 replicates, and a 1,000-unit sweep.

Two measurements, each size in a fresh child process so that sizes do not
hide each other's memory:

chain
    The post's chain (cosine world, cubic, 30 samples, replace), 50
    generations, one metric (``mse_to_truth``), ``Chain.run(R)`` on the
    batched engine, tidy frame included, for R = 10^4, 10^5 and 10^6. Prints
    seconds, chain-generations per second, peak RSS above the interpreter's
    start, and the growth exponents between sizes (time ~ R^a, memory ~ R^b).
memory
    The same chain with the default metrics (``mse_to_truth`` and four
    coefficients, five values per chain-generation) at R = 10^5, G = 50:
    peak RSS above the interpreter's start for ``Chain.run(layout="wide")``
    (the recorded table, what the runner writes) and for the tidy frame
    ``Chain.run`` returns by default, each in a fresh process. Target: the
    wide table adds at most 400 MiB.
sweep
    An experiment of 1,000 units (1,000 replicates in blocks of one, 20
    generations) through ``run_experiment`` with a local pool of as many
    workers as cores, against calling ``Chain.run`` for the same 1,000
    replicates in one process: total seconds, per-unit overhead, run
    directory size and the driver's peak RSS.

The last line is ``BENCH scale: chain_exponent=… memory_exponent=…
sweep_overhead_per_unit_ms=… default_metrics_rss_mib=… target=400``.

    python benchmarks/bench_scale.py            # about 3 minutes on 2 cores
    python benchmarks/bench_scale.py --quick    # 10^3 to 10^4, 100 units
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def chain_child(n_replicates: int) -> dict:
    """One chain run of ``n_replicates``: seconds and RSS growth (MiB)."""
    from modelcollapse.core.chain import Chain
    from modelcollapse.families.regression.metrics import MSEToTruth
    from modelcollapse.families.regression.model import PolynomialRegression
    from modelcollapse.families.regression.world import cosine_world

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    chain = Chain(cosine_world(), PolynomialRegression(degree=3), n_samples=30,
                  n_generations=50, metrics=(MSEToTruth(),))
    start = time.perf_counter()
    frame = chain.run(n_replicates, seed=0)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "rss_mib": (peak - before) / 1024, "rows": len(frame)}


def memory_child(n_replicates: int, layout: str) -> dict:
    """The chain with its default metrics, 50 generations: seconds and RSS growth (MiB)."""
    from modelcollapse.core.chain import Chain
    from modelcollapse.families.regression.model import PolynomialRegression
    from modelcollapse.families.regression.world import cosine_world

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    chain = Chain(cosine_world(), PolynomialRegression(degree=3), n_samples=30,
                  n_generations=50)
    start = time.perf_counter()
    result = chain.run(n_replicates, seed=0, layout=layout)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "rss_mib": (peak - before) / 1024,
            "values": n_replicates * 50 * 5, "rows": len(result)}


def sweep_child(n_units: int, workers: int) -> dict:
    """A run of ``n_units`` one-replicate units against the same replicates in one call."""
    from modelcollapse.experiment.runner import make_backend, run_experiment
    from modelcollapse.experiment.schema import parse_experiment
    from modelcollapse.experiment.sweep import build_chain

    experiment = parse_experiment({
        "name": "scale", "seed": 1, "generations": 20, "replicates": n_units, "block": 1,
        "samples": 30, "world": "cosine", "model": "polynomial",
        "metrics": ["mse_to_truth"]})
    start = time.perf_counter()
    build_chain(experiment).run(n_units, seed=1)
    direct = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        run_experiment(experiment, out, backend=make_backend(workers, n_units=n_units),
                       quiet=True)
        through_runner = time.perf_counter() - start
        size = sum(f.stat().st_size for f in Path(out).rglob("*") if f.is_file())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"direct": direct, "runner": through_runner, "bytes": size, "rss_mib": peak}


def in_child(kind: str, *args: int) -> dict:
    """Run ``kind`` in a fresh interpreter and read its JSON answer."""
    code = (f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"import bench_scale; print(json.dumps(bench_scale.{kind}_child(*{args!r})))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def exponent(sizes: list[int], values: list[float]) -> float:
    """Slope of log(value) against log(size) between the two largest sizes."""
    return math.log(values[-1] / values[-2]) / math.log(sizes[-1] / sizes[-2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = [1_000, 10_000] if args.quick else [10_000, 100_000, 1_000_000]
    n_units = 100 if args.quick else 1_000
    workers = os.cpu_count() or 1
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}")
    runs = []
    for R in sizes:
        run = in_child("chain", R)
        runs.append(run)
        print(f"chain R={R:,} G=50, one metric: {run['seconds']:.2f} s, "
              f"{R * 50 / run['seconds']:,.0f} chain-generations/s, +{run['rss_mib']:,.0f} MiB "
              f"peak RSS, {run['rows']:,} rows")
    time_exp = exponent(sizes, [r["seconds"] for r in runs])
    memory_exp = exponent(sizes, [max(r["rss_mib"], 1.0) for r in runs])
    print(f"growth between the two largest: time ~ R^{time_exp:.2f}, memory ~ R^{memory_exp:.2f}")
    memory_R = 10_000 if args.quick else 100_000
    memory = {}
    for layout in ("wide", "tidy"):
        memory[layout] = in_child("memory", memory_R, layout)
        run = memory[layout]
        print(f"chain R={memory_R:,} G=50, default metrics, layout={layout}: "
              f"{run['seconds']:.2f} s, +{run['rss_mib']:,.0f} MiB peak RSS "
              f"({run['rss_mib'] * 2**20 / run['values']:.1f} bytes a value), "
              f"{run['rows']:,} rows")
    sweep = in_child("sweep", n_units, workers)
    per_unit = (sweep["runner"] - sweep["direct"]) / n_units * 1e3
    print(f"sweep of {n_units:,} units (one replicate, 20 generations each), {workers} workers: "
          f"{sweep['runner']:.1f} s through the runner against {sweep['direct']:.2f} s for "
          f"one Chain.run of all replicates; {per_unit:.1f} ms per unit above it; run "
          f"directory {sweep['bytes'] / 2**20:.1f} MiB; driver peak RSS "
          f"{sweep['rss_mib']:,.0f} MiB")
    print(f"BENCH scale: chain_exponent={time_exp:.2f} memory_exponent={memory_exp:.2f} "
          f"sweep_overhead_per_unit_ms={per_unit:.1f} "
          f"default_metrics_rss_mib={memory['wide']['rss_mib']:.0f} target=400")


if __name__ == "__main__":
    main()
