"""``modelcollapse list``: every name an experiment file can use, with its settings."""

from __future__ import annotations

import inspect
import json
import re
from typing import Annotated, Any

import typer

from modelcollapse.cli.console import handle_errors
from modelcollapse.core.errors import UsageError

KINDS = {"worlds": "world", "models": "model", "policies": "policy", "filters": "filter",
         "metrics": "metric"}
"""The listing's sections, plural as on the command line, to the registries' kinds."""

WIDTH = 100
"""Settings wrap to lines of at most this many characters (a longer single setting stays whole)."""


@handle_errors
def list_components(
    kind: Annotated[str | None, typer.Argument(
        help="worlds, models, policies, filters or metrics (default: all of them).",
        show_default=False)] = None,
) -> None:
    """List the registered names an experiment file can use, with settings and defaults."""
    from modelcollapse.core.registry import REGISTRIES, did_you_mean

    if kind is None:
        kinds = list(KINDS)
    else:
        plural = {singular: plural for plural, singular in KINDS.items()}.get(kind, kind)
        if plural not in KINDS:
            raise UsageError(f"cannot list {kind!r}{did_you_mean(kind, KINDS)}; "
                             f"choose one of: {', '.join(KINDS)}")
        kinds = [plural]
    lines = []
    for plural in kinds:
        registry = REGISTRIES[KINDS[plural]]
        lines.append(f"{plural}:")
        for name in registry.names():
            summary = plain(registry.summary(name))
            lines.append(f"  {name}" + (f" — {summary}" if summary else ""))
            # "name" is the component's own key, and "_" marks what only code passes.
            settings = [setting_text(p) for p in registry.parameters(name).values()
                        if p.name != "name" and not p.name.startswith("_")]
            lines.extend(wrapped(settings) if settings else ["      no settings"])
        lines.append("")
    typer.echo("\n".join(lines).rstrip())


def plain(text: str) -> str:
    """A docstring line without reStructuredText markup: ``x`` and :class:`x` become x."""
    return re.sub(r":[a-z]+:`~?([^`]+)`", r"\1", text).replace("``", "")


def wrapped(settings: list[str], indent: str = "      ") -> list[str]:
    """Comma-separated ``settings`` in lines of at most :data:`WIDTH`, never split inside one."""
    lines = [indent]
    for position, setting in enumerate(settings):
        text = setting + ("," if position < len(settings) - 1 else "")
        if lines[-1] != indent and len(lines[-1]) + 1 + len(text) > WIDTH:
            lines.append(indent)
        lines[-1] += ("" if lines[-1] == indent else " ") + text
    return lines


def setting_text(parameter: inspect.Parameter) -> str:
    """``name = default`` in TOML, ``name (required)``, or ``name (optional)`` for ``None``."""
    if parameter.default is inspect.Parameter.empty:
        return f"{parameter.name} (required)"
    if parameter.default is None:
        return f"{parameter.name} (optional)"
    return f"{parameter.name} = {toml_value(parameter.default)}"


def toml_value(value: Any) -> str:
    """``value`` as an experiment file would write it (``repr`` for what TOML cannot hold)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    return repr(value)
