"""``modelcollapse report``: a self-contained HTML report of one run or several."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from modelcollapse.cli.console import errors, handle_errors
from modelcollapse.core.errors import UsageError


@handle_errors
def report(
    runs: Annotated[list[Path], typer.Argument(help="Run directory (several with --compare).")],
    compare: Annotated[bool, typer.Option(help="Put several runs side by side.")] = False,
    band: Annotated[str, typer.Option(
        help="ci: 95% Student-t interval of the mean; quantiles: 2.5-97.5% of replicates.")
    ] = "ci",
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="HTML file to write.")] = None,
) -> None:
    """Write one HTML file (no scripts, no external resources) describing RUN and its results."""
    from modelcollapse.report import write_report

    if len(runs) > 1 and not compare:
        raise UsageError("several runs given: add --compare to put them side by side")
    if compare and len(runs) < 2:
        raise UsageError("--compare needs at least two run directories")
    if band not in ("ci", "quantiles"):
        raise UsageError(f"--band {band!r}: use ci or quantiles")
    output = output or Path("report.html" if compare else f"{runs[0].name}-report.html")
    if not output.parent.is_dir():
        raise UsageError(f"-o {output}: the folder {output.parent} does not exist")
    write_report(runs, output, band=band)
    errors.print(f"wrote {output}", highlight=False, soft_wrap=True)
