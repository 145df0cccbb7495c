"""A finished (or partly finished) run, read for figures and reports.

Statistics are computed by DuckDB straight from the unit Parquet files, so a
run of millions of rows is summarised without loading it into Python. What
else a view needs (each point's settings and label, the theory rows, the
regression gallery's curve) comes from the run's view data
(:mod:`modelcollapse.experiment.views`): no model or world is built here, so a
run directory reads the same after its corpus moved or on another machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from modelcollapse.core.labels import value_label
from modelcollapse.core.registry import did_you_mean
from modelcollapse.experiment.runner import run_status
from modelcollapse.experiment.schema import Experiment
from modelcollapse.experiment.store import RunDirectory, RunError
from modelcollapse.experiment.unitfile import create_results_view
from modelcollapse.experiment.views import read_views
from modelcollapse.report.display import headline_metric

__all__ = ["Layout", "RunView"]

_SUMMARY_SQL = """
SELECT point, metric, generation,
       count(value) FILTER (WHERE status = 'ok') AS n,
       avg(value) FILTER (WHERE status = 'ok') AS mean,
       stddev_samp(value) FILTER (WHERE status = 'ok') AS sd,
       median(value) FILTER (WHERE status = 'ok') AS median,
       quantile_cont(value, 0.025) FILTER (WHERE status = 'ok') AS q025,
       quantile_cont(value, 0.975) FILTER (WHERE status = 'ok') AS q975,
       count(*) FILTER (WHERE status <> 'ok') AS n_degenerate
FROM results
GROUP BY ALL
ORDER BY ALL
"""


@dataclass(frozen=True)
class Layout:
    """Where each sweep point goes in a figure: its panel (or None) and its line label."""

    panel: dict[int, str | None]
    line: dict[int, str]
    legend_title: str | None

    def assign(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` (with a ``point`` column) with ``panel`` and ``label`` columns added."""
        return frame.assign(panel=frame["point"].map(self.panel),
                            label=frame["point"].map(self.line))

    @property
    def faceted(self) -> bool:
        """Whether the points spread over several panels."""
        return any(panel is not None for panel in self.panel.values())


