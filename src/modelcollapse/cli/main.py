"""The ``modelcollapse`` command."""

from __future__ import annotations

import typer

from modelcollapse.cli.artifacts import artifacts
from modelcollapse.cli.demo import demo
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


@app.callback()
def main() -> None:
    """Simulate, measure and mitigate model collapse."""
