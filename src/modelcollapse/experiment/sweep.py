"""Sweep expansion (pure: settings only) and building a runnable chain for a sweep point."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, replace
from typing import Any

from modelcollapse.core import registry
from modelcollapse.core.chain import Chain
from modelcollapse.core.registry import did_you_mean
from modelcollapse.experiment.schema import Component, ConfigError, Experiment, parse_experiment
from modelcollapse.filters.curation import SyntheticDetector
from modelcollapse.neural.checkpoints import SAVES, saves

__all__ = ["Point", "build_chain", "components_used", "expand", "point_at", "sweep_grid",
           "sweep_points"]

MAX_POINTS = 10_000
"""Most sweep points one experiment may have."""

# Keys a sweep may vary: everything that shapes a chain, not the run's identity.
SWEEPABLE = ("seed", "generations", "samples", "world", "model", "policy", "filters",
             "metrics")


@dataclass(frozen=True)
class Point:
    """One point of a sweep: its number, the swept values, and its own experiment."""

    index: int
    values: dict[str, Any]
    experiment: Experiment
    # What the built chain says, filled in by expand (sweep_points builds no chain):
    batched: bool = False  # whether its chain has a batched kernel
    loop_refusal: str | None = None  # why its chain cannot run on the loop, if it cannot

    def columns(self) -> dict[str, Any]:
        """The swept values as result columns (tables and lists become JSON text)."""
        return {key: column_value(value) for key, value in self.values.items()}

    def where(self, source: str) -> str:
        """How messages name this point: ``source``, then its swept values."""
        return _where(source, self.values)


def _where(source: str, values: dict[str, Any]) -> str:
    return source if not values else f"{source}: sweep point " + ", ".join(
        f"{k}={column_value(v)}" for k, v in values.items())


def column_value(value: Any) -> Any:
    """A value that fits a Parquet column of scalars: components by label, tables as JSON."""
    if isinstance(value, dict) and "name" in value:
        return Component(**value).label()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def sweep_grid(sweep: dict[str, Any]) -> list[dict[str, Any]]:
    """Expand a sweep table into its points: lists multiply, scalars broadcast.

    >>> sweep_grid({"samples": [10, 30], "policy": ["replace", "accumulate"], "seed": 1})
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'samples': 10, 'policy': 'replace', 'seed': 1},
     {'samples': 10, 'policy': 'accumulate', 'seed': 1},
     {'samples': 30, 'policy': 'replace', 'seed': 1},
     {'samples': 30, 'policy': 'accumulate', 'seed': 1}]

    Raises
    ------
    ConfigError
        For an empty list.
    """
    axes = []
    for key, values in sweep.items():
        if isinstance(values, list):
            if not values:
                raise ConfigError(f"sweep.{key[:60]} is an empty list: give at least one value "
                                  "or remove the key")
            axes.append([(key, v) for v in values])
        else:
            axes.append([(key, values)])
    n_points = math.prod(len(axis) for axis in axes)
    if n_points > MAX_POINTS:
        raise ConfigError(f"the sweep has {n_points:,} points, over the limit of "
                          f"{MAX_POINTS:,}; sweep fewer values, or split it into several "
                          "experiments")
    return [dict(combination) for combination in itertools.product(*axes)]


def _set(data: dict[str, Any], key: str, value: Any) -> None:
    head, _, rest = key.partition(".")
    if head not in SWEEPABLE:
        raise ConfigError(f"sweep key {key!r} cannot be swept{did_you_mean(head, SWEEPABLE)}; "
                          f"sweepable keys start with one of: {', '.join(SWEEPABLE)}")
    if not rest:
        data[head] = value
        return
    node = data[head]
    if not isinstance(node, dict):
        raise ConfigError(f"sweep key {key!r}: {head!r} is not a table")
    node[rest] = value


def sweep_points(experiment: Experiment, source: str = "experiment") -> list[Point]:
    """Every sweep point of ``experiment`` with its resolved settings, building no chain.

    Pure grid expansion: what views of a run need, and all they may rely on,
    since a point's components may read files that have moved since it ran.
    ``source`` (the file name) starts every message.

    Raises
    ------
    ConfigError
        Naming the sweep key and value that make a point's settings invalid.
    """
    grid = _grid(experiment, source)
    return [_point(experiment, index, values, source) for index, values in enumerate(grid)]


def expand(experiment: Experiment, source: str = "experiment") -> list[Point]:
    """Every sweep point of ``experiment``, each validated by building its chain.

    ``source`` (the file name) starts every message.

    Raises
    ------
    ConfigError
        Naming the sweep key and value that make a point impossible.
    """
    return [_checked(point, source) for point in sweep_points(experiment, source)]


def point_at(experiment: Experiment, index: int) -> Point:
    """Sweep point number ``index`` alone, with its settings resolved but no chain built."""
    return _point(experiment, index, _grid(experiment, "experiment")[index], "experiment")


def _grid(experiment: Experiment, source: str) -> list[dict[str, Any]]:
    try:
        return sweep_grid(experiment.sweep)
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None


def _point(experiment: Experiment, index: int, values: dict[str, Any], source: str) -> Point:
    data = experiment.model_dump(mode="json")
    data["sweep"] = {}
    try:
        for key, value in values.items():
            _set(data, key, value)
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None
    return Point(index, values, parse_experiment(data, source=_where(source, values)))


def _checked(point: Point, source: str) -> Point:
    """``point`` with what its built chain says about the engines it runs on."""
    chain = build_chain(point.experiment, point.where(source))
    kernel = chain.kernel()
    refusal = kernel.loop_refusal(chain) if hasattr(kernel, "loop_refusal") else None
    return replace(point, batched=kernel is not None, loop_refusal=refusal)


def components_used(experiment: Experiment) -> set[tuple[str, str]]:
    """The ``(kind, name)`` registry entries that some sweep point of ``experiment`` names.

    Read from the configuration alone, without building any chain; the
    default metrics of a model are the model's own business and not listed.
    """
    used = set()
    for point in sweep_points(experiment):
        settings = point.experiment
        used |= {("world", settings.world.name), ("model", settings.model.name),
                 ("policy", settings.policy.name)}
        used |= {("filter", spec.name) for spec in settings.filters}
        used |= {("metric", spec if isinstance(spec, str) else spec.name)
                 for spec in settings.metrics or ()}
    return used


def build_chain(experiment: Experiment, where: str = "experiment") -> Chain:
    """Build the chain an experiment (without a sweep) describes.

    Raises
    ------
    ConfigError
        For unknown registry names or settings and impossible combinations.
    """
    try:
        world = registry.worlds.build(experiment.world.name, experiment.world.params)
        model = registry.models.build(experiment.model.name, experiment.model.params)
        policy = registry.policies.build(experiment.policy.name, experiment.policy.params)
        filters = tuple(registry.filters.build(spec.name, spec.params)
                        for spec in experiment.filters)
        names = experiment.metrics
        if names is None:
            names = registry.models.default_metrics(experiment.model.name)
            if names is None:
                raise ConfigError(f"{where}: the {experiment.model.name!r} model has no default "
                                  "metrics; list them in 'metrics'")
        metrics = tuple(registry.metrics.build(spec, {}) if isinstance(spec, str)
                        else registry.metrics.build(spec.name, spec.params) for spec in names)
        judged = any(hasattr(world, a) for a in ("true_function", "true_labels", "is_correct"))
        if filters and not judged and any(not isinstance(f, SyntheticDetector)
                                          and getattr(f, "judges_correctness", True)
                                          for f in filters):
            raise ConfigError(f"{where}: verifiers and reviewers need a world with true labels "
                              "or a true function; use a detector, or such a world")
        for spec, component in zip(experiment.filters, filters, strict=True):
            missing = [a for a in getattr(component, "world_needs", ()) if not hasattr(world, a)]
            if missing:
                raise ConfigError(f"{where}: filter {spec.name!r} does not work on the "
                                  f"{experiment.world.name!r} world (it needs {missing[0]}); "
                                  "remove it or choose a world it reads")
        chain = Chain(world, model, policy, n_samples=experiment.samples,
                      n_generations=experiment.generations, metrics=metrics, filters=filters)
        if experiment.keep_weights and not saves(chain.model):
            raise ConfigError(f"{where}: keep_weights: the {experiment.model.name!r} model "
                              "cannot save its weights (only "
                              f"{', '.join(SAVES.values())} can); remove keep_weights")
        names = chain.metric_names()
        twice = next((name for name in names if names.count(name) > 1), None)
        if twice is not None:
            raise ConfigError(f"{where}: the figure {twice!r} would be recorded twice; list "
                              "each metric and filter once")
        return chain
    except KeyError as error:
        raise ConfigError(f"{where}: {error.args[0]}") from None
    except ConfigError:
        raise
    except (TypeError, ValueError, ArithmeticError, IndexError) as error:
        raise ConfigError(f"{where}: {error}") from None
    except AttributeError as error:  # a component reading what another does not offer
        raise ConfigError(f"{where}: the world, model, metrics and filters do not fit "
                          f"together ({error}); check their names and settings") from None
