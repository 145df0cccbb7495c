"""How long a report takes for a run of 100,000 result rows (and of 1,000,000).

A run of the ``policy-comparison`` shape (five policies, the post's cubic) is
written to a temporary run directory at two sizes; then, in the same process
and interleaved:

report
    ``modelcollapse.report.write_report``: DuckDB summaries straight from the
    unit files, the theory overlay, every figure rendered and inlined, the
    HTML written.
aggregation, project way
    The per-(point, metric, generation) statistics the report draws from
    (``RunView.summary``: count, mean, sd, median, 2.5% and 97.5% quantiles),
    computed by DuckDB over the Parquet files.
aggregation, plain way
    The same statistics the way a pandas user would write them: read every
    unit file, concatenate, ``groupby`` with ``mean/std/median/quantile``.

The target is "seconds, not minutes" for the whole report at 100,000 rows;
the ratio printed is plain aggregation time over DuckDB aggregation time.
The last line is ``BENCH report: rows=… seconds=… target=60 aggregation_ratio=…``
for the smaller size (100,000 rows; 10,000 with ``--quick``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from modelcollapse.experiment.backends import SerialBackend
from modelcollapse.experiment.runner import run_experiment
from modelcollapse.experiment.schema import parse_experiment
from modelcollapse.report import RunView, write_report

POLICIES = ["replace", "accumulate", "accumulate-subsample(30)", "fresh-real(0.1)",
            "keep-original(0.1)"]


def make_run(folder: Path, replicates: int, generations: int) -> Path:
    """Write a run of ``5 × replicates × generations`` rows (one metric) into ``folder``."""
    experiment = parse_experiment({
        "name": "bench-report", "generations": generations, "replicates": replicates,
        "block": max(1, replicates // 4), "metrics": ["mse_to_truth"],
        "sweep": {"policy": POLICIES}})
    run_experiment(experiment, folder, backend=SerialBackend(), quiet=True)
    return folder / "bench-report"


def time_report(run: Path, out: Path) -> float:
    started = time.perf_counter()
    write_report([run], out)
    return time.perf_counter() - started


def time_duckdb_summary(run: Path) -> float:
    started = time.perf_counter()
    summary = RunView(run).summary
    assert len(summary)
    return time.perf_counter() - started


def time_pandas_summary(run: Path) -> float:
    started = time.perf_counter()
    files = sorted((run / "units").glob("*.parquet"))
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    # Unit files are wide (a column per metric after ``status``): tidy them as a user would.
    metrics = list(frame.columns[frame.columns.get_loc("status") + 1:])
    tidy = frame.melt(id_vars=["point", "generation"], value_vars=metrics, var_name="metric")
    grouped = tidy.groupby(["point", "metric", "generation"], observed=True)["value"]
    summary = grouped.agg(["count", "mean", "std", "median"])
    summary["q025"] = grouped.quantile(0.025)
    summary["q975"] = grouped.quantile(0.975)
    assert len(summary)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small size, one repeat")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    sizes = [(40, 50)] if args.quick else [(200, 100), (2000, 100)]

    print(f"report generation; machine: {os.cpu_count()} cores; medians of {repeats} repeats")
    print(f"{'rows':>10} {'report s':>9} {'duckdb s':>9} {'pandas s':>9} {'ratio':>6}")
    headline = None
    with tempfile.TemporaryDirectory() as folder:
        for replicates, generations in sizes:
            run = make_run(Path(folder) / f"r{replicates}", replicates, generations)
            rows = len(POLICIES) * replicates * generations
            times = {"report": [], "duckdb": [], "pandas": []}
            for _ in range(repeats):
                times["report"].append(time_report(run, Path(folder) / "report.html"))
                times["duckdb"].append(time_duckdb_summary(run))
                times["pandas"].append(time_pandas_summary(run))
            med = {k: statistics.median(v) for k, v in times.items()}
            ratio = med["pandas"] / med["duckdb"]
            print(f"{rows:>10,} {med['report']:>9.2f} {med['duckdb']:>9.3f} "
                  f"{med['pandas']:>9.3f} {ratio:>6.2f}")
            headline = headline or (rows, med["report"], ratio)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:,.0f} MiB")
    rows, seconds, ratio = headline
    print(f"BENCH report: rows={rows} seconds={seconds:.2f} target=60 "
          f"aggregation_ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
