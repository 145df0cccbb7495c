"""The components modelcollapse ships, registered under the names experiment files use.

One module per group of families; each registers its worlds, models and
metrics on import, each model with the metrics measured when an experiment
lists none and the settings of its smallest run. Families that need heavy
libraries (PyTorch, transformers) are lazy entries, imported when an
experiment first names them, so registering them costs nothing.
"""

from modelcollapse.experiment.builtins import classical, code, drift, images, language

__all__ = ["classical", "code", "drift", "images", "language"]
