"""What every command shares: one-line errors with exit status 2, and interrupts."""

from __future__ import annotations

import functools
from collections.abc import Callable

import typer
from rich.console import Console
from rich.markup import escape

from modelcollapse.core.errors import UsageError

__all__ = ["MAX_MESSAGE", "SET_HELP", "errors", "handle_errors", "one_line", "print_notes"]

errors = Console(stderr=True)

MAX_MESSAGE = 300
"""Longest error line printed, prefix included: a message that repeats a huge input is cut."""


SET_HELP = ("Override a key: --set replicates=50 (repeatable). On a swept key it replaces the "
            "sweep; inside a swept table it applies to every value; sweep keys with dots are "
            "quoted: --set 'sweep.\"model.top_k\"=[0, 5]'.")
"""Help of every command's ``--set`` option."""


def print_notes(notes: list[str]) -> None:
    """Print what the overrides did to the sweep, one ``note:`` line each, on stderr."""
    for note in notes:
        errors.print(f"note: {escape(one_line(note))}", highlight=False, soft_wrap=True)


def one_line(message: str, limit: int = MAX_MESSAGE) -> str:
    """``message`` on one line of at most ``limit`` characters (cut in the middle, marked …)."""
    text = " ".join(str(message).split())
    if len(text) <= limit:
        return text
    # Keep the start (what is wrong) and the end (the fix); the middle is usually the input.
    head = (limit - 3) * 2 // 3
    return f"{text[:head]} … {text[len(text) - (limit - 3 - head):]}"


def handle_errors(command: Callable) -> Callable:
    """Turn a :class:`UsageError` into one red line and exit status 2, no traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except UsageError as error:
            message = escape(one_line(str(error), MAX_MESSAGE - len("error: ")))
            errors.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            errors.print("interrupted: finished units are saved; run the same command "
                         "again to resume", highlight=False, soft_wrap=True)
            raise typer.Exit(130) from None

    return wrapper
