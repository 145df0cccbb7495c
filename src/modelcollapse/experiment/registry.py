"""Registries: the names experiment files use for worlds, models, policies, filters, metrics.

Register by decorator; a duplicate name is an error; an unknown name gets a
"did you mean …" suggestion. Third-party packages register their own
components from an entry point in the ``modelcollapse.plugins`` group, loaded
the first time a registry is consulted::

    [project.entry-points."modelcollapse.plugins"]
    mypackage = "mypackage.modelcollapse_plugin"
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from importlib import metadata

__all__ = ["Registry", "did_you_mean", "filters", "metrics", "models", "policies", "worlds"]

_plugins_loaded = False


def did_you_mean(name: str, choices) -> str:
    """Return `` (did you mean 'x'?)`` for the closest choice, or ``""``."""
    choices = list(choices)
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    close = close or [c for c in choices if name and c.startswith(name)][:1]
    return f" (did you mean {close[0]!r}?)" if close else ""


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for entry_point in metadata.entry_points(group="modelcollapse.plugins"):
        entry_point.load()


class Registry:
    """Named factories of one kind of component.

    Parameters
    ----------
    kind : str
        What the entries are ("world", "model", …), used in messages.
    """

    def __init__(self, kind: str):
        self.kind = kind
        self._factories: dict[str, Callable] = {}

    def register(self, name: str) -> Callable[[Callable], Callable]:
        """Decorator registering ``factory`` under ``name``.

        Raises
        ------
        ValueError
            If ``name`` is already registered.
        """

        def decorate(factory: Callable) -> Callable:
            if name in self._factories:
                raise ValueError(f"a {self.kind} named {name!r} is already registered")
            self._factories[name] = factory
            return factory

        return decorate

    def names(self) -> list[str]:
        """Registered names, sorted."""
        _load_plugins()
        return sorted(self._factories)

    def __contains__(self, name: str) -> bool:
        return name in self.names()

    def get(self, name: str) -> Callable:
        """Return the factory registered under ``name``.

        Raises
        ------
        KeyError
            With the known names and a suggestion.
        """
        names = self.names()
        if name not in self._factories:
            known = ", ".join(names) or "none yet"
            plural = "policies" if self.kind == "policy" else f"{self.kind}s"
            raise KeyError(f"unknown {self.kind} {name!r}{did_you_mean(name, names)}; "
                           f"known {plural}: {known}")
        return self._factories[name]

    def parameters(self, name: str) -> dict[str, inspect.Parameter]:
        """The keyword parameters the factory of ``name`` accepts."""
        signature = inspect.signature(self.get(name))
        return {p.name: p for p in signature.parameters.values()
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}

    def build(self, name: str, params: dict):
        """Call the factory of ``name`` with ``params``, checking their names first.

        Raises
        ------
        KeyError
            For an unknown name.
        TypeError
            For a parameter the factory does not take, with a suggestion.
        """
        accepted = self.parameters(name)
        for key in params:
            if key not in accepted:
                allowed = ", ".join(accepted) or "none"
                raise TypeError(f"{self.kind} {name!r} has no setting {key!r}"
                                f"{did_you_mean(key, accepted)}; its settings: {allowed}")
        return self.get(name)(**params)


worlds = Registry("world")
models = Registry("model")
policies = Registry("policy")
filters = Registry("filter")
metrics = Registry("metric")
