"""``modelcollapse plot``: one metric of a run across generations, as a figure file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from modelcollapse.cli.console import errors, handle_errors
from modelcollapse.core.errors import UsageError

FORMATS = (".png", ".svg", ".pdf")


@handle_errors
def plot(
    run: Annotated[Path, typer.Argument(help="Run directory.")],
    metric: Annotated[str | None, typer.Option(
        help="Metric to draw (default: the family's headline, e.g. held_out_perplexity for "
             "language models).")] = None,
    by: Annotated[str | None, typer.Option(
        help="A swept key: one line per value, one panel per value of the other swept keys.")
    ] = None,
    band: Annotated[str, typer.Option(
        help="ci: 95% Student-t interval of the mean; quantiles: 2.5-97.5% of replicates.")
    ] = "ci",
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Figure file: .png, .svg or .pdf.")] = None,
    phase: Annotated[bool, typer.Option(
        help="Draw the staleness phase diagram instead: which option wins at each drift rate "
             "and contamination share (a run like experiments/staleness-phase.toml).")] = False,
    generation: Annotated[int | None, typer.Option(
        help="With --phase: the generation compared (default: the last).")] = None,
) -> None:
    """Draw METRIC of RUN across generations: mean and band per sweep point, theory where known."""
    from modelcollapse.report import RunView, plot_run

    metric = metric or RunView(run).headline
    output = output or Path(f"{run.name}-{metric}.png")
    if output.suffix.lower() not in FORMATS:
        raise UsageError(f"-o {output}: use a .png, .svg or .pdf file name")
    if band not in ("ci", "quantiles"):
        raise UsageError(f"--band {band!r}: use ci or quantiles")
    if not output.parent.is_dir():
        raise UsageError(f"-o {output}: the folder {output.parent} does not exist")
    if phase:
        _plot_phase(run, metric, output, generation)
    else:
        plot_run(run, metric, output, by=by, band=band)
    errors.print(f"wrote {output}", highlight=False, soft_wrap=True)


def _plot_phase(run: Path, metric: str, output: Path, generation: int | None) -> None:
    from modelcollapse.core.registry import did_you_mean
    from modelcollapse.experiment.runner import load
    from modelcollapse.report import RunView, literal_text
    from modelcollapse.report.phase import is_phase_run, plot_phase_diagram

    frame = load(run)
    policies = RunView(run).policies
    if not is_phase_run(frame, policies):
        raise UsageError(f"{run}: --phase needs a run that sweeps world.drift and web-scrape "
                         "shares, like experiments/staleness-phase.toml")
    metrics = sorted(frame["metric"].unique())
    if metric not in metrics:
        raise UsageError(f"--metric {metric!r} is not in this run{did_you_mean(metric, metrics)};"
                         f" it has: {', '.join(metrics)}")
    last = int(frame["generation"].max())
    if generation is not None and not 1 <= generation <= last:
        raise UsageError(f"--generation {generation}: this run has generations 1 to {last}")
    with literal_text():
        plot_phase_diagram(frame, policies, output, metric=metric, generation=generation)
