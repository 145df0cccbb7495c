"""``modelcollapse validate``: check an experiment file without running it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from modelcollapse.cli.console import SET_HELP, handle_errors, print_notes


@handle_errors
def validate(
    experiment: Annotated[Path, typer.Argument(help="Experiment TOML file.")],
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help=SET_HELP)] = None,
) -> None:
    """Check EXPERIMENT: keys, types, values, registry names and every sweep point."""
    from modelcollapse.experiment.schema import load_experiment
    from modelcollapse.experiment.units import common_engine, plan

    notes = []
    config = load_experiment(experiment, set_ or [], notes)
    points, units = plan(config, str(experiment))
    config, engine_note = common_engine(config, points, str(experiment))
    print_notes(notes + ([engine_note] if engine_note else []))
    work = len(points) * config.replicates * config.generations
    Console().print(f"{experiment}: valid — {len(points)} sweep point(s), {len(units)} unit(s) "
                    f"of up to {config.block_size} replicates, {work:,} chain-generations; "
                    f"results go to runs/{config.name}", highlight=False, soft_wrap=True)
