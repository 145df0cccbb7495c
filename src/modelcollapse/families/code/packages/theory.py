"""The invented-name rate in closed form, for chains without defences.

With no defence, the training set's invented share is unbiased for the
writing model's, every slip writes an invented name (when every package has
at least one mistake), and a copy of an invented name is invented. So the
expected rate r_g at which model g writes invented names obeys

    r_g = h + (1 − h)·s_g,

where s_g is the expected invented share of generation g's training set:
0 at generation 1, then

- replace:            s_g = r_{g−1}, so r_g = 1 − (1 − h)^g;
- accumulate:         s_g = (r_1 + … + r_{g−1}) / g (N real items kept, N new a generation);
- fresh-real or keep-original with real share λ: s_g = (1 − λ)·r_{g−1};
- web-scrape with model-written share σ_g: s_g = σ_g·(r_1 + … + r_{g−1})/(g − 1), the
  scrape drawing uniformly from everything earlier models published.

Expectations are exact (the recursion is linear), so the mean over replicates
of the measured rate must match within its standard error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from modelcollapse.families.code.packages.model import PackageWriter
from modelcollapse.families.code.packages.world import PackageNameWorld
from modelcollapse.policies.training_sets import (
    Accumulate,
    AccumulateSubsample,
    FreshReal,
    KeepOriginal,
    Replace,
    WebScrape,
)

__all__ = ["chain_invented_rate_theory", "invented_rate_theory"]


def invented_rate_theory(hallucination_rate: float, policy, n_samples: int,
                         n_generations: int) -> pd.DataFrame | str:
    """Expected ``invented_name_rate`` (= ``model_invented_rate`` without defences).

    Parameters
    ----------
    hallucination_rate : float
        h.
    policy : Policy
        One of replace, accumulate, accumulate-subsample, fresh-real,
        keep-original, web-scrape.
    n_samples : int
        N, writes per generation (sets λ and σ_g as the policy rounds them).
    n_generations : int

    Returns
    -------
    pandas.DataFrame or str
        Rows ``generation, metric, value, theory`` for both rates, or a sentence
        saying why there is no closed form for ``policy``.
    """
    h = hallucination_rate
    rates: list[float] = []
    for g in range(1, n_generations + 1):
        if g == 1:
            share = 0.0
        elif isinstance(policy, Replace):
            share = rates[-1]
        elif isinstance(policy, Accumulate | AccumulateSubsample):
            share = sum(rates) / g
        elif isinstance(policy, FreshReal | KeepOriginal):
            share = (1 - policy.n_real_items(n_samples, g) / n_samples) * rates[-1]
        elif isinstance(policy, WebScrape):
            share = (1 - policy.n_real_items(n_samples, g) / n_samples) * np.mean(rates)
        else:
            return f"no theory line: no closed form for the {policy.label} policy"
        rates.append(h + (1 - h) * share)
    generation = np.arange(1, n_generations + 1)
    return pd.concat([pd.DataFrame({"generation": generation, "metric": name, "value": rates})
                      for name in ("invented_name_rate", "model_invented_rate")],
                     ignore_index=True).assign(theory="exact")


def chain_invented_rate_theory(chain, generations: int) -> pd.DataFrame | str | None:
    """The invented-name closed form for a package-name chain without defences."""
    if not (type(chain.world) is PackageNameWorld and type(chain.model) is PackageWriter):
        return None
    if chain.filters:
        return "no theory line: the invented-name closed form is for chains without defences"
    universe = chain.world.universe
    if (universe.mistake_stop - universe.mistake_start).min() == 0:
        return "no theory line: some package has no mistake to make, so slips are not all invented"
    return invented_rate_theory(chain.model.hallucination_rate, chain.policy, chain.n_samples,
                                generations)
