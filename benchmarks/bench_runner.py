"""Cost of the experiment runner: parallel efficiency, per-unit overhead, Dask vs the pool.

Everything here goes through ``run_experiment`` the way ``modelcollapse run``
does, each run into a fresh temporary directory, so unit files are written,
checksummed Parquet and all. Experiments are built in code; the chain is the
default one (cosine world, cubic polynomial, replace policy, 30 samples).

Four measurements share the process and are interleaved within every repeat:

parallel efficiency
    A sweep of one point cut into 64 units (blocks of replicates, metric
    ``mse_to_truth`` only), run with ``SerialBackend()`` and with
    ``PoolBackend(2)``. One worker is the serial backend, because that is
    what ``make_backend(workers=1)`` gives a user. Efficiency is
    ``T(1) / (2 * T(2))``. The headline time of a run is what ``modelcollapse
    run`` in a new process makes a user wait for: building the backend,
    starting its processes, every unit, shutting it down, plus the one-off
    cost of a backend's first use in a process (imports, the forkserver),
    taken from a trivial run during warm-up. The per-run startup cost alone
    is estimated by timing a trivial two-unit experiment with each backend,
    and the efficiencies without the one-off cost and without any startup
    are printed next to the headline.
per-unit overhead
    The runner with ``SerialBackend()`` on N units against the plain way: the
    same chain built once with ``build_chain`` and ``Chain.run`` called for the
    same blocks, frames discarded, nothing written. Overhead is
    ``(runner - direct) / direct``, measured at two unit sizes with
    ``mse_to_truth`` only and at the larger size with the default metrics
    (``mse_to_truth`` + ``coefficients``, five values per chain-generation).
    The headline uses the default metrics at units of about one second,
    since that is what an experiment file without a ``metrics`` key runs.
    A breakdown splits the overhead into per-unit preparation in
    ``run_unit``, the driver writing unit files, and fixed per-run costs.
Dask against the pool
    The same 64-unit sweep on ``DaskBackend(workers=2)`` (a LocalCluster of
    two single-threaded worker processes); the ratio is ``T(dask) / T(pool)``
    on the same fresh-process times, with the ratio excluding start-up beside it.
result volume
    Bytes on disk per value and per chain-generation, read from the unit files the
    runs above wrote, for ``mse_to_truth`` alone and for the default metrics.

Two smaller figures come along: how the preparation ``run_unit`` repeats for
every unit grows with the number of sweep points (it lists the grid but
validates and builds only its own point), and peak resident memory:
``getrusage`` for this process and its reaped children, plus the largest
worker seen by a background ``psutil`` sampler (pool workers are children of
the forkserver, so ``getrusage`` of this process never sees them).

Run ``python benchmarks/bench_runner.py`` for the full measurement (four to five
minutes on a two-core machine) or add ``--quick`` for a smoke run of well
under a minute. The last line is ``BENCH runner: efficiency=… target=0.85
overhead=…% overhead_target=5% dask_vs_pool=…``.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from modelcollapse.core.results import metric_names
from modelcollapse.experiment.backends import Backend, DaskBackend, PoolBackend, SerialBackend
from modelcollapse.experiment.runner import run_experiment
from modelcollapse.experiment.schema import Experiment, parse_experiment
from modelcollapse.experiment.sweep import build_chain, point_at
from modelcollapse.experiment.units import plan

try:
    import psutil
except ImportError:  # only the worker-memory figure needs it
    psutil = None

WORKERS = 2
EFFICIENCY_TARGET = 0.85
OVERHEAD_TARGET = 0.05
MSE_ONLY = ("mse_to_truth",)
DEFAULT_METRICS = ("mse_to_truth", "coefficients")


@dataclass(frozen=True)
class Settings:
    """Sizes of one benchmark mode."""

    sweep_units: int
    sweep_generations: int
    block: int
    overhead_units: int
    overhead_generations: tuple[int, ...]  # mse-only sizes; the last one is ~1 s per unit
    sweep_points: tuple[int, ...]
    repeats: int


FULL = Settings(sweep_units=64, sweep_generations=170, block=2000, overhead_units=4,
                overhead_generations=(100, 400), sweep_points=(1, 16, 256), repeats=2)
QUICK = Settings(sweep_units=16, sweep_generations=40, block=1000, overhead_units=3,
                 overhead_generations=(20, 80), sweep_points=(1, 16), repeats=1)


def make_experiment(name: str, generations: int, units: int, block: int,
                    metrics: tuple[str, ...]) -> Experiment:
    return parse_experiment({"name": name, "generations": generations,
                             "replicates": units * block, "block": block,
                             "metrics": list(metrics)})


class TimedBackend(Backend):
    """A backend wrapper that records when units arrive and what happens between them.

    While the runner is inside the wrapped backend's generator it is either
    computing (serial backend) or waiting for workers; between two yields it
    is doing the driver's own work, which is writing the unit file.

    Parameters
    ----------
    inner : Backend
        The backend doing the work.
    started : float
        ``time.perf_counter()`` taken before ``inner`` was built.
    """

    def __init__(self, inner: Backend, started: float):
        self.inner = inner
        self.name = inner.name
        self.started = started
        self.first_unit: float | None = None
        self.inside = 0.0
        self.driver = 0.0
        self.closing = 0.0

    def run(self, task, config_json, units):  # noqa: D102
        resumed = time.perf_counter()
        for unit, frame in self.inner.run(task, config_json, units):
            arrived = time.perf_counter()
            self.inside += arrived - resumed
            if self.first_unit is None:
                self.first_unit = arrived - self.started
            yield unit, frame
            resumed = time.perf_counter()
            self.driver += resumed - arrived
        self.inside += time.perf_counter() - resumed

    def close(self) -> None:  # noqa: D102
        start = time.perf_counter()
        self.inner.close()
        self.closing = time.perf_counter() - start


@dataclass(frozen=True)
class RunTiming:
    """One timed ``run_experiment`` call and what its run directory held."""

    total: float
    build: float
    first_unit: float
    inside: float
    driver: float
    closing: float
    n_files: int
    n_bytes: int
    n_values: int
    value_sum: float


def read_run(path: Path) -> tuple[int, int, int, float]:
    """Files, bytes, values and the sum of the values over a run's unit files, in unit order."""
    files = sorted((path / "units").glob("*.parquet"))
    n_bytes = sum(f.stat().st_size for f in files)
    n_values, value_sum = 0, 0.0
    for f in files:
        table = pq.read_table(f)
        for name in metric_names(table):
            values = table.column(name).to_numpy()
            n_values += len(values)
            value_sum += exact_sum(values)
    return len(files), n_bytes, n_values, value_sum


