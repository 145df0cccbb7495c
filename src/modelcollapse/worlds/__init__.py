"""Worlds: the sources of real data, which also know the truth."""

from modelcollapse.worlds.functions import RegressionWorld, cosine_world

__all__ = ["RegressionWorld", "cosine_world"]
