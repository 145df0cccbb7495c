"""``modelcollapse status``: units done, pending and broken in a run directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from modelcollapse.cli.console import handle_errors


@handle_errors
def status(run: Annotated[Path, typer.Argument(help="Run directory.")]) -> None:
    """Show how many units of RUN are done, pending or broken."""
    from modelcollapse.experiment.runner import run_status

    experiment, state = run_status(run)
    total = len(state.done) + len(state.pending) + len(state.broken)
    console = Console()
    console.print(f"{run}: experiment {experiment.name!r}, {total} units: "
                  f"{len(state.done)} done, {len(state.pending)} pending, "
                  f"{len(state.broken)} broken", highlight=False, soft_wrap=True)
    for unit in state.broken:
        console.print(f"  broken: {unit.id} (recomputed by the next run)", highlight=False)
    if state.pending or state.broken:
        console.print("run the same 'modelcollapse run' command again to finish", highlight=False)
