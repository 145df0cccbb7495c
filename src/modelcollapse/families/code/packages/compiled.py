"""The plain package-name kernel's two hot passes, compiled with numba when it is installed.

:class:`~.sparse.PlainPackageFamily` spends most of a generation in two
places: copying training names into the writes (with the slips), and reading
every metric off the sorted training sets. In numpy each is a dozen passes
over 10⁵–10⁶ numbers; here each is one loop over a replicate's names. The
random numbers are still drawn by numpy, in the same calls and order, and
every value is computed with the same arithmetic in the same order as the
numpy passes of :mod:`.sparse` (the ten largest units are summed largest
first in both), so a seed gives the same results, bit for bit, with or
without numba (``pip install 'modelcollapse[fast]'``); the tests run both.

:func:`available` says whether numba imports; nothing here is imported by the
package otherwise, so numba stays an optional extra.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["MEASURED", "available", "draw", "measure", "write"]

MEASURED = ("invented_name_rate", "invented_names_known", "squattable_names",
            "invented_top10_share", "invented_name_age", "real_packages_known")
"""Columns of :func:`measure`'s output, in order."""

_TOP = 10


@functools.cache
def available() -> bool:
    """Whether numba imports here (then the kernel uses the compiled passes)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


@functools.cache
def _passes():
    """Compile (or load from numba's cache) the two passes; numba must be importable."""
    from numba import njit

    @njit(inline="always")
    def clip(x, low, high):
        # min(max(x, low), high) without a branch: a sign mask instead of a comparison
        # (about half the slips clip at low, at random, so a branch mispredicts often).
        d = x - low
        x -= d & (d >> 63)
        d = x - high
        return high + (d & (d >> 63))

    @njit(cache=True, nogil=True)
    def write(items, pick, slips, u, alive, slip_base, slip_choices, spread, habit, out):
        R, n = pick.shape
        k = 0                                   # next slip uniform, replicate-major
        for r in range(R):
            if not alive[r]:
                out[r, :] = -1
                k += slips[r]                   # numpy draws dead replicates' slips too
                continue
            row = items[r]
            for j in range(slips[r]):               # the writes that slip come first
                name = np.int64(row[pick[r, j]])
                y = (u[k + j] - habit) * spread[name]
                out[r, j] = slip_base[name] + clip(np.int64(np.floor(y)) + 2, 1,
                                                   slip_choices[name])
            k += slips[r]
            for j in range(slips[r], n):
                out[r, j] = row[pick[r, j]]

    @njit(inline="always")
    def keep_top(top, value, units):
        # top: the ten largest units so far, largest first, zero where there are fewer
        # (every unit is >= 0); a value tied with the tenth changes nothing kept.
        for _ in range(clip(units, 0, _TOP)):
            if value <= top[_TOP - 1]:
                return
            i = _TOP - 1
            while i > 0 and top[i - 1] < value:
                top[i] = top[i - 1]
                i -= 1
            top[i] = value

    @njit(cache=True, nogil=True)
    def measure(items, h, invented, package, squattable, habitual, kappa, n_mistakes,
                kappa_habitual, kappa_other, track_age, first_seen, generation, out):
        # Names are counted in the order they were drawn (no sort), then their packages.
        # The loops hold no branch that depends on the data: they store every candidate
        # and advance by a comparison, and add 0/1 flags, because a mispredicted branch
        # costs more than the arithmetic. Every figure is an integer sum or the ten
        # largest units added largest first: the values the numpy passes read off runs.
        R, m = items.shape
        V = len(package)
        copies = np.zeros(V, dtype=np.int32)                # per name, zeroed after each row
        by_package = np.zeros(len(n_mistakes), dtype=np.int64)
        trained = np.zeros(len(n_mistakes), dtype=np.int64)  # its mistakes trained on
        habit_held = np.zeros(len(n_mistakes), dtype=np.int64)
        names = np.empty(m + 1, dtype=np.int64)
        held_names = np.empty(m + 1, dtype=np.int64)   # the invented ones
        packages = np.empty(m + 1, dtype=np.int64)
        unit_value = np.empty(2 * m + 2)                     # candidates for the top ten
        unit_count = np.empty(2 * m + 2, dtype=np.int64)
        top = np.zeros(_TOP)
        touched = 0
        for r in range(R):
            row = items[r]
            n_names = 0
            for j in range(m):
                valid = np.int64(row[j] >= 0)          # forgotten rows hold only -1
                name = row[j] * valid
                held = copies[name]
                names[n_names] = name
                n_names += (held == 0) & valid
                copies[name] = held + valid
            if n_names == 0:
                out[r, :] = np.nan
                copies[0] = 0
                continue
            n_packages = known = 0
            for i in range(n_names):                # their packages; the invented names
                name = names[i]
                mine = np.int64(invented[name])
                pkg = package[name]
                held = by_package[pkg]
                packages[n_packages] = pkg
                n_packages += held == 0
                by_package[pkg] = held + copies[name]
                copies[name] *= mine                # a real name's count is done with
                trained[pkg] += mine
                habit_held[pkg] += habitual[name]
                held_names[known] = name
                known += mine
            if track_age:      # read the row in order once, so the lookups below hit cache
                for v in range(0, V, 64):
                    touched += first_seen[r, v]
            invented_items = squattables = years = 0
            for i in range(known):                  # the invented names
                name = held_names[i]
                held = np.int64(copies[name])
                copies[name] = 0
                invented_items += held
                squattables += squattable[name]
                if track_age:
                    since = np.int64(first_seen[r, name])
                    since += (since == 0) * generation
                    first_seen[r, name] = since
                    years += generation + 1 - since
                unit_value[i] = ((1.0 - h) * held
                                 + h * by_package[package[name]] * kappa[name]) / m
                unit_count[i] = 1
            n_units = known
            slipping_items = 0
            for i in range(n_packages):             # each package's untrained mistakes
                pkg = packages[i]
                mistakes = n_mistakes[pkg]
                slipping = np.int64(mistakes > 0)
                slipping_items += slipping * by_package[pkg]
                weight = h * by_package[pkg] / m
                alone = slipping & (habit_held[pkg] == 0)
                unit_value[n_units] = weight * kappa_habitual[pkg]
                unit_count[n_units] = 1
                n_units += alone
                others = mistakes - trained[pkg] - alone
                unit_value[n_units] = weight * kappa_other[pkg]
                unit_count[n_units] = others
                n_units += others > 0
                by_package[pkg] = trained[pkg] = habit_held[pkg] = 0
            top[:] = 0.0
            for i in range(n_units):
                keep_top(top, unit_value[i], unit_count[i])
            mass = ((1.0 - h) * invented_items + h * slipping_items) / m
            share = 0.0
            for i in range(_TOP):
                share += top[i]
            out[r, 0] = mass
            out[r, 1] = known
            out[r, 2] = squattables
            out[r, 3] = share / mass if mass > 0 else np.nan
            out[r, 4] = years / known if known > 0 else np.nan
            out[r, 5] = n_names - known
        return touched

    @njit(cache=True, nogil=True)
    def draw(u, support, keep, alias, out):
        K = len(support)
        R, n = u.shape
        for r in range(R):
            for j in range(n):
                x = u[r, j] * K
                slot = clip(np.int64(x), 0, K - 1)     # should x round up to K
                out[r, j] = support[slot] if x - slot < keep[slot] else alias[slot]

    return write, measure, draw


def draw(table: tuple[np.ndarray, np.ndarray, np.ndarray], u: np.ndarray,
         dtype) -> np.ndarray:
    """Names drawn from an alias table (:func:`.sparse.alias_table`), one per uniform in ``u``.

    Returns
    -------
    ndarray of ``u``'s shape and type ``dtype``.
    """
    out = np.empty(u.shape, dtype=dtype)
    _passes()[2](u, *table, out)
    return out


def write(order, items: np.ndarray, alive: np.ndarray, pick: np.ndarray, slips: np.ndarray,
          u: np.ndarray) -> np.ndarray:
    """The writes: training names at ``pick``, the first ``slips`` of each row slipped.

    Parameters
    ----------
    order : PackageOrder
    items : ndarray of shape (R, m)
        Sorted training names (internal).
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
    """The :data:`MEASURED` metrics of sorted training sets, shape (R, 6), NaN when forgotten.

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
