"""The package-name kernel against the per-replicate loop, and the sandbox's cost per item.

The same package-name chain (the shipped world: 1,000 real packages and
their mistakes, 1,000 writes a generation, every package-name metric, replace)
runs two ways in one process, interleaved: ``Chain.run`` with the batched
kernel at 1,000 replicates (its compiled passes where numba is installed,
``--numpy`` for its numpy passes), and with ``engine="loop"`` (one replicate
at a time through the generic fit–write loop) on fewer replicates; both are
reported as chain-generations per second. Then the sandbox: seconds per item
for a fresh bubblewrap sandbox running a small function, against starting a
bare ``python -I`` on the same item (what the sandbox adds).

The last line is ``BENCH packages: ratio=… target=100 sandbox_seconds_per_item=…``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from modelcollapse import Chain, Replace
from modelcollapse.families.code.packages import compiled
from modelcollapse.families.code.packages.metrics import PACKAGE_METRICS, PackageNameMetric
from modelcollapse.families.code.packages.model import PackageWriter
from modelcollapse.families.code.packages.world import PackageNameWorld
from modelcollapse.families.code.sandbox import Sandbox

ITEM = "def double(x):\n    return 2 * x\n"


def rate(chain: Chain, replicates: int, engine: str) -> float:
    """Chain-generations per second of one run."""
    start = time.perf_counter()
    frame = chain.run(replicates, seed=1, engine=engine)
    elapsed = time.perf_counter() - start
    assert frame["replicate"].nunique() == replicates
    return replicates * chain.n_generations / elapsed


def bare_python_seconds() -> float:
    """One plain ``python -I`` running the item, the floor any process-per-item check pays."""
    with tempfile.TemporaryDirectory() as scratch:
        Path(scratch, "item.py").write_text(ITEM + "double(21)\n")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-I", "item.py"], cwd=scratch, check=True)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    parser.add_argument("--numpy", action="store_true",
                        help="the kernel's numpy passes even where numba is installed")
    args = parser.parse_args()
    if args.numpy:
        os.environ["MODELCOLLAPSE_NUMBA"] = "0"    # read at the first use, below
    repeats = 1 if args.quick else 3
    G = 3 if args.quick else 10
    batched_R, loop_R = (200, 5) if args.quick else (1000, 20)
    chain = Chain(PackageNameWorld(), PackageWriter(), Replace(), n_samples=1000,
                  n_generations=G, metrics=tuple(PackageNameMetric(n) for n in PACKAGE_METRICS))
    chain.run(2, seed=0)      # build the universe of names once, outside the timings
    passes = "compiled (numba)" if compiled.available() else "numpy"
    print(f"package-name kernel ({passes} passes) vs loop; {os.cpu_count()} cores; G={G}; "
          f"batched R={batched_R:,}, loop R={loop_R}; medians of {repeats} repeats")
    batched, loop = [], []
    for _ in range(repeats):
        batched.append(rate(chain, batched_R, "batched"))
        loop.append(rate(chain, loop_R, "loop"))
    ratio = statistics.median(batched) / statistics.median(loop)
    print(f"  batched {statistics.median(batched):,.0f} chain-generations/s, loop "
          f"{statistics.median(loop):,.0f}/s, ratio {ratio:.1f}")
    sandbox = Sandbox()
    n_items = 5 if args.quick else 20
    sandboxed, bare = [], []
    for _ in range(n_items):
        start = time.perf_counter()
        assert sandbox.run(ITEM, "double", ["(21,)"]).outcomes == [["value", "42"]]
        sandboxed.append(time.perf_counter() - start)
        bare.append(bare_python_seconds())
    per_item, floor = statistics.median(sandboxed), statistics.median(bare)
    print(f"  sandbox {per_item * 1000:.0f} ms per item, bare python -I {floor * 1000:.0f} ms "
          f"({per_item / floor:.1f}x)")
    print(f"BENCH packages: ratio={ratio:.1f} target=100 "
          f"sandbox_seconds_per_item={per_item:.3f} bare_python_seconds={floor:.3f}")


if __name__ == "__main__":
    main()
