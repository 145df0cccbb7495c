"""Run an experiment into its run directory, resuming whatever is missing."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from modelcollapse.core.artifacts import ARTIFACT_COLUMNS
from modelcollapse.core.errors import UsageError
from modelcollapse.experiment.backends import Backend, DaskBackend, PoolBackend, SerialBackend
from modelcollapse.experiment.progress import Progress
from modelcollapse.experiment.sandbox import read_only_query
from modelcollapse.experiment.schema import Experiment, parse_experiment
from modelcollapse.experiment.store import RunDirectory, RunError, Unit, UnitStatus
from modelcollapse.experiment.sweep import build_chain, point_at, sweep_grid
from modelcollapse.experiment.unitfile import create_results_view, read_tidy
from modelcollapse.experiment.units import common_engine, plan, run_unit, units_of
from modelcollapse.experiment.views import record_views
from modelcollapse.experiment.writer import UnitWriter

__all__ = ["RunSummary", "load", "load_artifacts", "load_model", "make_backend", "query",
           "run_experiment", "run_status"]


@dataclass(frozen=True)
class RunSummary:
    """What a call to :func:`run_experiment` did."""

    path: Path
    n_units: int
    computed: int
    already_done: int
    recomputed_broken: int


def make_backend(workers: int | None = None, dask_local: int | None = None,
                 scheduler: str | None = None, n_units: int = 1) -> Backend:
    """Pick a backend: Dask if asked, else a pool of ``workers`` (default: cores), else serial."""
    if scheduler is not None:
        return DaskBackend(address=scheduler)
    if dask_local is not None:
        return DaskBackend(workers=dask_local)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    workers = min(workers, n_units)
    return PoolBackend(workers) if workers > 1 else SerialBackend()


def run_experiment(experiment: Experiment, out: str | Path = "runs", *,
                   backend: Backend | None = None, quiet: bool = False,
                   source: str = "experiment") -> RunSummary:
    """Run every unit of ``experiment`` not yet finished in ``out/<name>``.

    Finished units are written as they arrive, so an interruption at any
    moment loses at most the units in flight; running again resumes.

    Parameters
    ----------
    experiment : Experiment
    out : str or Path, default "runs"
        Parent folder of the run directory.
    backend : Backend or None
        Where units run; ``None`` chooses with :func:`make_backend`.
    quiet : bool
        No progress output.
    source : str
        Name of the experiment file, for messages.
    """
    points, units = plan(experiment, source)
    experiment, note = common_engine(experiment, points, source)
    if note and not quiet:
        print(f"note: {note}", file=sys.stderr, flush=True)
    run = RunDirectory(Path(out) / experiment.name)
    config_hash = experiment.config_hash()
    backend = backend or make_backend(n_units=len(units))
    with backend:  # closed however the run ends, a refused run directory included
        run.open(experiment, source)
        # What views read (labels, theory lines) is recorded beside the units, not before
        # them: the theory's Monte Carlo can cost as much as a unit, and never changes one.
        views = _Beside(record_views, run, experiment, source)
        try:
            status = run.status(units, config_hash)
            todo = status.pending + status.broken
            config_json = experiment.model_dump_json()
            with Progress(len(todo), len(status.done), quiet=quiet) as progress:
                task = progress.watch(run_unit) if backend.in_process else run_unit
                writer = UnitWriter(run, config_hash)
                try:
                    for unit, result in backend.run(task, config_json, todo):
                        writer.put(unit, result)
                        _report(progress, writer)
                    writer.close()
                    _report(progress, writer)
                except Exception as error:
                    _close_quietly(writer)
                    if not _out_of_memory(error):
                        raise
                    # Short, and without the file's path, so no part of it is ever cut.
                    raise UsageError(
                        f"a unit ran out of {_memory_kind(error)} (units finished before it "
                        f"are saved: {writer.written} this session); lower model.batch_size "
                        "or model.sample_batch_size, or use a smaller block or model, then run "
                        "again to resume") from None
                except BaseException:
                    _close_quietly(writer)  # an interrupt: what finished is still saved
                    raise
            views.result()
            run.finish()
        finally:
            views.wait()  # an interrupted run keeps its views too
            run.close()
    return RunSummary(run.path, len(units), len(todo), len(status.done), len(status.broken))


class _Beside:
    """``function(*args)`` on a thread of its own; :meth:`result` re-raises its error here."""

    def __init__(self, function, *args):
        self.error: BaseException | None = None

        def call() -> None:
            try:
                function(*args)
            except BaseException as error:  # handed to the driver's thread by result()
                self.error = error

        self.thread = threading.Thread(target=call, name="modelcollapse-views", daemon=True)
        self.thread.start()

    def wait(self) -> None:
        """Wait for the call to end."""
        self.thread.join()

    def result(self) -> None:
        """Wait for the call; raise what it raised."""
        self.wait()
        if self.error is not None:
            raise self.error


def _report(progress: Progress, writer: UnitWriter) -> None:
    """Advance ``progress`` by the units written since the last call."""
    for _ in range(writer.written - progress.done):
        progress.advance()


def _close_quietly(writer: UnitWriter) -> None:
    """Finish ``writer`` while another error is on its way; that error is the one to show."""
    with contextlib.suppress(Exception):  # the error already on its way says more
        writer.close()


def _out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` is running out of memory: torch's (by name: torch may be absent here)."""
    return type(error).__name__ == "OutOfMemoryError" or isinstance(error, MemoryError)


def _memory_kind(error: BaseException) -> str:
    return "memory" if isinstance(error, MemoryError) else "GPU memory"


