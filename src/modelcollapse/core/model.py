"""The model contract, written down: what the chain expects of every model.

A model is a dataclass whose fields are its settings, with:

``fit(data, *, rng) -> self``
    Learns from ``data`` (a :class:`~modelcollapse.core.data.Dataset`); returns
    the model itself. Fitted state lives in attributes ending in ``_``;
    settings never change (a vocabulary read from the world belongs in the
    settings before the first fit, e.g. through ``for_world``).
``sample(n, *, rng, X=None) -> Dataset``
    Writes ``n`` items, after the inputs or prompts ``X`` for a conditional
    model. What it writes carries a model-written origin (never 0, real
    data); the chain stamps the generation that wrote it.
``clone() -> model``
    An unfitted copy with the same settings (:class:`Model` derives it
    from the fields).

Capabilities a model may declare, with their defaults:

``conditional = True``
    It writes after inputs the world draws (False: from scratch).
``needs_lineage = False``
    Its ``fit`` takes ``generation`` and ``first`` (generation 1's model).
``check_chain(chain)``
    Raises a ValueError naming the fix for a chain its family cannot run
    (a filter it has no use for, say); the chain calls it when it is built.
``batched_kernel = None``
    The module (dotted path) of its family's batched kernel, which runs many
    replicates as one array program where its ``supports(chain)`` says so.
    The chain imports it when it first asks; the model never does.

Fields that are not settings (what ``for_world`` reads from the world, such
as a vocabulary, or state a copy shares) carry the metadata :data:`NOT_A_SETTING`:
experiment files cannot set them and ``modelcollapse list`` does not show them.

``tests/test_conformance.py`` checks every registered model against this.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from types import MappingProxyType
from typing import Any

__all__ = ["NOT_A_SETTING", "DegenerateFitError", "Model", "settings", "user_settings"]

class DegenerateFitError(ArithmeticError):
    """A fit that cannot produce a model; the chain records ``status`` and stops that replicate.

    The base case is a numerically singular design (no unique fit); families
    subclass it for their own failures (a training loss that became NaN, say)
    with their own ``status``.
    """

    status = "degenerate"


NOT_A_SETTING = MappingProxyType({"not a setting": True})
"""Metadata of a field that experiment files cannot set.

Used as ``field(default=None, metadata=NOT_A_SETTING)``.
"""


def user_settings(cls: type) -> list[str]:
    """The fields of the dataclass ``cls`` that an experiment file may set, in order."""
    return [f.name for f in fields(cls) if f.init and not f.metadata.get("not a setting")]


def settings(model) -> dict[str, Any]:
    """A model's settings: its constructor's fields and their current values.

    Raises
    ------
    TypeError
        If ``model`` is not a dataclass instance.
    """
    if not is_dataclass(model) or isinstance(model, type):
        raise TypeError(f"a model is a dataclass instance, got {type(model).__name__}")
    return {f.name: getattr(model, f.name) for f in fields(model) if f.init}


class Model:
    """Base of the built-in models: ``clone`` from the settings, the capability defaults."""

    conditional = True
    needs_lineage = False
    batched_kernel: str | None = None

    def clone(self):
        """An unfitted copy with the same settings (sharing the objects they hold)."""
        return type(self)(**settings(self))
