"""Theory lines for the runs that have one, as tidy rows for overlays."""

from __future__ import annotations

import numpy as np
import pandas as pd

from modelcollapse.experiment.sweep import build_chain
from modelcollapse.models import PolynomialRegression
from modelcollapse.models.categorical import CategoricalModel
from modelcollapse.models.density import GaussianModel
from modelcollapse.models.linear import LinearRegression
from modelcollapse.policies import Accumulate, Replace
from modelcollapse.theory import (
    categorical_theory,
    gaussian_variance_theory,
    linear_regression_theory,
    polynomial_chain_theory,
)
from modelcollapse.worlds import RegressionWorld
from modelcollapse.worlds.discrete import CategoricalWorld
from modelcollapse.worlds.gaussian import GaussianWorld
from modelcollapse.worlds.linear import LinearWorld

__all__ = ["theory_overlay"]


def _polynomial_replace(chain, generations: int) -> pd.DataFrame | None:
    if not (type(chain.world) is RegressionWorld and type(chain.model) is PolynomialRegression
            and isinstance(chain.policy, Replace)
            and chain.n_samples > chain.model.degree + 2):
        return None
    prediction = polynomial_chain_theory(chain.world, chain.model.degree, chain.n_samples,
                                         chain.model_noise, n_designs=100_000)
    return prediction.frame(generations)


def _gaussian_replace(chain, generations: int) -> pd.DataFrame | None:
    world, model = chain.world, chain.model
    if not (type(world) is GaussianWorld and type(model) is GaussianModel
            and isinstance(chain.policy, Replace) and chain.n_samples > 1 + model.ddof):
        return None
    variance = world.cov[0, 0]
    if not np.allclose(world.cov, variance * np.eye(world.dim)):
        return None  # the closed form here is for an isotropic truth
    return gaussian_variance_theory(chain.n_samples, variance, generations,
                                    estimator=model.estimator, dim=world.dim,
                                    radius=model.radius(world.dim))


def _linear(chain, generations: int) -> pd.DataFrame | None:
    world, model, policy = chain.world, chain.model, chain.policy
    if not (type(world) is LinearWorld and type(model) is LinearRegression and model.ridge == 0
            and chain.n_samples > world.dim + 1):
        return None
    if isinstance(policy, Replace):
        return linear_regression_theory(world.dim, chain.n_samples, chain.model_noise,
                                        generations)
    if isinstance(policy, Accumulate) and world.fixed_design:
        return linear_regression_theory(world.dim, chain.n_samples, chain.model_noise,
                                        generations, accumulate=True)
    return None


def _categorical_replace(chain, generations: int) -> pd.DataFrame | None:
    world, model = chain.world, chain.model
    if not (type(world) is CategoricalWorld and type(model) is CategoricalModel
            and isinstance(chain.policy, Replace) and model.temperature == 1.0
            and model.top_k is None and model.top_p is None):
        return None
    return categorical_theory(world.probabilities, chain.n_samples, generations)


# metric name -> functions that return theory rows for a chain, or None when they don't apply
_THEORIES = {"mse_to_truth": (_polynomial_replace,), "variance": (_gaussian_replace,),
             "log_variance": (_gaussian_replace,), "excess_risk": (_linear,),
             "gini_simpson": (_categorical_replace,), "rare_mass": (_categorical_replace,),
             "support_size": (_categorical_replace,)}


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