def run_status(path: str | Path) -> tuple[Experiment, UnitStatus]:
    """The recorded experiment of a run directory and the state of its units."""
    run = RunDirectory(path)
    experiment = run.experiment()
    units = units_of(experiment, str(run.record_path))
    return experiment, run.status(units, experiment.config_hash())


def _unit_files(path: str | Path) -> list[Path]:
    run = RunDirectory(path)
    experiment = run.experiment()
    units = units_of(experiment, str(run.record_path))
    done = run.verified_units(units, experiment.config_hash())
    if not done:
        raise RunError(f"{run.path}: no finished units yet; run the experiment first")
    return [run.unit_path(unit) for unit in done]


def load(path: str | Path) -> pd.DataFrame:
    """All finished results of a run as one tidy pandas DataFrame.

    Examples
    --------
    >>> import modelcollapse
    >>> frame = modelcollapse.load("runs/post-demo")  # doctest: +SKIP
    """
    frame = read_tidy(_unit_files(path))
    return frame.sort_values(["point", "replicate", "generation"], kind="stable",
                             ignore_index=True)


def load_artifacts(path: str | Path) -> pd.DataFrame:
    """What the metrics kept (texts, arrays, images) for replicate 0 of every point.

    Columns ``point, replicate, generation, name, kind, text, data``; arrays and
    images read back with :func:`modelcollapse.core.artifacts.decode_array`. Empty
    when no metric of the run keeps artifacts.
    """
    run = RunDirectory(path)
    experiment = run.experiment()
    units = units_of(experiment, str(run.record_path))
    files = [run.artifacts_path(unit) for unit in run.verified_units(units,
                                                                     experiment.config_hash())
             if run.artifacts_path(unit).exists()]
    if not files:
        return pd.DataFrame(columns=["point", *ARTIFACT_COLUMNS])
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return frame.sort_values(["point", "replicate", "generation"], kind="stable",
                             ignore_index=True)


def load_model(path: str | Path, generation: int, *, point: int = 0, replicate: int = 0,
               device: str = "cpu"):
    """One generation's fitted model, from a run made with ``keep_weights = true``.

    The model and its world are rebuilt from the experiment recorded in the
    run directory (so a language model gets the tokenizer it was trained
    with), then the generation's weights are read back from safetensors.

    Parameters
    ----------
    path : str or Path
        The run directory.
    generation : int
        1 … the run's generations.
    point : int, default 0
        The sweep point.
    replicate : int, default 0
        Only replicate 0 of each point keeps its weights.
    device : str, default "cpu"
        Where the model runs: cpu, cuda or auto.

    Returns
    -------
    tuple
        ``(model, world)``.

    Raises
    ------
    RunError
        If the run kept no weights, the generation, point or replicate is not
        among them, or their files are missing or damaged.
    """
    from modelcollapse.neural.checkpoints import load_checkpoint

    run = RunDirectory(path)
    experiment = run.experiment()
    if not experiment.keep_weights:
        raise RunError(f"{run.path}: this run kept no weights; run the experiment again with "
                       "keep_weights = true (--set keep_weights=true) into another --out")
    n_points = len(sweep_grid(experiment.sweep)) if experiment.sweep else 1
    if not 0 <= point < n_points:
        raise RunError(f"--point {point}: this run has sweep points 0 to {n_points - 1}")
    if replicate != 0:
        raise RunError(f"--replicate {replicate}: only replicate 0 of each point keeps its "
                       "weights; use --replicate 0")
    if not 1 <= generation <= experiment.generations:
        raise RunError(f"--generation {generation}: this run has generations 1 to "
                       f"{experiment.generations}")
    unit = Unit(point, 0, min(experiment.block_size, experiment.replicates))
    if not run.unit_path(unit).exists():
        raise RunError(f"{run.path}: point {point} has not run yet; run "
                       f"'{run.repair_hint()}' to finish it")
    run.refuse_damaged(run.status([unit], experiment.config_hash()))
    prefix = f"replicate-{replicate}/generation-{generation}/"
    if not any(name.startswith(prefix) for name in run.unit_record(unit)["weights_sha256"]):
        raise RunError(f"--generation {generation}: no weights kept there (the chain stopped "
                       "earlier, or its policy does not refit); see modelcollapse status")
    data = experiment.model_dump(mode="json")
    data["model"]["device"] = device  # rebuilt where it is to run, whatever trained it
    chain = build_chain(point_at(parse_experiment(data, str(run.record_path)), point).experiment)
    try:
        return load_checkpoint(chain.model, run.weights_path(point, prefix), device=device), \
            chain.world
    except ValueError as error:
        raise RunError(f"{run.path}: {error}") from None


def query(path: str | Path, sql: str, *, trusted: bool = False) -> pd.DataFrame:
    """Run DuckDB SQL over a run's results, available as the view ``results``.

    Parameters
    ----------
    path : str or Path
        The run directory.
    sql : str
        One SELECT statement.
    trusted : bool, default False
        False (what ``modelcollapse query`` uses): the SQL reaches nothing but the
        run's unit files, cannot write, attach or install anything, and must be
        a single SELECT. True: any DuckDB SQL, with this process's full access to
        files and network; only for SQL you wrote yourself.

    Raises
    ------
    RunError
        If the SQL is invalid or not allowed, with DuckDB's explanation.
    """
    files = _unit_files(path)
    if not trusted:
        return read_only_query(files, sql)
    connection = duckdb.connect()
    try:
        create_results_view(connection, files)
        return connection.execute(sql).df()
    except duckdb.Error as error:
        first_line = str(error).splitlines()[0]
        raise RunError(f"the query failed: {first_line}") from None
    finally:
        connection.close()
