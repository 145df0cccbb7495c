"""``modelcollapse query``: DuckDB SQL over a run's results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from modelcollapse.cli.console import handle_errors


@handle_errors
def query(
    run: Annotated[Path, typer.Argument(help="Run directory.")],
    sql: Annotated[str, typer.Argument(help="SQL over the view 'results'.")],
    csv: Annotated[bool, typer.Option(help="Print CSV instead of a table.")] = False,
    limit: Annotated[int, typer.Option(help="Rows shown in the table.")] = 50,
) -> None:
    """Run SQL over RUN's results, e.g. "select generation, avg(value) from results group by 1"."""
    from modelcollapse.experiment.runner import query as run_query

    frame = run_query(run, sql)
    if csv:
        typer.echo(frame.to_csv(index=False), nl=False)
        return
    table = Table(show_lines=False)
    for column in frame.columns:
        table.add_column(str(column))
    for row in frame.head(limit).itertuples(index=False):
        table.add_row(*(f"{v:.6g}" if isinstance(v, float) else str(v) for v in row))
    console = Console()
    console.print(table)
    if len(frame) > limit:
        console.print(f"{len(frame) - limit} more rows (use --limit or --csv)")
