"""``modelcollapse demo``: the post's experiment and beyond, on embedded defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from modelcollapse.cli.console import handle_errors
from modelcollapse.demo.post import DemoSettings, run_demo


@handle_errors
def demo(
    generations: Annotated[int, typer.Option(help="Models in each chain.")] = 500,
    replicates: Annotated[int, typer.Option(help="Independent chains per policy.")] = 1000,
    samples: Annotated[int, typer.Option(help="Training points per generation.")] = 30,
    degree: Annotated[int, typer.Option(help="Degree of the fitted polynomial.")] = 3,
    noise: Annotated[float, typer.Option(help="Standard deviation of the label noise.")] = 0.1,
    seed: Annotated[int, typer.Option(help="Root seed (the post's np.random.seed).")] = 0,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("demo"),
    format: Annotated[str, typer.Option("--format", help="Figure format: png or svg.")] = "png",
) -> None:
    """Reproduce the post's polynomial chain exactly, then run it over many replicates.

    Writes the post's two figures, the replicate statistics beside the theory
    line under replace, accumulate and 10% fresh real data, and tidy Parquet
    results into the output folder, and prints a summary table.
    """
    console = Console(stderr=True)
    settings = DemoSettings(generations, replicates, samples, degree, noise, seed, out, format)
    result = run_demo(settings, progress=lambda line: console.print(f"[dim]{line}[/dim]"))

    table = Table(title="Mean squared error against the true function")
    for column in ("policy", "generation", "mean ± s.e.", "median", "theory"):
        table.add_column(column, justify="left" if column == "policy" else "right")
    for row in result.summary.itertuples():
        theory = "" if row.theory != row.theory else f"{row.theory:.5f}"
        table.add_row(row.policy, str(row.generation), f"{row.mean:.5f} ± {row.se:.5f}",
                      f"{row.median:.5f}", theory)
    Console().print(table)
    for path in result.files:
        console.print(f"wrote {path}", highlight=False, soft_wrap=True)