def timed_run(experiment: Experiment, factory: Callable[[], Backend]) -> RunTiming:
    """Run ``experiment`` into a fresh directory on a backend built inside the timing."""
    n_units = len(plan(experiment)[1])
    with tempfile.TemporaryDirectory(prefix="bench-runner-") as tmp:
        started = time.perf_counter()
        backend = TimedBackend(factory(), started)
        built = time.perf_counter()
        summary = run_experiment(experiment, tmp, backend=backend, quiet=True)
        total = time.perf_counter() - started
        if summary.computed != n_units:
            raise RuntimeError(f"expected {n_units} units, the runner computed {summary.computed}")
        n_files, n_bytes, n_values, value_sum = read_run(summary.path)
    return RunTiming(total, built - started, backend.first_unit or 0.0, backend.inside,
                     backend.driver, backend.closing, n_files, n_bytes, n_values, value_sum)


def time_direct(experiment: Experiment) -> tuple[float, float]:
    """The plain way: one chain, ``Chain.run`` per block, frames discarded."""
    point = point_at(experiment, 0).experiment
    block = experiment.block_size
    start = time.perf_counter()
    chain = build_chain(point)
    elapsed = time.perf_counter() - start
    value_sum = 0.0
    for first in range(0, point.replicates, block):
        start = time.perf_counter()
        frame = chain.run(min(block, point.replicates - first), seed=point.seed,
                          first_replicate=first)
        elapsed += time.perf_counter() - start
        # Summed as the unit files store them, to float32 precision (see core/results.py).
        value_sum += exact_sum(frame["value"].to_numpy().astype(np.float32))
    return elapsed, value_sum


