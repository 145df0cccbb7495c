"""The ``modelcollapse`` command."""

from __future__ import annotations

import typer

from modelcollapse.cli.demo import demo

app = typer.Typer(
    help="Simulate, measure and mitigate model collapse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(demo)


@app.callback()
def main() -> None:
    """Simulate, measure and mitigate model collapse."""
