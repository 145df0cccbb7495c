"""The plain package-name kernel's hot passes, compiled with numba when it is installed.

:class:`~.sparse.PlainPackageFamily` spends most of a generation in two
places: copying training names into the writes (with the slips), and reading
every metric off the training sets. In numpy each is a dozen passes over
10⁵–10⁶ numbers (and a sort); compiled, each is one loop over a replicate's
names (:mod:`.numba_passes`), about twice as fast overall; the world's draws
(an alias table: generation 1, and fresh real names where a policy asks) are
compiled too. The random numbers
are still drawn by numpy, in the same calls and order, and every value is
computed with the same arithmetic as in the numpy passes of :mod:`.sparse`
(every figure is an integer sum, or the ten largest units added largest
first), so a seed gives the same results, bit for bit, with or without numba
(``pip install 'modelcollapse[fast]'``); the tests run both and compare them.

:func:`available` says whether numba is installed; only then is
:mod:`.numba_passes` imported (:func:`modelcollapse.core.compiled.load`), so
numba stays an optional extra.
"""

from __future__ import annotations

import numpy as np

from modelcollapse.core.compiled import load

__all__ = ["MEASURED", "available", "draw", "measure", "write"]

MEASURED = ("invented_name_rate", "invented_names_known", "squattable_names",
            "invented_top10_share", "invented_name_age", "real_packages_known")
"""Columns of :func:`measure`'s output, in order."""

_PASSES = "modelcollapse.families.code.packages.numba_passes"


def available() -> bool:
    """Whether the compiled passes can run here (see :func:`modelcollapse.core.compiled.load`)."""
    return load(_PASSES) is not None


def _passes():
    """The compiled loops (``available()`` must be true)."""
    passes = load(_PASSES)
    return passes.write, passes.measure, passes.draw


def write(order, items: np.ndarray, alive: np.ndarray, pick: np.ndarray, slips: np.ndarray,
          u: np.ndarray) -> np.ndarray:
    """The writes: training names at ``pick``, the first ``slips`` of each row slipped.

    Parameters
    ----------
    order : PackageOrder
    items : ndarray of shape (R, m)
        Training names (internal).
    alive : ndarray of bool of shape (R,)
    pick : ndarray of int of shape (R, n)
        The training item each write copies.
    slips : ndarray of int of shape (R,)
        How many writes of each replicate slip (the first ones).
    u : ndarray of shape (slips.sum(),)
        One uniform per slip, replicate-major.

    Returns
    -------
    ndarray of shape (R, n), ``items``' dtype; ``-1`` for forgotten replicates.
    """
    out = np.empty(pick.shape, dtype=items.dtype)
    _passes()[0](items, pick, slips.astype(np.int64), u, alive, order.slip_base,
                 order.slip_choices, order.spread, order.habit, out)
    return out


def measure(order, items: np.ndarray, first_seen: np.ndarray | None,
            generation: int) -> np.ndarray:
    """The :data:`MEASURED` metrics of training sets (R, m), shape (R, 6), NaN when forgotten.

    ``first_seen`` (R, V) is updated in place as in :func:`.sparse.plain_metrics`;
    None skips the names' age (NaN).
    """
    out = np.empty((len(items), len(MEASURED)))
    track_age = first_seen is not None
    _passes()[1](items, order.h, order.invented, order.package, order.squattable,
                 order.habitual, order.kappa, order.n_mistakes, order.kappa_habitual,
                 order.kappa_other, track_age,
                 first_seen if track_age else np.zeros((1, 1), dtype=np.uint8), generation, out)
    if not track_age:
        out[:, 4] = np.nan
    return out


def draw(table: tuple[np.ndarray, np.ndarray, np.ndarray], u: np.ndarray,
         dtype) -> np.ndarray:
    """Names drawn from an alias table (:func:`.sparse.alias_table`), one per uniform in ``u``.

    Returns
    -------
    ndarray of ``u``'s shape and type ``dtype``: what ``PlainPackageFamily.real`` draws
    in numpy from the same uniforms.
    """
    out = np.empty(u.shape, dtype=dtype)
    _passes()[2](u, *table, out)
    return out
