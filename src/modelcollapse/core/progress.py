"""What a model is doing inside a generation, for whoever listens (a terminal, a log).

A language model's generation can take minutes: the run's unit counter alone
says nothing for that long. Models call :func:`report` from their training and
writing loops; a caller that wants to show it wraps the work in
:func:`listening`. With nobody listening, :func:`due` is False and a model skips
the host synchronisation a figure such as the loss would cost. The chain
announces each generation it starts (:func:`announce`), so a listener knows
where the steps it hears belong.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["Step", "announce", "due", "listening", "report"]


@dataclass(frozen=True)
class Step:
    """One report: ``done`` of ``total`` steps of ``stage``, with its figures."""

    stage: str  # "training" or "writing"; "generation" from the chain
    done: int
    total: int
    figures: dict[str, float]


@dataclass
class _Listener:
    callback: Callable[[Step], None]
    every: float
    last: float = float("-inf")


_LISTENER: ContextVar[_Listener | None] = ContextVar("modelcollapse_progress", default=None)


@contextmanager
def listening(callback: Callable[[Step], None], every: float = 1.0) -> Iterator[None]:
    """Pass the models' reports inside the block to ``callback``, at most one per ``every`` s.

    The last step of a stage (``done == total``) is always passed.
    """
    token = _LISTENER.set(_Listener(callback, every))
    try:
        yield
    finally:
        _LISTENER.reset(token)


def due(done: int, total: int) -> bool:
    """Whether a report of step ``done`` of ``total`` would reach a listener now."""
    listener = _LISTENER.get()
    if listener is None:
        return False
    return done == total or time.monotonic() - listener.last >= listener.every


def report(stage: str, done: int, total: int, **figures: float) -> None:
    """Tell the listener, if any, that ``done`` of ``total`` steps of ``stage`` are done."""
    listener = _LISTENER.get()
    if listener is None or not due(done, total):
        return
    listener.last = time.monotonic()
    listener.callback(Step(stage, done, total, figures))


def announce(stage: str, done: int, total: int, **figures: float) -> None:
    """Tell the listener, if any, of a change of phase (a new generation), unthrottled.

    Such reports are rare, and a listener that missed one would file the
    steps that follow under the wrong generation.
    """
    listener = _LISTENER.get()
    if listener is not None:
        listener.callback(Step(stage, done, total, figures))
