"""Plain package-name chains at a cost that follows the names written, not the universe.

A chain with no squatter and no defence publishes exactly what its model
writes, and the write distribution W of :mod:`.writing` is a mixture: copy
one of the m training names at random or, with probability h, slip on its
package and write one of the package's mistakes (the habitual one with
probability ``habit``, the others evenly; a package with no mistake is
written unchanged). So the kernel draws the writes that way — one uniform
training item per write, the number of slips of each replicate binomial
(writes are exchangeable, so which ones slip carries nothing), then each
slip's mistake — and never forms W over the ~9,000 names. Every metric is a
sum over each replicate's distinct training names (a few hundred).

A training set is kept in the order its items were drawn: each write copies
a uniform training item, so the order carries no information. The numpy
passes here sort a copy to read the metrics off runs; the compiled passes
(:mod:`.compiled`, with numba installed) count names without sorting. Both
give the same values, bit for bit.

Names are kept in a **package order** inside the kernel: each real package
followed by its mistakes, habitual first. Sorting a replicate's training
set then groups it by package, so the count b(i) of training names whose
package is i, which the slips follow, is a sum over contiguous runs.

Arrays are ``(R, m)``, replicate-major; the engine sees their ``(m, R)``
transposes as items.

Results: the same law as :class:`~.kernel.PackageFamily` (which these chains
ran on until 2026-12-04) and the per-replicate loop, with other draws. The
values for a given seed changed twice on 2026-12-04: when these chains moved
here, and when training sets stopped being sorted (the writes copy other
items). The metrics of a given training set agree with the dense kernel's to
float rounding (tested, names' age included). About 8x faster than the dense
kernel in numpy, and about 100x the per-replicate loop at 1,000 replicates
with the compiled passes (benchmarks/README.md).
"""

from __future__ import annotations

import functools

import numpy as np

from modelcollapse.core.batched import BatchedFamily
from modelcollapse.families.code.packages import compiled
from modelcollapse.families.code.packages.metrics import top_names
from modelcollapse.families.code.packages.writing import name_counts

__all__ = ["PackageOrder", "Training", "alias_table", "plain_metrics"]

_TOP = 10

_NONE_WITHOUT_SQUATTER = ("squatted_install_rate", "squatted_names", "real_names_rejected")
"""Metrics that are zero by construction with no squatter and no defence."""


