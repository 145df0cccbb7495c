"""Theory lines for the runs that have one, as tidy rows for overlays."""

from __future__ import annotations

import pandas as pd

from modelcollapse.experiment.sweep import build_chain
from modelcollapse.models import PolynomialRegression
from modelcollapse.policies import Replace
from modelcollapse.theory import polynomial_chain_theory
from modelcollapse.worlds import RegressionWorld

__all__ = ["theory_overlay"]


def _polynomial_replace(chain, generations: int) -> pd.DataFrame | None:
    if not (type(chain.world) is RegressionWorld and type(chain.model) is PolynomialRegression
            and isinstance(chain.policy, Replace)
            and chain.n_samples > chain.model.degree + 2):
        return None
    prediction = polynomial_chain_theory(chain.world, chain.model.degree, chain.n_samples,
                                         chain.model_noise, n_designs=100_000)
    return prediction.frame(generations)


# metric name -> functions that return theory rows for a chain, or None when they don't apply
_THEORIES = {"mse_to_truth": (_polynomial_replace,)}


def theory_overlay(view, metric: str) -> pd.DataFrame:
    """Theory rows ``point, generation, value, theory`` for every point of ``view`` that has one."""
    frames = []
    for index in view.points:
        experiment = view.point_experiment(index)
        chain = build_chain(experiment)
        for theory in _THEORIES.get(metric, ()):
            rows = theory(chain, experiment.generations)
            if rows is not None:
                frames.append(rows[rows["metric"] == metric].assign(point=index))
    if not frames:
        return pd.DataFrame(columns=["point", "generation", "value", "theory"])
    return pd.concat(frames, ignore_index=True)
