"""What every drifting world shares: the drift check and the world of a generation.

A world with a ``drift`` rate above zero changes a little every generation;
``world.at(g)`` is the world of generation g (generation 1 is the world as
built) and every real item, fresh input and metric of generation g uses it.
A world without drift is its own world at every generation.
"""

from __future__ import annotations

import numpy as np

__all__ = ["check_drift", "drifts", "world_at"]


def check_drift(drift: float, unit: str) -> None:
    """Raise a ValueError naming the fix unless ``drift`` is a finite number >= 0.

    Parameters
    ----------
    drift : float
        The rate to check.
    unit : str
        What one unit of drift moves, for the message (e.g. "domain units").
    """
    if isinstance(drift, bool) or not isinstance(drift, int | float | np.integer | np.floating) \
            or not np.isfinite(drift) or drift < 0:
        raise ValueError(f"drift must be a finite number >= 0 ({unit} per generation; 0 keeps "
                         f"the world still), got {drift!r}")


def drifts(world) -> bool:
    """Whether ``world`` changes from one generation to the next."""
    return bool(getattr(world, "drift", 0))


def world_at(world, generation: int):
    """The world of ``generation``: ``world.at(generation)`` where it drifts, else ``world``."""
    return world.at(generation) if drifts(world) else world
