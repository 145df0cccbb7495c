"""The components modelcollapse ships, registered under the names experiment files use.

One module per group of families; each registers its worlds, models and
metrics on import and names the metrics measured when an experiment lists
none. Families that need heavy libraries (PyTorch, transformers) import them
inside their factories, so registering them costs nothing.
"""

from modelcollapse.experiment.builtins import classical, code, drift, images, language

DEFAULT_METRICS: dict[str, list[str]] = {**classical.DEFAULT_METRICS,
                                         **code.DEFAULT_METRICS,
                                         **language.DEFAULT_METRICS,
                                         **images.DEFAULT_METRICS,
                                         **drift.DEFAULT_METRICS}
"""Metrics measured when an experiment names none, by model."""
