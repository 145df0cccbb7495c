"""Registries: the names experiment files use for worlds, models, policies, filters, metrics.

Register by decorator; a duplicate name is an error; an unknown name gets a
"did you mean …" suggestion. Each family folder under
:mod:`modelcollapse.families` registers its own components, theories and
retrieval correction in its ``__init__``; the policies and filters packages
register theirs. The first time a registry is consulted, every package in
``modelcollapse/families/`` is imported (found by listing the folder, so no
list names them here), then the plugins: third-party packages register their
components from an entry point in the ``modelcollapse.plugins`` group::

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
import pkgutil
import typing
from collections.abc import Callable, Iterable
from dataclasses import is_dataclass
from importlib import metadata
from pathlib import Path

from modelcollapse.core.errors import UsageError
from modelcollapse.core.model import user_settings

__all__ = ["REGISTRIES", "Registry", "Theories", "default_metrics_of", "did_you_mean", "filters",
           "install", "metrics", "models", "pack", "policies", "theories", "worlds"]

_loaded = False


def did_you_mean(name: str, choices) -> str:
    """Return `` (did you mean 'x'?)`` for the closest choice, or ``""``."""
    choices = list(choices)
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    close = close or [c for c in choices if name and c.startswith(name)][:1]
    return f" (did you mean {close[0]!r}?)" if close else ""


def _load_components() -> None:
    """Import the shipped components, then the plugins, once: each registers itself."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for package in ("modelcollapse.policies", "modelcollapse.filters"):
        importlib.import_module(package)
    # Found by listing the folder: adding a family is adding a folder.
    families = importlib.import_module("modelcollapse.families")
    for family in pkgutil.iter_modules(families.__path__, "modelcollapse.families."):
        importlib.import_module(family.name)
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
        _load_components()
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
        are settings: not those marked :data:`~modelcollapse.core.model.NOT_A_SETTING`.
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


class Theories:
    """Closed forms by metric, registered by the families that have them.

    A theory is a function ``(chain, generations)`` returning tidy rows
    (``generation, metric, value, theory``), a sentence saying why this
    configuration has no closed form although the family has one, or
    ``None`` when it does not concern the chain.
    """

    def __init__(self):
        self._by_metric: dict[str, list[Callable]] = {}

    def register(self, *metric_names: str) -> Callable[[Callable], Callable]:
        """Decorator registering a theory of the metrics ``metric_names``, tried in order."""

        def decorate(theory: Callable) -> Callable:
            for name in metric_names:
                self._by_metric.setdefault(name, []).append(theory)
            return theory

        return decorate

    def of(self, metric: str) -> tuple[Callable, ...]:
        """The theories registered for ``metric``, in the order they were registered."""
        _load_components()
        return tuple(self._by_metric.get(metric, ()))


def default_metrics_of(model) -> list[str] | None:
    """The metric names registered as defaults for ``model``'s class, or None.

    A model registered as its class (eagerly or as ``"module:Class"``) is
    found by its type, one registered through a factory function by the
    class the factory's return annotation names.
    """
    _load_components()
    cls = type(model)
    for name, factory in models._factories.items():
        if factory is cls or factory == f"{cls.__module__}:{cls.__qualname__}" \
                or _returns(factory) is cls:
            return models.default_metrics(name)
    return None


def _returns(factory) -> type | None:
    """The class a factory function's return annotation names, or None."""
    if isinstance(factory, str) or isinstance(factory, type) or not callable(factory):
        return None
    try:
        returned = typing.get_type_hints(factory).get("return")
    except Exception:  # an annotation that does not resolve names no class
        return None
    return returned if isinstance(returned, type) else None


worlds = Registry("world")
models = Registry("model")
policies = Registry("policy")
filters = Registry("filter")
metrics = Registry("metric")
theories = Theories()


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
