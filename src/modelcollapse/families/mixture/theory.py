"""Selection bias on a Gaussian mixture: minority mass and spread under a biased scorer."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["selection_bias_theory"]



def selection_bias_theory(world, strength: float, preferred: float,
                          n_generations: int) -> pd.DataFrame:
    """Minority mass and dispersion of a mixture refitted on what a biased scorer keeps.

    Selection bias as a cause of collapse (docs/science.md §7: filtering with a
    biased scorer erodes the minority modes of a mixture). Derived here, in the
    limit of many samples a generation, for a 1-D Gaussian mixture refitted by
    maximum likelihood under replace with as many components as the world has
    modes, with the filter of :class:`modelcollapse.filters.SelectionBias`
    (keep x with probability exp(−β(x − c)²/2)) acting from generation 2 on.
    Multiplying the mode w·N(m, s²) by that Gaussian gives w'·N(m', s'²) with

        s'² = s²/(1 + βs²),   m' = (m + βs²c)/(1 + βs²),
        w' ∝ w·(s'/s)·exp(−β(m − c)²/(2(1 + βs²))),

    so each refit moves every mode towards c, narrows it, and moves weight from
    far modes to near ones. The figures are those of
    :func:`modelcollapse.families.mixture.metrics.mixture_figures`: the mass in the
    world's minority region and the standard deviation over the world's.
    Finite samples add noise of order 1/√(kept items) around these lines.

    Parameters
    ----------
    world : MixtureWorld
    strength : float
        β.
    preferred : float
        c.
    n_generations : int

    Returns
    -------
    pandas.DataFrame
        Rows ``generation, metric, value, theory`` for ``minority_weight`` and
        ``dispersion_ratio``.
    """
    from modelcollapse.families.mixture.metrics import mixture_figures

    w, m, s2 = (np.asarray(a, float) for a in (world.weights, world.means, world.sd))
    s2 = s2**2
    rows = []
    for g in range(1, n_generations + 1):
        if g > 1:
            shrink = 1 + strength * s2
            mass = w * np.sqrt(1 / shrink) * np.exp(-strength * (m - preferred) ** 2
                                                    / (2 * shrink))
            w, m, s2 = mass / mass.sum(), (m + strength * s2 * preferred) / shrink, s2 / shrink
        rows += [(g, name, value) for name, value in mixture_figures(w, m, s2, world).items()]
    return pd.DataFrame(rows, columns=["generation", "metric", "value"]).assign(theory="exact")