def alias_table(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walker's alias table of the law ``p`` over its support (Vose's construction).

    Returns
    -------
    support, keep, alias : ndarrays of shape (K,)
        Slot j writes ``support[j]`` when a uniform lands below ``keep[j]``,
        ``alias[j]`` otherwise; each slot has chance 1/K.
    """
    support = np.flatnonzero(p > 0)
    K = len(support)
    scaled = p[support] / p[support].sum() * K
    keep = np.ones(K)
    alias = support.copy()
    small = [j for j in range(K) if scaled[j] < 1.0]
    large = [j for j in range(K) if scaled[j] >= 1.0]
    while small and large:
        j, k = small.pop(), large.pop()
        keep[j], alias[j] = scaled[j], support[k]
        scaled[k] -= 1.0 - scaled[j]
        (small if scaled[k] < 1.0 else large).append(k)
    return support, keep, alias     # slots left in either list keep their own name


class PackageOrder:
    """The universe renumbered in package order, with the tables the kernel reads.

    Internal name ``j`` is ``universe.names[external[j]]``. Every table is
    indexed by internal name (shape (V,)) or by package (shape (n_real,)).

    Parameters
    ----------
    writer : WritingModel
        Its universe, hallucination rate and (through its slip chances) habit.
    habit : float
        The chance a slip is the package's habitual mistake.
    """

    def __init__(self, writer, habit: float):
        universe = writer.universe
        n_real, V = universe.n_real, len(universe)
        self.V, self.n_real, self.h, self.habit = V, n_real, writer.h, habit
        rank = np.zeros(V, dtype=np.int64)                # real package first, then its mistakes
        rank[n_real:] = np.arange(n_real, V) - universe.mistake_start[universe.root[n_real:]] + 1
        self.external = np.lexsort((rank, universe.root))
        self.internal = np.argsort(self.external)
        self.dtype = np.int16 if V < 2 ** 15 else np.int32
        self.package = universe.root[self.external]                       # (V,)
        self.invented = self.external >= n_real
        self.squattable = universe.squattable[self.external]
        self.habitual = np.zeros(V, dtype=bool)
        self.n_mistakes = (universe.mistake_stop - universe.mistake_start).astype(np.int64)
        self.first = self.internal[:n_real]                               # package i's own name
        self.slip_base = self.first[self.package]       # a slip on a name's package writes
        self.slip_choices = self.n_mistakes[self.package]   # one of these names, in order
        # (any positive spread when every slip is habitual: then y < 0 always)
        self.spread = np.where(self.slip_choices >= 2, (self.slip_choices - 1)
                               / (1.0 - habit) if habit < 1.0 else 1.0, 0.0)
        self.habitual[self.first[self.n_mistakes > 0] + 1] = True
        kappa = np.empty(V)                       # k(v): a slip's chance of writing v
        kappa[n_real:] = writer.slip_to_invented
        kappa[:n_real] = writer.slip_to_itself
        self.kappa = kappa[self.external]
        self.kappa_habitual = np.where(self.n_mistakes == 1, 1.0, habit)
        self.kappa_other = (1.0 - habit) / np.maximum(self.n_mistakes - 1, 1)
        self.kappa_best = np.maximum(self.kappa_habitual, self.kappa_other)

    def slip(self, names: np.ndarray, u: np.ndarray) -> np.ndarray:
        """The mistake written when a write of each internal name slips, given a uniform each."""
        index = names.astype(np.intp)
        # y < 0 (chance `habit`) writes the habitual mistake, offset 1; 0 <= y < k - 1 one
        # of the other k - 1, offsets 2 … k, evenly. A package with one mistake has
        # spread 0 and writes it; one with none writes itself (offset 0). The clip also
        # guards the rounding of u just below 1.
        y = (u - self.habit) * self.spread[index]
        offset = np.clip(np.floor(y).astype(np.int64) + 2, 1, self.slip_choices[index])
        return (self.slip_base[index] + offset).astype(self.dtype)


class Training:
    """R fitted models: their training sets, and (when asked) the distinct names in them.

    Attributes
    ----------
    items : ndarray of shape (R, m)
        Each replicate's training names (internal), in the order drawn; ``-1`` for none.
    size : int
        m, names per training set (every live replicate holds m).
    alive : ndarray of bool of shape (R,)
    names : ndarray of shape (D,)
        Each replicate's distinct names, replicate-major and in package order.
    first : ndarray of int of shape (R + 1,)
        Replicate r's distinct names are ``names[first[r]:first[r + 1]]``.
    at, end : ndarrays of int of shape (D,)
        Where each distinct name's copies start and stop in ``np.sort(items).ravel()``.

    The last four are found on first use (the numpy passes read them; the
    compiled pass never needs them).
    """

    def __init__(self, items: np.ndarray):
        self.items, self.size = items, items.shape[1]
        self.alive = (items >= 0).any(axis=1)

    @functools.cached_property
    def _runs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        items = np.sort(self.items, axis=1, kind="stable")   # a radix sort for int16 names
        R, m = items.shape
        start = np.ones((R, m), dtype=bool)
        start[:, 1:] = items[:, 1:] != items[:, :-1]
        if items[:, 0].min(initial=0) < 0:
            start &= items >= 0
        at = np.flatnonzero(start)
        first = np.searchsorted(at, np.arange(R + 1) * m)
        end = np.empty_like(at)                  # where each name's run of copies ends
        end[:-1] = at[1:]
        end[first[1:][self.alive] - 1] = (np.flatnonzero(self.alive) + 1) * m
        return at, first, items.ravel()[at], end

    at = property(lambda self: self._runs[0])
    first = property(lambda self: self._runs[1])
    names = property(lambda self: self._runs[2])
    end = property(lambda self: self._runs[3])


class PlainPackageFamily(BatchedFamily):
    """Package-name chains with no squatter and no defence, on the cost of what is written.

    The state is a :class:`Training`; the engine's policies move items, the
    internal names ``(m, R)``.
    """

    chunk = 512

    def __init__(self, chain, n_replicates: int, artifacts=None):
        super().__init__(chain, n_replicates)
        self.writer = chain.model.writer
        self.order = PackageOrder(self.writer, chain.model.habit)
        self.real_names = alias_table(chain.world.probabilities[self.order.external])
        self.names = [n for m in chain.metrics for n in m.names(chain.model)]
        # only the names' age needs their history
        self.first_seen = (np.zeros((n_replicates, self.order.V), dtype=np.min_scalar_type(
            chain.n_generations)) if "invented_name_age" in self.names else None)
        self.generation = 0
        self.artifacts = artifacts
        self.compiled = compiled.available()     # same values either way, faster with numba

    def real(self, n, rng):
        if self.compiled:
            return (compiled.draw(self.real_names, rng.random((self.R, n)), self.order.dtype).T,)
        support, keep, alias = self.real_names
        u = rng.random((self.R, n)) * len(support)
        slot = np.minimum(u.astype(np.int64), len(support) - 1)   # should u round up to K
        names = np.where(u - slot < keep[slot], support[slot], alias[slot])
        return (names.astype(self.order.dtype).T,)

    def synthetic(self, state, n, inputs, sample):
        R, m = state.items.shape
        order = self.order
        # Each write copies a uniform training item; Bin(n, h) of them slip, the first ones.
        pick = sample.integers(0, m, size=(R, n), dtype=np.int16 if m <= 2 ** 15 else np.int64)
        slips = sample.binomial(n, order.h, size=R)
        if self.compiled:
            written = compiled.write(order, state.items, state.alive, pick, slips,
                                     sample.random(int(slips.sum())))
            return (written.T,)
        written = state.items.ravel()[(pick + (np.arange(R) * m)[:, np.newaxis]).ravel()]
        row_start = np.repeat(np.arange(R) * n, slips)
        first_slip = np.repeat(np.cumsum(slips) - slips, slips)
        at = row_start + np.arange(len(row_start)) - first_slip
        written[at] = order.slip(written[at], sample.random(len(at)))
        written = written.reshape(R, n)
        written[~state.alive] = -1
        return (written.T,)

    def statistics(self, items):
        return (items[0],)

    def combine(self, a, b):
        # along the items of (R, m) arrays, so training sets stay replicate-major
        return (np.concatenate([a[0].T, b[0].T], axis=1).T,)

    def fit(self, stats):
        # Kept in the order drawn: each write copies a uniform training item, so the
        # order carries nothing, and the compiled pass counts names without sorting them.
        items = np.ascontiguousarray(stats[0].T)
        self.generation += 1
        state = Training(items)
        return state, ~state.alive

    def forget(self, state, dead):
        if (dead & state.alive).any():
            items = state.items.copy()          # it may share memory with the policy's items
            items[dead] = -1
            return Training(items)
        return state

    def measure(self, state, out):
        values = plain_metrics(self.names, self.order, state, self.first_seen, self.generation,
                               self.compiled)
        for column, name in enumerate(self.chain.metric_names()):
            out[:, column] = values[name]
        if self.artifacts is not None:
            sink = self.artifacts.sink(0, self.generation)
            if sink is not None and state.alive[0]:
                items = self.order.external[state.items[0]][:, np.newaxis]
                mass = self.writer.write_mass(items, name_counts(items, self.order.V))[0]
                sink.json("top_invented_names", top_names(
                    self.writer.universe, mass, np.zeros(self.order.V - self.order.n_real,
                                                         dtype=bool)))


def _top_units(groups, R: int, k: int) -> np.ndarray:
    """Sum of each replicate's ``k`` largest units.

    ``groups`` holds ``(values, copies, replicate)`` triples: value
    ``values[i]`` is held ``copies[i]`` times (an array or 1) by replicate
    ``replicate[i]``, sorted within each group. Each group fills its own
    columns of an (R, W) matrix, which is partitioned: the ``k`` largest units
    lie among the ``k`` largest values, as every value is held at least once.
    """
    placed, width = [], 0
    for values, copies, replicate in groups:
        first = np.searchsorted(replicate, np.arange(R + 1))
        placed.append((values, copies, replicate,
                       np.arange(len(replicate)) - first[replicate] + width))
        width += int(np.diff(first).max(initial=0))
    width = max(width, k)
    grid = np.zeros((R, width))
    held = np.zeros((R, width), dtype=np.int64)
    for values, copies, replicate, column in placed:
        grid[replicate, column] = values
        held[replicate, column] = copies
    if width > k:
        best = np.argpartition(-grid, k - 1, axis=1)[:, :k]
        grid = np.take_along_axis(grid, best, axis=1)
        held = np.take_along_axis(held, best, axis=1)
    rank = np.argsort(-grid, axis=1, kind="stable")
    grid = np.take_along_axis(grid, rank, axis=1)
    taken = np.cumsum(np.take_along_axis(held, rank, axis=1), axis=1)
    # The k largest units added one by one, largest first: the same sum whatever the
    # order of tied values (and what the compiled pass adds).
    total, width = np.zeros(R), grid.shape[1]
    for unit in range(k):
        column = np.count_nonzero(taken <= unit, axis=1)     # the column holding this unit
        there = np.take_along_axis(grid, np.minimum(column, width - 1)[:, np.newaxis], axis=1)
        total += np.where(column < width, there[:, 0], 0.0)
    return total


def _floor(counts: np.ndarray, replicate: np.ndarray, R: int, k: int) -> np.ndarray:
    """The largest power of two t with at least ``k`` counts >= t, per replicate (0 if none).

    ``counts`` are positive integers; ``replicate`` says whose each is.
    """
    level = (counts.astype(np.float64).view(np.int64) >> 52) - 1023   # floor(log2 count)
    levels = int(level.max(initial=0)) + 1
    histogram = np.bincount(replicate * levels + level, minlength=R * levels).reshape(R, levels)
    enough = np.cumsum(histogram[:, ::-1], axis=1)[:, ::-1] >= k    # counts >= 2**level
    top = levels - 1 - np.argmax(enough[:, ::-1], axis=1)
    return np.where(enough[:, 0], 2.0 ** top, 0.0)


def _sums(x: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Sums of ``x[first[r]:first[r + 1]]`` for each r (integers: exact)."""
    total = np.concatenate([[0], np.cumsum(x)])
    return total[first[1:]] - total[first[:-1]]


