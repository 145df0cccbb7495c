"""The ``modelcollapse`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from modelcollapse.cli.artifacts import artifacts
from modelcollapse.cli.demo import demo
from modelcollapse.cli.listing import list_components
from modelcollapse.cli.plot import plot
from modelcollapse.cli.query import query
from modelcollapse.cli.report import report
from modelcollapse.cli.run import run
from modelcollapse.cli.sample import sample
from modelcollapse.cli.status import status
from modelcollapse.cli.validate import validate

app = typer.Typer(
    help="Simulate, measure and mitigate model collapse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(demo)
app.command()(run)
app.command()(validate)
app.command()(status)
app.command()(query)
app.command()(plot)
app.command()(report)
app.command()(artifacts)
app.command()(sample)
app.command("list")(list_components)


def _print_version(value: bool) -> None:
    if value:
        from modelcollapse import __version__

        typer.echo(f"modelcollapse {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the version and exit.")] = False,
) -> None:
    """Simulate, measure and mitigate model collapse."""
