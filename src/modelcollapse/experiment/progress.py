"""Progress of a run: a rich bar on a terminal, plain periodic lines in logs, or nothing."""

from __future__ import annotations

import sys
import time

__all__ = ["Progress"]


class Progress:
    """Report units finished, their rate and the time left.

    Parameters
    ----------
    total : int
        Units to run in this session.
    already_done : int
        Units found finished in the run directory.
    quiet : bool
        Print nothing.
    stream : file-like, default sys.stderr
    every : float, default 10.0
        Seconds between plain lines when the stream is not a terminal.
    """

    def __init__(self, total: int, already_done: int = 0, *, quiet: bool = False,
                 stream=None, every: float = 10.0):
        self.total = total
        self.already_done = already_done
        self.done = 0
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.every = every
        self.bar = None
        self.started = time.monotonic()
        self.last_line = self.started

    def __enter__(self) -> Progress:
        if self.quiet:
            return self
        if self.stream.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self.bar = RichProgress(TextColumn("units"), BarColumn(), MofNCompleteColumn(),
                                    TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                                    console=Console(file=self.stream))
            self.bar.__enter__()
            self.task = self.bar.add_task("units", total=self.total, rate="")
        else:
            print(f"{self.total} units to run ({self.already_done} already done)",
                  file=self.stream, flush=True)
        return self

    def advance(self) -> None:
        """Count one more finished unit."""
        self.done += 1
        if self.quiet:
            return
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        if self.bar is not None:
            self.bar.update(self.task, advance=1, rate=f"{rate:.2f} units/s")
        elif time.monotonic() - self.last_line >= self.every or self.done == self.total:
            left = (self.total - self.done) / rate if rate else float("nan")
            print(f"{self.done}/{self.total} units, {rate:.2f} units/s, about {left:.0f} s left",
                  file=self.stream, flush=True)
            self.last_line = time.monotonic()

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
