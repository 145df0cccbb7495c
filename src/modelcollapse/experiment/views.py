"""What views of a run read, recorded when the run starts: they never build a chain.

Figures, reports, ``status`` and ``query`` must work on a run directory alone:
after its corpus has moved, its checkpoint is gone, or on another machine.
So ``views.json`` keeps, next to ``run.json``:

- ``points``: each sweep point's resolved settings, its swept values, their
  short labels and its display label, and the figures its chain records, in
  the chain's order;
- ``theory``: the closed-form rows of every figure with a theory, or the
  sentence saying why this configuration has none
  (:func:`~modelcollapse.experiment.theory.chain_theory`);
- ``gallery``: the x grid and true curve the regression gallery draws, for
  points whose world has a true curve on a grid (``grid``, ``true_function``)
  and whose chain records coefficients.

A run directory written before this file existed is read by rebuilding its
chains, as views did then; where that fails, views refuse in one line.
"""

from __future__ import annotations

import json
from typing import Any

from modelcollapse.core.errors import UsageError
from modelcollapse.core.labels import short_labels, value_label
from modelcollapse.experiment.schema import Experiment
from modelcollapse.experiment.store import RunDirectory, RunError
from modelcollapse.experiment.sweep import Point, build_chain, sweep_points
from modelcollapse.experiment.theory import chain_theory

__all__ = ["FORMAT", "read_views", "record_views", "views_of"]

FORMAT = 1
"""Version of ``views.json``; a file of another version is computed afresh or refused."""


def views_of(experiment: Experiment, source: str = "experiment") -> dict[str, Any]:
    """What views need of ``experiment``, computed by building each point's chain once.

    Parameters
    ----------
    experiment : Experiment
        As recorded in the run directory (after
        :func:`~modelcollapse.experiment.units.common_engine`).
    source : str
        Names the run in messages.

    Returns
    -------
    dict
        JSON-ready: ``format``, ``config_hash``, ``points``, ``theory`` and
        ``gallery`` (see the module's description).

    Raises
    ------
    ConfigError
        If a point's chain cannot be built here (a moved corpus, say).
    """
    points = sweep_points(experiment, source)
    labels = _labels(experiment, points)
    views: dict[str, Any] = {"format": FORMAT, "config_hash": experiment.config_hash(),
                             "points": [], "theory": [], "gallery": {}}
    # A chain and its theory do not depend on the seed (Chain.run takes it), so points that
    # differ only in their seed share one computation: a seed sweep pays for one theory.
    theories: dict[str, list[dict[str, Any]]] = {}
    for point in points:
        chain = build_chain(point.experiment, point.where(source))
        names = chain.metric_names()
        settings = point.experiment.model_dump(mode="json")
        views["points"].append({
            "index": point.index, "values": point.values,
            "labels": labels[point.index], "label": _label(experiment, labels[point.index]),
            "settings": settings, "metrics": names})
        key = json.dumps({**settings, "seed": None}, sort_keys=True)
        if key not in theories:
            theories[key] = _theory(chain, names, point.experiment.generations)
        views["theory"] += [{"point": point.index, **entry} for entry in theories[key]]
        world = chain.world
        # A world with a true curve on a grid (the regression family's) gets a gallery.
        if "coef_0" in names and hasattr(world, "grid") and hasattr(world, "true_function"):
            views["gallery"][str(point.index)] = {
                "grid": world.grid.tolist(), "truth": world.true_function(world.grid).tolist()}
    # As read back from the file (lists, not tuples), so a rebuilt record equals a stored one.
    return json.loads(json.dumps(views))


def _theory(chain, names: list[str], generations: int) -> list[dict[str, Any]]:
    """Each figure's theory for ``chain``: ``{"metric", "rows"}`` or ``{"metric", "note"}``."""
    entries = []
    for metric in names:
        result = chain_theory(chain, metric, generations)
        if isinstance(result, str):
            entries.append({"metric": metric, "note": result})
        elif result is not None:
            entries.append({"metric": metric, "rows": result.to_dict(orient="list")})
    return entries


def _labels(experiment: Experiment, points: list[Point]) -> dict[int, dict[str, str]]:
    """Each point's swept values, labelled by what sets them apart (:func:`short_labels`)."""
    by_key = {key: short_labels([point.values[key] for point in points])
              for key in experiment.sweep}
    return {point.index: {key: by_key[key][position] for key in point.values}
            for position, point in enumerate(points)}


def _label(experiment: Experiment, labels: dict[str, str]) -> str:
    """A point's display label, e.g. ``"samples=30, policy=replace"``."""
    return ", ".join(f"{k}={v}" for k, v in labels.items()) or value_label(experiment.policy)


def record_views(run: RunDirectory, experiment: Experiment, source: str) -> None:
    """Write ``views.json`` into ``run`` unless it already holds this configuration's.

    Called by the runner once it holds the run directory, before any unit
    runs, so even an interrupted run can be reported.
    """
    if _stored(run, experiment) is None:
        run.write_views(views_of(experiment, source))


def _stored(run: RunDirectory, experiment: Experiment) -> dict[str, Any] | None:
    """The stored views of this configuration, or None where none is usable."""
    try:
        views = json.loads(run.views_path.read_bytes())
    except (OSError, ValueError):  # absent (an older run), unreadable or damaged
        return None
    if not isinstance(views, dict) or views.get("format") != FORMAT \
            or views.get("config_hash") != experiment.config_hash():
        return None
    return views


def read_views(run: RunDirectory, experiment: Experiment) -> dict[str, Any]:
    """The views of ``run``: as stored, else rebuilt from its chains as before they were stored.

    Raises
    ------
    RunError
        In one line, when nothing is stored and the chains cannot be rebuilt here.
    """
    views = _stored(run, experiment)
    if views is not None:
        return views
    try:
        return views_of(experiment, "cause")
    except (UsageError, OSError) as error:
        # The fix before the cause: a long message loses its middle, and the cause ends well.
        raise RunError(f"run {run.path.name!r}: no usable {run.views_path.name} (an older run, "
                       "or damaged) and its chains cannot be rebuilt here; restore their inputs "
                       "and run the same 'modelcollapse run' command with this version to add "
                       f"it, keeping the finished units ({error})") from None
