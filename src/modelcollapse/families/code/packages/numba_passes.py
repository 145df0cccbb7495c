"""The numba-compiled loops behind :mod:`.compiled` (imported only when numba is installed).

Module-level functions, so numba's on-disk cache (``cache=True``, beside this
file or in the user's cache directory) serves every later process: the first
use on a machine compiles for a couple of seconds, later ones load in a few
milliseconds. See :mod:`.compiled` for what they compute and why they match
the numpy passes.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_TOP = 10
"""The share is of the ten most written invented names."""


@njit(inline="always")
def clip(x, low, high):
    """``min(max(x, low), high)`` for int64 values, without a branch.

    A sign mask replaces the comparison: about half the slips clip at ``low``,
    at random, and a mispredicted branch costs more than the arithmetic.
    """
    d = x - low
    x -= d & (d >> 63)
    d = x - high
    return high + (d & (d >> 63))


@njit(cache=True, nogil=True)
def write(items, pick, slips, u, alive, slip_base, slip_choices, spread, habit, out):
    """Fill ``out`` (R, n) with the writes; see :func:`.compiled.write`.

    The tables are :class:`~.sparse.PackageOrder`'s; a slip computes what
    :meth:`~.sparse.PackageOrder.slip` computes, in the same order.
    """
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
    """Add ``units`` units of ``value`` to ``top``, the ten largest so far, largest first.

    ``top`` starts at zeros (every unit is >= 0); a value tied with the tenth
    changes no value kept, so the kept values do not depend on arrival order.
    """
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
    """Fill ``out`` (R, 6) with :data:`.compiled.MEASURED`; see :func:`.compiled.measure`.

    Names are counted in the order they were drawn (no sort), then their
    packages. The loops hold few branches that depend on the data: they store
    every candidate and advance by a comparison, and add 0/1 flags, because a
    mispredicted branch costs more than the arithmetic. Every figure is an
    integer sum, or the ten largest units added largest first, so the values
    are those the numpy passes read off sorted runs. Returns a number of no
    meaning: the sum of the cache-warming reads, so that they are kept.
    """
    R, m = items.shape
    copies = np.zeros(len(package), dtype=np.int32)   # per name, zeroed after each row
    by_package = np.zeros(len(n_mistakes), dtype=np.int64)
    trained = np.zeros(len(n_mistakes), dtype=np.int64)  # its mistakes trained on
    habit_held = np.zeros(len(n_mistakes), dtype=np.int64)
    names = np.empty(m + 1, dtype=np.int64)
    held_names = np.empty(m + 1, dtype=np.int64)         # the invented ones
    packages = np.empty(m + 1, dtype=np.int64)
    # Candidates for the top ten: each invented name, and two per package (its untrained
    # habitual mistake, its other untrained ones); a store past the count is harmless.
    unit_value = np.empty(3 * m + 2)
    unit_count = np.empty(3 * m + 2, dtype=np.int64)
    top = np.zeros(_TOP)
    warm = 0
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
        if track_age:   # read the row in order once, so the lookups below hit the cache
            for v in range(0, first_seen.shape[1], 64 // first_seen.itemsize):
                warm += first_seen[r, v]
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
    return warm


@njit(cache=True, nogil=True)
def draw(u, support, keep, alias, out):
    """Fill ``out`` with the alias table's name for each uniform in ``u`` (the numpy draw's)."""
    K = len(support)
    R, n = u.shape
    for r in range(R):
        for j in range(n):
            x = u[r, j] * K
            slot = clip(np.int64(x), 0, K - 1)     # should x round up to K
            # 1 when x - slot < keep[slot], else 0: keep is in [0, 1] and x - slot in [0, 1)
            # (1 when x rounds up to K), so the ceiling of their difference, floored at 0,
            # is that flag. A comparison compiles to a branch here, mispredicted on half
            # the draws.
            own = clip(np.int64(np.ceil(keep[slot] - (x - slot))), 0, 1)
            out[r, j] = alias[slot] + own * (support[slot] - alias[slot])
