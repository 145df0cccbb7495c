"""Which closed form predicts a built chain's metrics: theory rows for overlays.

Each theory below returns rows when its closed form holds for a chain, a
sentence saying why it is left out when the family has a closed form but this
configuration has none (drift, a policy without one), or ``None`` when it
does not concern the chain at all. A run computes them when it starts and
stores them with its view data (:mod:`modelcollapse.experiment.views`), so
figures and reports draw them without rebuilding any chain.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from modelcollapse.code.packages.model import PackageWriter
from modelcollapse.code.packages.theory import invented_rate_theory
from modelcollapse.code.packages.world import PackageNameWorld
from modelcollapse.filters import SelfCorrection
from modelcollapse.metrics.downstream import DownstreamRisk
from modelcollapse.models import PolynomialRegression
from modelcollapse.models.categorical import CategoricalModel
from modelcollapse.models.density import GaussianModel
from modelcollapse.models.exponential import ExponentialFamilyModel
from modelcollapse.models.linear import LinearRegression
from modelcollapse.policies import Accumulate, FreshReal, Replace
from modelcollapse.staleness import Frozen
from modelcollapse.theory import (
    categorical_theory,
    exponential_family_theory,
    fresh_design_theory,
    gaussian_variance_theory,
    linear_drift_theory,
    linear_regression_theory,
    mix_weight_theory,
    polynomial_chain_theory,
    self_correction_theory,
)
from modelcollapse.worlds import RegressionWorld
from modelcollapse.worlds.discrete import CategoricalWorld
from modelcollapse.worlds.drifting import drifts
from modelcollapse.worlds.exponential import ExponentialFamilyWorld
from modelcollapse.worlds.gaussian import GaussianWorld
from modelcollapse.worlds.linear import LinearWorld

__all__ = ["chain_theory"]

Theory = pd.DataFrame | str | None


def _polynomial_replace(chain, generations: int) -> Theory:
    if not (type(chain.world) is RegressionWorld and type(chain.model) is PolynomialRegression
            and isinstance(chain.policy, Replace) and not chain.filters
            and chain.n_samples > chain.model.degree + 2):
        return None
    if drifts(chain.world):
        return ("no theory line: the polynomial chain's closed form assumes a world that "
                "does not drift")
    prediction = polynomial_chain_theory(chain.world, chain.model.degree, chain.n_samples,
                                         chain.world.noise, model_noise=chain.model_noise,
                                         n_designs=100_000)
    return prediction.frame(generations)


def _gaussian_replace(chain, generations: int) -> Theory:
    world, model = chain.world, chain.model
    if not (type(world) is GaussianWorld and type(model) is GaussianModel
            and isinstance(chain.policy, Replace) and not chain.filters
            and chain.n_samples > 1 + model.ddof):
        return None
    # A drifting world moves only its mean, which the fitted variance never sees under replace.
    variance = world.cov[0, 0]
    if not np.allclose(world.cov, variance * np.eye(world.dim)):
        return "no theory line: the Gaussian closed form is for an isotropic truth"
    return gaussian_variance_theory(chain.n_samples, variance, generations,
                                    estimator=model.estimator, dim=world.dim,
                                    radius=model.radius(world.dim))


def _linear(chain, generations: int) -> Theory:
    world, model, policy = chain.world, chain.model, chain.policy
    if not (type(world) is LinearWorld and type(model) is LinearRegression):
        return None
    if model.ridge or chain.filters or chain.n_samples <= world.dim + 1:
        return ("no theory line: the linear closed forms are for least squares without "
                "filters on more than d + 1 samples")
    if isinstance(policy, Frozen):
        return linear_drift_theory(world.dim, chain.n_samples, world.noise, world.drift,
                                   generations)
    accumulate = isinstance(policy, Accumulate)
    if not (isinstance(policy, Replace) or (accumulate and world.fixed_design)):
        return (f"no theory line: no closed form for the {policy.label} policy "
                f"with a {world.design} design")
    return linear_regression_theory(world.dim, chain.n_samples, chain.model_noise, generations,
                                    accumulate=accumulate, world_noise=world.noise,
                                    drift=world.drift)


def _downstream(chain, generations: int) -> Theory:
    world, model = chain.world, chain.model
    downstream = next((m for m in chain.metrics if isinstance(m, DownstreamRisk)), None)
    if not (type(world) is LinearWorld and type(model) is LinearRegression
            and downstream is not None):
        return None
    if not (isinstance(chain.policy, Replace) and not chain.filters and not drifts(world)
            and not model.ridge and not downstream.ridge and downstream.synthetic_share == 1
            and chain.model_noise == world.noise
            and downstream.n_samples > world.dim + 1
            and (chain.n_samples > world.dim + 1
                 or (model.min_norm and chain.n_samples < world.dim - 1))):
        return ("no theory line: Theorem 4.1's closed form is for replace without drift, "
                "filters or ridge, generators writing with the world's noise, and a "
                "downstream model on generated labels only")
    noise = world.noise if downstream.noise is None else downstream.noise
    return fresh_design_theory(world.dim, chain.n_samples, world.noise, downstream.n_samples,
                               noise, generations,
                               weight_norm2=float(np.sum(world.weights**2)))


def _exponential(chain, generations: int) -> Theory:
    world, model, policy = chain.world, chain.model, chain.policy
    if not (type(world) is ExponentialFamilyWorld and type(model) is ExponentialFamilyModel):
        return None
    n_real = policy.n_real_items(chain.n_samples) if type(policy) is FreshReal else 0
    if type(policy) is FreshReal and 0 < n_real < chain.n_samples and not chain.filters:
        # Pooling k real with m synthetic items is the weighted mix with w = k/N.
        weight = n_real / chain.n_samples if model.real_weight is None else model.real_weight
        return mix_weight_theory(world.family, world.theta, n_real, chain.n_samples - n_real,
                                 weight, generations)
    if chain.filters or not (type(policy) is Replace or (
            type(policy) is Accumulate and model.real_weight is None)):
        return ("no theory line: the closed forms are for replace, accumulate (unweighted) "
                f"and fresh real data, not {policy.label}")
    return exponential_family_theory(world.family, world.theta, chain.n_samples, generations,
                                     accumulate=isinstance(policy, Accumulate))


def _self_corrected(chain, generations: int) -> Theory:
    world, model = chain.world, chain.model
    if not (type(world) is GaussianWorld and type(model) is GaussianModel
            and any(isinstance(f, SelfCorrection) for f in chain.filters)):
        return None
    if not (len(chain.filters) == 1 and isinstance(chain.policy, Replace) and world.dim == 1
            and model.estimator == "mle" and model.radius(1) is None
            and not drifts(world)):
        return ("no theory line: the self-correction closed form is for a 1-D Gaussian "
                "refitted by maximum likelihood under replace, with that filter alone")
    return self_correction_theory(chain.n_samples, float(world.cov[0, 0]),
                                  chain.filters[0].strength, generations)


def _categorical_replace(chain, generations: int) -> Theory:
    world, model = chain.world, chain.model
    if not (type(world) is CategoricalWorld and type(model) is CategoricalModel
            and isinstance(chain.policy, Replace) and not chain.filters
            and model.temperature == 1.0 and model.top_k is None and model.top_p is None):
        return None
    if drifts(world):
        return ("no theory line: the categorical closed forms assume a world that does "
                "not drift")
    return categorical_theory(world.probabilities, chain.n_samples, generations)


def _package_names(chain, generations: int) -> Theory:
    if not (type(chain.world) is PackageNameWorld and type(chain.model) is PackageWriter):
        return None
    if chain.filters:
        return "no theory line: the invented-name closed form is for chains without defences"
    universe = chain.world.universe
    if (universe.mistake_stop - universe.mistake_start).min() == 0:
        return "no theory line: some package has no mistake to make, so slips are not all invented"
    return invented_rate_theory(chain.model.hallucination_rate, chain.policy, chain.n_samples,
                                generations)


# metric name -> functions that return theory rows for a chain, or None when they don't apply
_THEORIES = {"mse_to_truth": (_polynomial_replace,),
             "variance": (_gaussian_replace, _self_corrected),
             "log_variance": (_gaussian_replace,), "excess_risk": (_linear,),
             "downstream_excess_risk": (_downstream,), "parameter_risk": (_exponential,),
             "gini_simpson": (_categorical_replace,), "rare_mass": (_categorical_replace,),
             "support_size": (_categorical_replace,),
             "invented_name_rate": (_package_names,), "model_invented_rate": (_package_names,)}


def chain_theory(chain, metric: str, generations: int) -> Theory:
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
    for theory in _THEORIES.get(metric, ()):
        result = theory(chain, generations)
        if isinstance(result, pd.DataFrame):
            return result[result["metric"] == metric]
        if result is not None:
            return result
    return None
