"""Which closed form predicts a built chain's metrics: theory rows for overlays.

The families register their theories by metric
(:data:`modelcollapse.core.registry.theories`). Each returns rows when its
closed form holds for a chain, a sentence saying why it is left out when the
family has a closed form but this configuration has none (drift, a policy
without one), or ``None`` when it does not concern the chain at all. A run
computes them when it starts and stores them with its view data
(:mod:`modelcollapse.experiment.views`), so figures and reports draw them
without rebuilding any chain.
"""

from __future__ import annotations

import pandas as pd

from modelcollapse.core import registry

__all__ = ["chain_theory"]


def chain_theory(chain, metric: str, generations: int) -> pd.DataFrame | str | None:
    """The theory of ``metric`` for ``chain``: rows, a note saying why there is none, or None.

    Parameters
    ----------
    chain : Chain
    metric : str
        A metric name, e.g. ``"excess_risk"``.
    generations : int
        Generations the rows cover.

    Returns
    -------
    pandas.DataFrame, str or None
        Rows ``generation, metric, value, theory`` of ``metric``; a sentence when
        the family has a closed form but not in this configuration; ``None`` when
        no theory concerns the chain.
    """
    for theory in registry.theories.of(metric):
        result = theory(chain, generations)
        if isinstance(result, pd.DataFrame):
            return result[result["metric"] == metric]
        if result is not None:
            return result
    return None