def exact_sum(values: np.ndarray) -> float:
    """The correctly rounded sum, the same in any order (files and frames order values apart)."""
    return math.fsum(values.astype(np.float64).tolist())


def time_preparation(n_points: int) -> float:
    """What ``run_unit`` does before ``Chain.run`` for a sweep of ``n_points`` points."""
    experiment = parse_experiment({"name": "prep", "generations": 10, "replicates": 10,
                                   "sweep": {"seed": list(range(n_points))}})
    config_json = experiment.model_dump_json()
    start = time.perf_counter()
    parsed = Experiment.model_validate_json(config_json)
    point = point_at(parsed, n_points - 1)
    build_chain(point.experiment)
    return time.perf_counter() - start


class WorkerMemory:
    """Sample the resident memory of this process's descendants in a background thread.

    Parameters
    ----------
    interval : float
        Seconds between samples.
    """

    def __init__(self, interval: float = 0.25):
        self.interval = interval
        self.peak_one = 0
        self.peak_sum = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(self.interval):
            total = 0
            for child in me.children(recursive=True):
                try:
                    rss = child.memory_info().rss
                except psutil.Error:
                    continue
                total += rss
                self.peak_one = max(self.peak_one, rss)
            self.peak_sum = max(self.peak_sum, total)

    def __enter__(self) -> WorkerMemory:
        if psutil is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


def peak_rss_mib(who: int) -> float:
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(who).ru_maxrss * scale / 2**20


