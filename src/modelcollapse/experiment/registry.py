"""Registries: the names experiment files use for worlds, models, policies, filters, metrics.

Register by decorator; a duplicate name is an error; an unknown name gets a
"did you mean …" suggestion. Third-party packages register their own
components from an entry point in the ``modelcollapse.plugins`` group, loaded
the first time a registry is consulted::

    [project.entry-points."modelcollapse.plugins"]
    mypackage = "mypackage.modelcollapse_plugin"

Components registered in a notebook or script reach worker processes with
the units that name them (:func:`pack` and :func:`install`), so no worker
has to run the user's code again to find them.
"""

from __future__ import annotations

import copy
import difflib
import functools
import importlib
import inspect
import pickle
from collections.abc import Callable, Iterable
from dataclasses import is_dataclass
from importlib import metadata
from pathlib import Path

from modelcollapse.errors import UsageError
from modelcollapse.models.base import user_settings

__all__ = ["REGISTRIES", "Registry", "did_you_mean", "filters", "install", "metrics", "models",
           "pack", "policies", "worlds"]

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
        self._factories: dict[str, Callable | str] = {}  # str: "module:Attribute", lazy
        self._examples: dict[str, dict | Callable[[Path], dict]] = {}
        self._metrics: dict[str, list[str]] = {}

    def register(self, name: str, *, example: dict | Callable[[Path], dict] | None = None,
                 metrics: list[str] | None = None) -> Callable[[Callable], Callable]:
        """Decorator registering ``factory`` under ``name``.

        Parameters
        ----------
        name : str
        example : dict or callable, optional
            The smallest experiment that runs this component: experiment
            settings (``world``, ``samples``, and the component's own table
            under its kind, e.g. ``model``), or a function of a scratch folder
            returning them where the example needs files (a checkpoint). The
            conformance tests run every registered model's example.
        metrics : list of str, optional
            For a model: the metrics an experiment measures when it lists none.

        Raises
        ------
        ValueError
            If ``name`` is already registered.
        """

        def decorate(factory: Callable) -> Callable:
            if name in self._factories:
                raise ValueError(f"a {self.kind} named {name!r} is already registered")
            self._factories[name] = factory
            if example is not None:
                self._examples[name] = example
            if metrics is not None:
                self._metrics[name] = list(metrics)
            return factory

        return decorate

    def add(self, name: str, target: str, *,
            example: dict | Callable[[Path], dict] | None = None,
            metrics: list[str] | None = None) -> None:
        """Register ``target``, ``"package.module:Attribute"``, imported when first used.

        An entry whose module is heavy (PyTorch, transformers) costs nothing
        until an experiment names it. ``example`` and ``metrics`` are as for
        :meth:`register`.

        Raises
        ------
        ValueError
            If ``name`` is already registered, or ``target`` has no ``:``.
        """
        if ":" not in target:
            raise ValueError(f"a lazy {self.kind} is 'package.module:Attribute', got {target!r}")
        self.register(name, example=example, metrics=metrics)(target)

    def default_metrics(self, name: str) -> list[str] | None:
        """The metrics registered with ``name`` for experiments that list none, or None."""
        self.get(name)
        return list(self._metrics[name]) if name in self._metrics else None

    def example(self, name: str, folder: Path) -> dict | None:
        """The example experiment settings registered with ``name``, or None.

        ``folder`` is a scratch folder for examples that need files.
        """
        self.get(name)  # an unknown name is an error, not "no example"
        example = self._examples.get(name)
        return example(folder) if callable(example) else copy.deepcopy(example)

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
        factory = self._factories[name]
        if isinstance(factory, str):  # a lazy entry: import its module now
            module, _, attribute = factory.partition(":")
            factory = self._factories[name] = getattr(importlib.import_module(module), attribute)
        return factory

    def parameters(self, name: str) -> dict[str, inspect.Parameter]:
        """The keyword parameters the factory of ``name`` accepts.

        For a dataclass (a model class registered as it is), its fields that
        are settings: not those marked :data:`~modelcollapse.models.base.NOT_A_SETTING`.
        """
        factory = self.get(name)
        signature = inspect.signature(factory)
        accepted = {p.name: p for p in signature.parameters.values()
                    if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        if isinstance(factory, type) and is_dataclass(factory):
            settings = set(user_settings(factory))
            accepted = {key: p for key, p in accepted.items() if key in settings}
        return accepted

    def summary(self, name: str) -> str:
        """The first line of the docstring of ``name``'s factory, or ``""``.

        For a :func:`functools.partial`, the docstring of the callable it wraps.
        """
        factory = self.get(name)
        if isinstance(factory, functools.partial):
            factory = factory.func
        doc = inspect.getdoc(factory) or ""
        return doc.strip().splitlines()[0].strip() if doc.strip() else ""

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


REGISTRIES = {registry.kind: registry for registry in (worlds, models, policies, filters, metrics)}
"""Every registry by the kind of its entries."""

_installed: dict[tuple[str, str], bytes] = {}
"""In a worker: the entries :func:`install` put there, as the bytes they came in."""


def pack(names: Iterable[tuple[str, str]]) -> dict[tuple[str, str], bytes]:
    """The factories of ``(kind, name)`` pairs, pickled for a worker process.

    cloudpickle sends what a notebook or script defined (``__main__``) by
    value and everything importable by reference, so built-in components
    cost a few bytes each and user code is never run again to find them.

    Raises
    ------
    UsageError
        If a factory cannot be pickled, or was defined in ``__main__`` and
        cloudpickle is not installed; the message says what to do.
    """
    try:
        import cloudpickle
    except ImportError:
        cloudpickle = None
    packed = {}
    for kind, name in sorted(set(names)):
        factory = REGISTRIES[kind].get(name)
        module = getattr(getattr(factory, "func", factory), "__module__", None)
        if cloudpickle is None and module == "__main__":
            raise UsageError(f"the {kind} {name!r} was registered in a notebook or script, "
                             "which worker processes cannot import: pip install cloudpickle, "
                             "or run in this process (--workers 1, backend=SerialBackend())")
        try:
            packed[kind, name] = (cloudpickle or pickle).dumps(factory)
        except Exception as error:  # pickling raises whatever the object does
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise UsageError(f"the {kind} {name!r} cannot be sent to worker processes ({first}); "
                             "define its factory at the top level of a module or notebook, or "
                             "run in this process (--workers 1, backend=SerialBackend())"
                             ) from None
    return packed


def install(packed: dict[tuple[str, str], bytes]) -> None:
    """In a worker: register the factories of :func:`pack` that this process lacks.

    Built-in, plugin and imported entries stay as they are; an entry an
    earlier :func:`install` put here is replaced when it comes back
    different (a long-lived Dask worker serving a notebook whose code changed).
    """
    for (kind, name), data in packed.items():
        registry = REGISTRIES[kind]
        key = (kind, name)
        if _installed.get(key) == data or (name in registry and key not in _installed):
            continue
        # Unpickling may import the factory's module, which registers it itself.
        registry._factories[name] = pickle.loads(data)
        _installed[key] = data