def _ratio(part, whole):
    return np.where(whole > 0, part / np.where(whole > 0, whole, 1), np.nan)


class _Summary:
    """What the metrics read off R training sets: invented names held, runs of packages."""

    def __init__(self, order: PackageOrder, state: Training):
        R, self.m, self.h = len(state.alive), state.size, order.h
        self.R, self.order, self.state = R, order, state
        D = len(state.names)
        held = np.flatnonzero(order.invented[state.names])     # the invented training names
        held_first = np.searchsorted(held, state.first)
        self.held, self.held_first, self.known = held, held_first, np.diff(held_first)
        self.name, self.count = state.names[held], state.end[held] - state.at[held]
        self.owner = np.repeat(np.arange(R), self.known)
        package = order.package[state.names]
        # Runs of one package within one replicate: b(i), the slips' weight of package i.
        new = np.empty(D, dtype=bool)
        new[0:1] = True
        np.not_equal(package[1:], package[:-1], out=new[1:])
        new[state.first[:-1][state.alive]] = True
        self.run_start = np.flatnonzero(new)
        run_first = np.searchsorted(self.run_start, state.first)
        self.run_stop = np.append(self.run_start[1:], D)
        self.by_package = state.end[self.run_stop - 1] - state.at[self.run_start]
        self.run_package = package[self.run_start]
        self.run_replicate = np.repeat(np.arange(R), np.diff(run_first))
        self.n_mistakes = order.n_mistakes[self.run_package]
        self.invented_mass = ((1.0 - self.h) * _sums(self.count, held_first)
                              + self.h * _sums(self.by_package * (self.n_mistakes > 0),
                                               run_first)) / self.m

    def top_share(self) -> np.ndarray:
        """Share of the invented writes that go to the ten most written invented names."""
        order, state, m, h = self.order, self.state, self.m, self.h
        by_package, n_mistakes, run_package = self.by_package, self.n_mistakes, self.run_package
        # Invented names with mass: those trained on, each on its own, and each package's
        # untrained mistakes: the habitual one, and the others, which share one mass.
        # Only what reaches a floor below the tenth largest is ranked: ten trained names
        # with at least t copies each hold (1 - h) t / m or more, and ten packages with at
        # least t names each write their habitual mistake with h habit t / m or more.
        slipping = n_mistakes > 0
        floor = (1.0 - h) * _floor(self.count, self.owner, self.R, _TOP) / m
        if not floor.all():      # e.g. generation 1, before any invented name is trained on
            floor = np.maximum(floor, h * order.habit / m * _floor(
                by_package[slipping], self.run_replicate[slipping], self.R, _TOP))
        # The units below multiply in another order, so a unit equal to the floor can round
        # below it; a floor a hair lower only ranks a few more candidates.
        floor *= 1.0 - 1e-9
        package_of_held = np.repeat(by_package, self.run_stop - self.run_start)[self.held]
        trained = ((1.0 - h) * self.count + h * package_of_held * order.kappa[self.name]) / m
        kept = trained >= floor[self.owner]
        weight = h * by_package / m
        near = np.flatnonzero(slipping & (weight * order.kappa_best[run_package]
                                          >= floor[self.run_replicate]))
        # A run lists the package's own name if trained, then its trained mistakes, habitual
        # first; so what it holds of its mistakes is read off its length and first names.
        start, stop, package = self.run_start[near], self.run_stop[near], run_package[near]
        whose, weight = self.run_replicate[near], weight[near]
        own = ~order.invented[state.names[start]]
        first_mistake = np.minimum(start + own, stop - 1)
        habitual = (start + own < stop) & order.habitual[state.names[first_mistake]]
        others = n_mistakes[near] - (stop - start - own) - ~habitual
        alone = ~habitual & (weight * order.kappa_habitual[package] >= floor[whose])
        others = np.where(weight * order.kappa_other[package] >= floor[whose], others, 0)
        shared = others > 0
        top = _top_units([(trained[kept], 1, self.owner[kept]),
                          (weight[alone] * order.kappa_habitual[package[alone]], 1, whose[alone]),
                          (weight[shared] * order.kappa_other[package[shared]], others[shared],
                           whose[shared])], self.R, _TOP)
        return _ratio(top, self.invented_mass)

    def age(self, first_seen: np.ndarray, generation: int) -> np.ndarray:
        """Mean generations the invented names held have been known; records new ones."""
        at = self.owner * self.order.V + self.name
        seen = first_seen.ravel()
        since = seen[at]
        since[since == 0] = generation
        seen[at] = since
        years = generation + 1 - since.astype(np.int64)
        return _ratio(_sums(years, np.concatenate([[0], np.cumsum(self.known)])), self.known)


