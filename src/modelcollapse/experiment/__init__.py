"""Experiments as files: schema, sweeps, runs, stores and backends.

``Registry`` is re-exported from :mod:`modelcollapse.core.registry`, where the
families register their components.
"""

from modelcollapse.core.registry import Registry
from modelcollapse.experiment.runner import load, query, run_experiment, run_status
from modelcollapse.experiment.schema import ConfigError, Experiment, load_experiment

__all__ = [
    "ConfigError",
    "Experiment",
    "Registry",
    "load",
    "load_experiment",
    "query",
    "run_experiment",
    "run_status",
]
