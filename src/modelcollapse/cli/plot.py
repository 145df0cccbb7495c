"""``modelcollapse plot``: one metric of a run across generations, as a figure file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from modelcollapse.cli.common import errors, handle_errors
from modelcollapse.errors import UsageError

FORMATS = (".png", ".svg", ".pdf")


@handle_errors
def plot(
    run: Annotated[Path, typer.Argument(help="Run directory.")],
    metric: Annotated[str, typer.Option(help="Metric to draw.")] = "mse_to_truth",
    by: Annotated[str | None, typer.Option(
        help="A swept key: one line per value, pooling the others.")] = None,
    band: Annotated[str, typer.Option(
        help="ci: 95% band of the mean; quantiles: 2.5-97.5% of replicates.")] = "ci",
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Figure file: .png, .svg or .pdf.")] = None,
) -> None:
    """Draw METRIC of RUN across generations: mean and band per sweep point, theory where known."""
    from modelcollapse.report import plot_run

    output = output or Path(f"{run.name}-{metric}.png")
    if output.suffix.lower() not in FORMATS:
        raise UsageError(f"-o {output}: use a .png, .svg or .pdf file name")
    if band not in ("ci", "quantiles"):
        raise UsageError(f"--band {band!r}: use ci or quantiles")
    if not output.parent.is_dir():
        raise UsageError(f"-o {output}: the folder {output.parent} does not exist")
    plot_run(run, metric, output, by=by, band=band)
    errors.print(f"wrote {output}", highlight=False, soft_wrap=True)