def plain_metrics(wanted, order: PackageOrder, state: Training, first_seen: np.ndarray | None,
                  generation: int, use_compiled: bool = False) -> dict[str, np.ndarray]:
    """The package-name metrics ``wanted`` of R models with no squatter or defence, each (R,).

    The same values as :func:`.metrics.package_metrics` on the dense write
    distribution (to float rounding: the sums run over distinct names), read
    off the distinct training names. ``first_seen`` (R, V), the generation
    each internal name first entered a training set, is updated in place
    when the names' age is measured. ``use_compiled`` reads them in
    :func:`.compiled.measure` instead (numba must be installed): the same values.
    """
    if use_compiled:
        table = compiled.measure(order, state.items,
                                 first_seen if "invented_name_age" in wanted else None, generation)
        found = dict(zip(compiled.MEASURED, table.T, strict=True))
        found["model_invented_rate"] = found["invented_name_rate"]
        value = found.__getitem__
    else:
        held = _Summary(order, state)
        lazy = {
            "invented_name_rate": lambda: held.invented_mass,
            "model_invented_rate": lambda: held.invented_mass,
            "invented_names_known": lambda: held.known,
            "squattable_names": lambda: _sums(order.squattable[held.name], held.held_first),
            "invented_top10_share": held.top_share,
            "invented_name_age": lambda: held.age(first_seen, generation),
            "real_packages_known": lambda: np.diff(state.first) - held.known,
        }

        def value(metric):
            return lazy[metric]()
    zeros = np.zeros(len(state.alive))
    return {metric: np.where(state.alive, np.asarray(zeros if metric in _NONE_WITHOUT_SQUATTER
                                                     else value(metric), dtype=float), np.nan)
            for metric in wanted}