def filesystem_of(path: str) -> str:
    """The file system type holding ``path`` (Linux), for the record."""
    try:
        mounts = [line.split() for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return "unknown"
    real = os.path.realpath(path)
    best = max((m for m in mounts if len(m) > 2 and (real + "/").startswith(m[1].rstrip("/")
                                                                             + "/")),
               key=lambda m: len(m[1]), default=None)
    return best[2] if best else "unknown"


def load_average() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def dask_available() -> bool:
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        return False
    return True


def dask_malloc_trim() -> str:
    """The glibc trim threshold a worker of the project's local Dask cluster runs with."""
    from modelcollapse.experiment.backends import DaskBackend

    backend = DaskBackend(workers=1)
    try:
        value = backend.client.submit(os.environ.get, "MALLOC_TRIM_THRESHOLD_",
                                      pure=False).result()
    finally:
        backend.close()
    return "unset (glibc's adaptive default)" if value is None else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer and shorter units, one repeat unless --repeats is given")
    parser.add_argument("--repeats", type=int, default=None,
                        help="repeats per measurement (default 2, or 1 with --quick)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask comparison")
    args = parser.parse_args()
    settings = QUICK if args.quick else FULL
    repeats = args.repeats or settings.repeats
    if repeats < 1:
        parser.error("--repeats must be at least 1")
    use_dask = not args.no_dask and dask_available()

    s = settings
    sweep = make_experiment("bench-sweep", s.sweep_generations, s.sweep_units, s.block, MSE_ONLY)
    trivial = make_experiment("bench-trivial", 1, WORKERS, 1, MSE_ONLY)
    overhead_cases = [(f"mse-only G={g}", make_experiment(f"bench-over-{g}", g,
                                                          s.overhead_units, s.block, MSE_ONLY))
                      for g in s.overhead_generations]
    headline_g = s.overhead_generations[-1]
    headline_case = f"default G={headline_g}"
    overhead_cases.append((headline_case, make_experiment(
        "bench-over-default", headline_g, s.overhead_units, s.block, DEFAULT_METRICS)))

    # The pool runs before Dask in every repeat, so the forkserver (started once, on the
    # pool's first use) never inherits the variables a Dask nanny writes into os.environ.
    backends: dict[str, Callable[[], Backend]] = {
        "serial": SerialBackend, "pool": lambda: PoolBackend(WORKERS)}
    if use_dask:
        backends["dask"] = lambda: DaskBackend(workers=WORKERS)

    print("experiment runner: parallel efficiency, per-unit overhead, Dask vs the pool")
    print(f"machine: {platform.machine()}, os.cpu_count()={os.cpu_count()}, "
          f"python {platform.python_version()}, numpy {np.__version__}; temporary files on "
          f"{tempfile.gettempdir()} ({filesystem_of(tempfile.gettempdir())})")
    print(f"load average at start (1, 5, 15 min): {load_average()} "
          "(other work on the machine makes the parallel figures unreliable)")
    print(f"chain: cosine world, polynomial model, replace policy, 30 samples; "
          f"blocks of {s.block:,} replicates per unit")
    print(f"sweep: {s.sweep_units} units x {s.sweep_generations} generations, mse_to_truth only; "
          f"backends: {', '.join(backends)} ({WORKERS} workers)")
    print(f"repeats: {repeats} (medians reported), interleaved per repeat as trivial and sweep "
          f"run per backend, then runner and direct per overhead case")
    if not use_dask:
        print("dask: not measured (not installed or --no-dask)")
    print()

    # Warm-up: imports, the kernel's first call, the Parquet writer.
    timed_run(make_experiment("bench-warm", 5, 2, 100, DEFAULT_METRICS), SerialBackend)
    time_direct(make_experiment("bench-warm", 5, 2, 100, DEFAULT_METRICS))
    # The first trivial run of each backend in this process pays one-off costs (imports,
    # the forkserver) that a fresh `modelcollapse run` pays too; later runs do not.
    first_use = {name: timed_run(trivial, factory).total for name, factory in backends.items()}

    sweep_times: dict[str, list[RunTiming]] = {name: [] for name in backends}
    trivial_times: dict[str, list[float]] = {name: [] for name in backends}
    runner_times: dict[str, list[RunTiming]] = {name: [] for name, _ in overhead_cases}
    direct_times: dict[str, list[float]] = {name: [] for name, _ in overhead_cases}
    direct_sums: dict[str, float] = {}
    with WorkerMemory() as workers_memory:
        for _ in range(repeats):
            for name, factory in backends.items():
                trivial_times[name].append(timed_run(trivial, factory).total)
                sweep_times[name].append(timed_run(sweep, factory))
            for name, experiment in overhead_cases:
                runner_times[name].append(timed_run(experiment, SerialBackend))
                elapsed, direct_sums[name] = time_direct(experiment)
                direct_times[name].append(elapsed)
        preparation = {n: [] for n in s.sweep_points}
        for _ in range(5):
            for n in s.sweep_points:
                preparation[n].append(time_preparation(n))

    # The same units must give the same values on every backend and directly.
    reference = sweep_times["serial"][0].value_sum
    for name, runs in sweep_times.items():
        if any(run.value_sum != reference or run.n_files != s.sweep_units for run in runs):
            raise RuntimeError(f"the {name} backend did not reproduce the serial results")
    for name, runs in runner_times.items():
        # Summed per file and metric against per block: equal but for the order of additions.
        if any(not math.isclose(run.value_sum, direct_sums[name], rel_tol=1e-12)
               for run in runs):
            raise RuntimeError(f"{name}: the runner's values differ from Chain.run's")

    def med(runs: list[RunTiming], field: str) -> float:
        return median([getattr(run, field) for run in runs])

    # -- parallel efficiency and Dask ------------------------------------------------------
    t_sweep = {name: med(runs, "total") for name, runs in sweep_times.items()}
    t_trivial = {name: median(times) for name, times in trivial_times.items()}
    startup = {name: max(t_trivial[name] - t_trivial["serial"], 0.0) for name in backends}
    once = {name: max(first_use[name] - t_trivial[name], 0.0) for name in backends}
    fresh = {name: t_sweep[name] + once[name] for name in backends}
    steady = {name: t_sweep[name] - startup[name] for name in backends}
    unit_time = t_sweep["serial"] / s.sweep_units
    print(f"{s.sweep_units}-unit sweep ({unit_time:.2f} s per unit serially); times in seconds "
          "(median)")
    print(f"{'backend':>7} {'total':>6} {'build':>6} {'1st unit':>8} {'close':>6} {'driver':>6} "
          f"{'startup':>7} {'once':>5} {'fresh':>6} {'eff.':>5} {'eff. run':>8} "
          f"{'eff. w/o':>8}")
    for name, runs in sweep_times.items():
        if name == "serial":
            effs = ["-", "-", "-"]
        else:
            effs = [f"{fresh['serial'] / (WORKERS * fresh[name]):.2f}",
                    f"{t_sweep['serial'] / (WORKERS * t_sweep[name]):.2f}",
                    f"{steady['serial'] / (WORKERS * steady[name]):.2f}"]
        print(f"{name:>7} {t_sweep[name]:>6.2f} {med(runs, 'build'):>6.2f} "
              f"{med(runs, 'first_unit'):>8.2f} {med(runs, 'closing'):>6.2f} "
              f"{med(runs, 'driver'):>6.2f} {startup[name]:>7.2f} {once[name]:>5.2f} "
              f"{fresh[name]:>6.2f} {effs[0]:>5} {effs[1]:>8} {effs[2]:>8}")
    for name, runs in sweep_times.items():
        print(f"  {name} totals per repeat: " + ", ".join(f"{run.total:.2f}" for run in runs))
    print("  total = one run_experiment call, backend built, started and closed inside it;")
    print("  build = backend constructor; 1st unit = from constructor to first finished unit;")
    print("  driver = time the driving process spent between units (writing unit files);")
    print("  startup = per-run start-up cost, a trivial 2-unit run minus the serial one;")
    print("  once = extra cost of the first such run in a process (imports, the forkserver);")
    print("  fresh = total + once, what `modelcollapse run` in a new process pays;")
    print(f"  eff. = T(serial) / ({WORKERS} x T(backend)) on fresh times (the headline); "
          "eff. run = on totals; eff. w/o = startup taken out")
    efficiency = fresh["serial"] / (WORKERS * fresh["pool"])
    efficiency_run = t_sweep["serial"] / (WORKERS * t_sweep["pool"])
    efficiency_steady = steady["serial"] / (WORKERS * steady["pool"])
    if use_dask:
        dask_vs_pool = fresh["dask"] / fresh["pool"]
        print(f"dask / pool: {dask_vs_pool:.2f} on fresh times (the headline), "
              f"{t_sweep['dask'] / t_sweep['pool']:.2f} on totals, "
              f"{steady['dask'] / steady['pool']:.2f} with startup taken out")
        print(f"  dask workers start with MALLOC_TRIM_THRESHOLD_={dask_malloc_trim()} "
              "(distributed.nanny.pre-spawn-environ)")
    else:
        dask_vs_pool = float("nan")
    print()

    # -- per-unit overhead -----------------------------------------------------------------
    print(f"runner (serial backend) vs Chain.run directly, {s.overhead_units} units each; "
          "times in seconds (median), per-unit figures in ms")
    print(f"{'case':>18} {'unit':>6} {'runner':>7} {'direct':>7} {'overhead':>8} "
          f"{'per unit':>8} {'prep':>6} {'write':>6} {'fixed':>6}")
    overhead = {}
    for name, _ in overhead_cases:
        runs = runner_times[name]
        t_runner, t_direct = med(runs, "total"), median(direct_times[name])
        inside, driver = med(runs, "inside"), med(runs, "driver")
        n = s.overhead_units
        overhead[name] = (t_runner - t_direct) / t_direct
        prep = (inside - t_direct) / n
        fixed = t_runner - inside - driver
        print(f"{name:>18} {t_direct / n:>6.2f} {t_runner:>7.2f} {t_direct:>7.2f} "
              f"{overhead[name]:>7.1%} {(t_runner - t_direct) / n * 1e3:>8.1f} "
              f"{prep * 1e3:>6.1f} {driver / n * 1e3:>6.1f} {fixed * 1e3:>6.1f}")
    print("  unit = seconds of Chain.run per unit; prep = run_unit's extra work per unit "
          "(parse, expand, build, columns);")
    print("  write = driver writing one unit file; fixed = per run (plan, open, status, finish), "
          "not per unit")
    print("run_unit preparation vs sweep size (it builds only its own point):")
    for n in s.sweep_points:
        t = median(preparation[n])
        print(f"  {n:>4} sweep points: {t * 1e3:8.2f} ms per unit")
    print()

    # -- result volume ---------------------------------------------------------------------
    print("result volume of the unit files (Parquet as the runner writes it):")
    volume_cases = [("mse_to_truth", sweep_times["serial"][0], sweep),
                    ("default metrics", runner_times[headline_case][0],
                     dict(overhead_cases)[headline_case])]
    for label, run, experiment in volume_cases:
        chain_generations = experiment.replicates * experiment.generations
        per_million = run.n_bytes / (chain_generations / 1e6)
        print(f"  {label:>15}: {per_million / 2**20:7.2f} MiB per million chain-generations, "
              f"{run.n_values / chain_generations:.0f} values per chain-generation, "
              f"{run.n_bytes / run.n_values:.2f} bytes per value "
              f"({run.n_files} files, {run.n_bytes / 2**20:,.1f} MiB)")
    print()

    # -- memory ----------------------------------------------------------------------------
    print(f"peak RSS: this process {peak_rss_mib(resource.RUSAGE_SELF):,.0f} MiB; "
          f"largest reaped child {peak_rss_mib(resource.RUSAGE_CHILDREN):,.0f} MiB "
          "(a child started by fork and exec keeps this process's size in that figure)")
    if psutil is not None:
        print(f"  sampled descendants: largest one {workers_memory.peak_one / 2**20:,.0f} MiB, "
              f"all together {workers_memory.peak_sum / 2**20:,.0f} MiB")
    print()

    print(f"load average at the end (1, 5, 15 min): {load_average()}")
    print()

    headline_overhead = overhead[headline_case]
    print(f"headline: pool efficiency {efficiency:.2f} in a fresh process ({efficiency_run:.2f} "
          f"in a warm one, {efficiency_steady:.2f} without startup) "
          f"{'meets' if efficiency >= EFFICIENCY_TARGET else 'MISSES'} the "
          f"{EFFICIENCY_TARGET} target; overhead {headline_overhead:.1%} at "
          f"{median(direct_times[headline_case]) / s.overhead_units:.2f} s units, default "
          f"metrics, {'meets' if headline_overhead < OVERHEAD_TARGET else 'MISSES'} the "
          f"{OVERHEAD_TARGET:.0%} target")
    print(f"BENCH runner: efficiency={efficiency:.2f} target={EFFICIENCY_TARGET} "
          f"overhead={headline_overhead * 100:.1f}% overhead_target={OVERHEAD_TARGET:.0%} "
          f"dask_vs_pool={dask_vs_pool:.2f}")


if __name__ == "__main__":
    main()