@dataclass
class RunView:
    """What a report needs from one run directory."""

    path: Path

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self.directory = RunDirectory(self.path)
        self.record = self.directory.read_record()
        self.experiment, self.status = run_status(self.path)
        self.directory.refuse_damaged(self.status)  # never summarise wrong rows
        if not self.status.done:
            raise RunError(f"{self.path}: no finished units yet ({len(self.status.pending)} "
                           f"pending, {len(self.status.broken)} broken); run the experiment "
                           "to compute them")

    @property
    def name(self) -> str:
        """The experiment's name."""
        return self.experiment.name

    @cached_property
    def views(self) -> dict[str, Any]:
        """The run's view data (:func:`~modelcollapse.experiment.views.read_views`)."""
        return read_views(self.directory, self.experiment)

    @cached_property
    def _points(self) -> dict[int, dict[str, Any]]:
        return {point["index"]: point for point in self.views["points"]}

    @cached_property
    def _values(self) -> dict[int, dict[str, str]]:
        """Each point's swept values, labelled by what sets them apart (:func:`short_labels`)."""
        return {index: point["labels"] for index, point in self._points.items()}

    @cached_property
    def points(self) -> dict[int, str]:
        """Each sweep point's label, e.g. ``"samples=30, policy=replace"``."""
        return {index: point["label"] for index, point in self._points.items()}

    @cached_property
    def varying(self) -> list[str]:
        """The swept keys that take more than one value, in the file's order."""
        return [key for key in self.experiment.sweep
                if len({values[key] for values in self._values.values()}) > 1]

    def swept_values(self) -> dict[str, list[str]]:
        """Each varying swept key's values in full (:func:`value_label`), in sweep order."""
        return {key: list(dict.fromkeys(value_label(point["values"][key])
                                        for point in self._points.values()))
                for key in self.varying}

    def layout(self, by: str | None = None) -> Layout:
        """Which panel and which line each point is drawn as.

        Parameters
        ----------
        by : str or None
            A swept key: one line per value, one panel per combination of the
            other varying keys. ``None``: with two or more varying keys the
            first makes the panels and the rest the lines; with one, a line per
            value; with none, one line.

        Raises
        ------
        RunError
            If ``by`` is not a swept key, with a suggestion.
        """
        keys = list(self.experiment.sweep)
        if by is not None and by not in keys:
            raise RunError(f"--by {by!r} is not a swept key{did_you_mean(by, keys)}; swept "
                           f"keys: {', '.join(keys) or 'none (this run has no sweep)'}")
        if by is not None:
            lines, panels = [by], [k for k in self.varying if k != by]
        else:
            panels, lines = (self.varying[:1], self.varying[1:]) if len(
                self.varying) > 1 else ([], self.varying)

        def label(values: dict[str, str], chosen: list[str]) -> str:
            if len(chosen) == 1 and chosen == lines:
                return values[chosen[0]]  # the legend's title names the key
            return ", ".join(f"{k}={values[k]}" for k in chosen)

        return Layout(
            panel={i: label(v, panels) if panels else None for i, v in self._values.items()},
            line={i: label(v, lines) if lines else self.points[i]
                  for i, v in self._values.items()},
            legend_title=lines[0] if len(lines) == 1 else None)

    def point_experiment(self, index: int) -> Experiment:
        """The resolved experiment of one sweep point."""
        return Experiment.model_validate(self._points[index]["settings"])

    @property
    def policies(self) -> dict[int, dict[str, Any]]:
        """Each sweep point's resolved policy settings, e.g. ``{"name": "replace"}``."""
        return {index: point["settings"]["policy"] for index, point in self._points.items()}

    def truth_curve(self, index: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The x grid and true curve of a regression point whose chain records coefficients.

        ``None`` for any other point.
        """
        curve = self.views["gallery"].get(str(index))
        return None if curve is None else (np.asarray(curve["grid"]),
                                          np.asarray(curve["truth"]))

    @property
    def complete(self) -> bool:
        """Whether every unit is finished."""
        return not self.status.pending and not self.status.broken

    def _connect(self) -> duckdb.DuckDBPyConnection:
        files = [str(self.directory.unit_path(unit)) for unit in self.status.done]
        connection = duckdb.connect()
        try:
            create_results_view(connection, files)
        except duckdb.Error as error:
            connection.close()
            raise RunError(f"{self.path}: cannot read its unit files ({error}); run the "
                           "experiment again to recompute broken units") from None
        return connection

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Per point, metric and generation: n, mean, sd, se, median, 2.5% and 97.5% quantiles."""
        connection = self._connect()
        try:
            frame = connection.execute(_SUMMARY_SQL).df()
        finally:
            connection.close()
        frame["se"] = frame["sd"] / frame["n"].pow(0.5)
        frame["label"] = frame["point"].map(self.points)
        return frame

    @cached_property
    def metrics(self) -> list[str]:
        """Metric names present in the results, headline first.

        Then as the chain records them, coefficients last.
        """
        recorded = sorted(self.summary["metric"].unique(), key=_metric_order)
        order = {name: i for i, name in enumerate(self._points[0]["metrics"])}
        recorded.sort(key=lambda m: (_metric_order(m)[0], order.get(m, len(order))))
        listed = [spec if isinstance(spec, str) else spec.name
                  for spec in self.point_experiment(0).metrics or ()]
        headline = headline_metric(self.point_experiment(0).model.name, recorded, listed)
        return [headline, *(m for m in recorded if m != headline)]

    @property
    def headline(self) -> str:
        """The metric this run's family leads with (:func:`headline_metric`)."""
        return self.metrics[0]

    def check_metric(self, metric: str) -> None:
        """Raise :class:`RunError` with a suggestion if ``metric`` is not in this run."""
        if metric not in self.metrics:
            raise RunError(f"{self.path} has no metric {metric!r}"
                           f"{did_you_mean(metric, self.metrics)}; it has: "
                           f"{', '.join(self.metrics)}")

    def rows(self, sql_filter: str, parameters: list) -> pd.DataFrame:
        """Raw rows matching a SQL condition on the ``results`` view."""
        connection = self._connect()
        try:
            return connection.execute(f"SELECT * FROM results WHERE {sql_filter}",
                                      parameters).df()
        finally:
            connection.close()


def _metric_order(name: str) -> tuple:
    # Coefficients after the headline metrics, in numeric order.
    if name.startswith("coef_") and name[5:].isdigit():
        return (1, int(name[5:]), name)
    return (0, 0, name)
