"""Progress of a run: a rich bar on a terminal, plain periodic lines in logs, or nothing.

Besides counting finished units, a run whose units run in this process (the
serial backend) shows what the unit in hand is doing: which replicate and
generation, the model's stage (training or writing), its step, loss, tokens
per second, and the time left in the unit, from the reports models send
through :mod:`modelcollapse.core.progress`. Units in worker processes (a
process pool, Dask) report only when they finish.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from modelcollapse.core import progress as model_progress

__all__ = ["Progress"]


class Progress:
    """Report units finished, their rate and the time left, and what the current unit does.

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
        Seconds between plain unit lines when the stream is not a terminal.
    step_every : float, default 30.0
        Seconds between plain lines about the current unit when the stream is
        not a terminal.
    steps : bool or None, default None
        Show what the current unit does; ``None``: unless the environment
        variable ``CI`` is set, so CI logs get the unit lines alone.
    """

    def __init__(self, total: int, already_done: int = 0, *, quiet: bool = False,
                 stream=None, every: float = 10.0, step_every: float = 30.0,
                 steps: bool | None = None):
        self.total = total
        self.already_done = already_done
        self.done = 0
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.every = every
        self.step_every = step_every
        self.steps = not quiet and (not os.environ.get("CI") if steps is None else steps)
        self.bar = None
        self.started = time.monotonic()
        self.last_line = self.started
        self.last_step_line = self.started
        self._unit = None

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

            self.bar = RichProgress(TextColumn("{task.description}"), BarColumn(),
                                    MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                                    TimeRemainingColumn(), console=Console(file=self.stream))
            self.bar.__enter__()
            self.task = self.bar.add_task("units", total=self.total, rate="")
            self.step_task = None
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

    def watch(self, task: Callable) -> Callable:
        """``task(config_json, unit)`` that also shows what the models inside it report.

        Only for a task run in this process: the reports reach no other one.
        """
        if not self.steps:
            return task

        def watched(config_json, unit):
            self._unit = _UnitState(unit)
            # A bar redraws cheaply; plain lines are throttled to step_every in show().
            with model_progress.listening(self._hear, every=0.5 if self.bar else 1.0):
                return task(config_json, unit)

        return watched

    def _hear(self, step: model_progress.Step) -> None:
        state = self._unit
        state.hear(step)
        if self.bar is not None:
            self._draw(state)
        elif time.monotonic() - self.last_step_line >= self.step_every:
            print(state.line(), file=self.stream, flush=True)
            self.last_step_line = time.monotonic()

    def _draw(self, state: _UnitState) -> None:
        where = f"unit {self.done + 1}/{self.total} rep {state.replicate} " \
                f"gen {state.generation}/{state.n_generations} {state.stage}"
        total = state.steps_total or None  # None: no count yet, rich pulses the bar
        if self.step_task is None:
            self.step_task = self.bar.add_task(where, total=total, rate="")
        elif state.new_stage:  # another stage: its own count and time left
            self.bar.reset(self.step_task, total=total)
        self.bar.update(self.step_task, description=where, completed=state.steps_done,
                        total=total, rate=state.figures())

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


class _UnitState:
    """What the unit in hand last reported, and the time left in it."""

    def __init__(self, unit):
        self.unit = unit
        self.started = time.monotonic()
        self.replicate = unit.first_replicate
        self.generation = self.n_generations = 0
        self.stage = "starting"
        self.steps_done = self.steps_total = 0
        self.new_stage = False
        self.latest: dict[str, float] = {}
        self.together = 1  # replicates stepping through the generations at once

    def hear(self, step: model_progress.Step) -> None:
        if step.stage == "generation":
            self.replicate = int(step.figures.get("replicate", self.replicate))
            self.together = int(step.figures.get("together", 1))
            self.generation, self.n_generations = step.done, step.total
            self.new_stage, self.stage = True, "starting"
            self.steps_done = self.steps_total = 0
            self.latest = {}
            return
        self.new_stage = step.stage != self.stage
        self.stage, self.steps_done, self.steps_total = step.stage, step.done, step.total
        self.latest = step.figures

    def figures(self) -> str:
        """Loss, tokens per second and time left in the unit, as far as known."""
        parts = []
        if "loss" in self.latest:
            parts.append(f"loss {self.latest['loss']:.3f}")
        if "tokens_per_s" in self.latest:
            parts.append(f"{self.latest['tokens_per_s']:,.0f} tokens/s")
        left = self.seconds_left()
        if left is not None:
            parts.append(f"about {_duration(left)} left in this unit")
        return ", ".join(parts)

    def seconds_left(self) -> float | None:
        """From the share of the unit's generations done, training steps counted in."""
        if not self.n_generations:
            return None
        per_replicate = self.n_generations
        done = (self.replicate - self.unit.first_replicate) * per_replicate + self.generation - 1
        if self.stage == "training" and self.steps_total:
            done += self.steps_done / self.steps_total
        # Replicates stepping together count every generation of all of them at once.
        share = done * self.together / (self.unit.n_replicates * per_replicate)
        if share <= 0:
            return None
        return (time.monotonic() - self.started) * (1 - share) / share

    def line(self) -> str:
        """One plain log line."""
        text = f"unit {self.unit.id}: replicate {self.replicate}"
        if self.together > 1:
            text = (f"unit {self.unit.id}: replicates {self.replicate}-"
                    f"{self.replicate + self.together - 1} together")
        if self.n_generations:
            text += f", generation {self.generation}/{self.n_generations}"
        if self.steps_total:
            text += f", {self.stage} {self.steps_done}/{self.steps_total}"
        figures = self.figures()
        return f"{text}, {figures}" if figures else text


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
