"""A finished (or partly finished) run, read for figures and reports.

Statistics are computed by DuckDB straight from the unit Parquet files, so a
run of millions of rows is summarised without loading it into Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import duckdb
import pandas as pd

from modelcollapse.experiment.registry import did_you_mean
from modelcollapse.experiment.runner import run_status
from modelcollapse.experiment.schema import Experiment
from modelcollapse.experiment.store import RunDirectory, RunError
from modelcollapse.experiment.sweep import expand, point_at

__all__ = ["RunView"]

_SUMMARY_SQL = """
SELECT {group} AS {name}, metric, generation,
       count(value) FILTER (WHERE status = 'ok') AS n,
       avg(value) FILTER (WHERE status = 'ok') AS mean,
       stddev_samp(value) FILTER (WHERE status = 'ok') AS sd,
       median(value) FILTER (WHERE status = 'ok') AS median,
       quantile_cont(value, 0.025) FILTER (WHERE status = 'ok') AS q025,
       quantile_cont(value, 0.975) FILTER (WHERE status = 'ok') AS q975,
       count(*) FILTER (WHERE status <> 'ok') AS n_degenerate
FROM results {join}
GROUP BY ALL
ORDER BY ALL
"""


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
    def points(self) -> dict[int, str]:
        """Each sweep point's label, e.g. ``"samples=30, policy=replace"``."""
        return {index: ", ".join(f"{k}={v}" for k, v in values.items())
                or self.experiment.policy.label() for index, values in self._values.items()}

    @cached_property
    def _values(self) -> dict[int, dict]:
        return {point.index: point.values
                for point in expand(self.experiment, str(self.directory.record_path))}

    def facets(self) -> tuple[dict[int, str], dict[int, str]] | None:
        """With two or more swept keys: per point, a panel (first key) and a line label (rest)."""
        keys = list(self.experiment.sweep)
        if len(keys) < 2:
            return None
        panel = {i: f"{keys[0]}={v[keys[0]]}" for i, v in self._values.items()}
        line = {i: ", ".join(f"{k}={v[k]}" for k in keys[1:]) for i, v in self._values.items()}
        return panel, line

    def point_experiment(self, index: int) -> Experiment:
        """The resolved experiment of one sweep point."""
        return point_at(self.experiment, index).experiment

    @property
    def complete(self) -> bool:
        """Whether every unit is finished."""
        return not self.status.pending and not self.status.broken

    def _connect(self) -> duckdb.DuckDBPyConnection:
        files = [str(self.directory.unit_path(unit)) for unit in self.status.done]
        connection = duckdb.connect()
        try:
            connection.read_parquet(files, union_by_name=True).create_view("results")
        except duckdb.Error as error:
            connection.close()
            raise RunError(f"{self.path}: cannot read its unit files ({error}); run the "
                           "experiment again to recompute broken units") from None
        return connection

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Per point, metric and generation: n, mean, sd, median, 2.5% and 97.5% quantiles."""
        connection = self._connect()
        try:
            sql = _SUMMARY_SQL.format(group="point", name="point", join="")
            frame = connection.execute(sql).df()
        finally:
            connection.close()
        frame["se"] = frame["sd"] / frame["n"].pow(0.5)
        frame["label"] = frame["point"].map(self.points)
        return frame

    def summary_by(self, parameter: str) -> pd.DataFrame:
        """Like :attr:`summary`, pooling replicates of every point with the same ``parameter``.

        Raises
        ------
        RunError
            If ``parameter`` is not a swept key, with a suggestion.
        """
        keys = list(self.experiment.sweep)
        if parameter not in keys:
            raise RunError(f"--by {parameter!r} is not a swept key"
                           f"{did_you_mean(parameter, keys)}; swept keys: "
                           f"{', '.join(keys) or 'none (this run has no sweep)'}")
        labels = [(point.index, f"{parameter}={point.values[parameter]}")
                  for point in expand(self.experiment)]
        connection = self._connect()
        try:
            connection.execute("CREATE TEMP TABLE labels (point INTEGER, label VARCHAR)")
            connection.executemany("INSERT INTO labels VALUES (?, ?)", labels)
            sql = _SUMMARY_SQL.format(group="labels.label", name="label",
                                      join="JOIN labels USING (point)")
            frame = connection.execute(sql).df()
        finally:
            connection.close()
        frame["se"] = frame["sd"] / frame["n"].pow(0.5)
        return frame

    @cached_property
    def metrics(self) -> list[str]:
        """Metric names present in the results, in a stable order."""
        return sorted(self.summary["metric"].unique(), key=_metric_order)

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
