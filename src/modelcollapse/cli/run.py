"""``modelcollapse run``: run (or resume) an experiment file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from modelcollapse.cli.console import SET_HELP, errors, handle_errors, print_notes
from modelcollapse.core import compiled
from modelcollapse.core.errors import UsageError


@handle_errors
def run(
    experiment: Annotated[Path, typer.Argument(help="Experiment TOML file.")],
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help=SET_HELP)] = None,
    out: Annotated[Path, typer.Option(help="Parent folder of run directories.")] = Path("runs"),
    workers: Annotated[int | None, typer.Option(
        help="Local worker processes (default: the number of cores).")] = None,
    dask_local: Annotated[int | None, typer.Option(
        help="Start a Dask LocalCluster with this many workers.")] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Address of a running Dask scheduler, e.g. tcp://host:8786.")] = None,
    device: Annotated[str | None, typer.Option(
        help="Where neural models train and sample: cpu, cuda or auto (sets model.device).")
    ] = None,
    keep_weights: Annotated[bool, typer.Option(
        help="Save every generation's model of replicate 0 for 'modelcollapse sample' "
             "(sets keep_weights).")] = False,
    quiet: Annotated[bool, typer.Option(help="Print nothing but errors.")] = False,
) -> None:
    """Run EXPERIMENT into OUT/<name>; run it again to finish whatever is missing."""
    from modelcollapse.experiment.runner import make_backend, run_experiment
    from modelcollapse.experiment.schema import load_experiment
    from modelcollapse.experiment.units import plan

    if sum(x is not None for x in (workers, dask_local, scheduler)) > 1:
        raise UsageError("choose one of --workers, --dask-local and --scheduler")
    if workers is not None and workers < 1:
        raise UsageError(f"--workers {workers} must be at least 1")
    if dask_local is not None and dask_local < 1:
        raise UsageError(f"--dask-local {dask_local} must be at least 1")
    if device is not None and device not in ("cpu", "cuda", "auto"):
        raise UsageError(f"--device {device!r}: choose cpu, cuda or auto")
    compiled.wanted()   # refuse a bad MODELCOLLAPSE_NUMBA before any worker starts
    overrides = [*(set_ or []), *([f"model.device={device}"] if device else []),
                 *(["keep_weights=true"] if keep_weights else [])]
    notes = []
    config = load_experiment(experiment, overrides, notes)
    if not quiet:
        print_notes(notes)
    _, units = plan(config, str(experiment))  # validate before starting any worker
    backend = make_backend(workers, dask_local, scheduler, n_units=len(units))
    summary = run_experiment(config, out, backend=backend, quiet=quiet, source=str(experiment))
    if not quiet:
        errors.print(f"{summary.path}: {summary.n_units} units, {summary.computed} computed now "
                     f"({summary.recomputed_broken} broken ones redone), "
                     f"{summary.already_done} were already done", highlight=False,
                     soft_wrap=True)
