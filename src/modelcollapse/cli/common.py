"""What every command shares: one-line errors with exit status 2, and interrupts."""

from __future__ import annotations

import functools
from collections.abc import Callable

import typer
from rich.console import Console

from modelcollapse.errors import UsageError

__all__ = ["errors", "handle_errors"]

errors = Console(stderr=True)


def handle_errors(command: Callable) -> Callable:
    """Turn a :class:`UsageError` into one red line and exit status 2, no traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except UsageError as error:
            errors.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            errors.print("interrupted: finished units are saved; run the same command "
                         "again to resume", highlight=False, soft_wrap=True)
            raise typer.Exit(130) from None

    return wrapper
