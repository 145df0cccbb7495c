"""The categorical chain's closed form: diversity and rare mass of a resampled law."""

from __future__ import annotations

import numpy as np
import pandas as pd

from modelcollapse.core.drift import drifts
from modelcollapse.families.categorical.model import CategoricalModel
from modelcollapse.families.categorical.world import CategoricalWorld
from modelcollapse.policies.training_sets import Replace

__all__ = ["categorical_theory", "chain_replace_theory"]



def categorical_theory(probabilities: np.ndarray, n_samples: int,
                       n_generations: int) -> pd.DataFrame:
    """Expected diversity of a categorical law refitted by counting (replace, no decoding bias).

    Refitting by counting M draws is Wright–Fisher resampling. Each
    probability is a martingale, so the expected model mass of any fixed set
    of categories (the rare set included) stays at its true value while most
    replicates lose it; and E[p_v²] grows by p_v(1 − p_v)/M a generation, so the
    Gini–Simpson index decays exactly as

        E[1 − Σ p²]_g = (1 − Σ q²)·(1 − 1/M)^g.

    After the first generation a category of probability q is missing with
    probability (1 − q)^M (docs/foundations.md §2, "Discrete laws and their
    tails"), so E[support₁] = Σ_v (1 − (1 − q_v)^M); once lost, a category
    never returns.

    Parameters
    ----------
    probabilities : ndarray of shape (V,)
        The true law q.
    n_samples : int
        M, draws per generation.
    n_generations : int

    Returns
    -------
    pandas.DataFrame
        Rows ``generation, metric, value, theory`` for ``gini_simpson`` and
        ``rare_mass`` (every generation) and ``support_size`` (generation 1).
    """
    from modelcollapse.families.categorical.metrics import rare_set

    q = np.asarray(probabilities, dtype=float)
    generation = np.arange(1, n_generations + 1)
    gini = (1 - np.sum(q**2)) * (1 - 1 / n_samples) ** generation
    rare = np.full(n_generations, q[rare_set(q)].sum())
    support = np.sum(1 - (1 - q) ** n_samples)
    return pd.concat([
        pd.DataFrame({"generation": generation, "metric": "gini_simpson", "value": gini}),
        pd.DataFrame({"generation": generation, "metric": "rare_mass", "value": rare}),
        pd.DataFrame({"generation": [1], "metric": ["support_size"], "value": [support]}),
    ], ignore_index=True).assign(theory="exact")


def chain_replace_theory(chain, generations: int) -> pd.DataFrame | str | None:
    """The categorical closed forms for a chain under replace with plain sampling."""
    world, model = chain.world, chain.model
    if not (type(world) is CategoricalWorld and type(model) is CategoricalModel
            and isinstance(chain.policy, Replace) and not chain.filters
            and model.temperature == 1.0 and model.top_k is None and model.top_p is None):
        return None
    if drifts(world):
        return ("no theory line: the categorical closed forms assume a world that does "
                "not drift")
    return categorical_theory(world.probabilities, chain.n_samples, generations)
