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
sum over each replicate's distinct training names (a few hundred), read off
its sorted training set.

Names are kept in a **package order** inside the kernel: each real package
followed by its mistakes, habitual first. Sorting a replicate's training
set then groups it by package, so the count b(i) of training names whose
package is i, which the slips follow, is a sum over contiguous runs.

Arrays are ``(R, m)``, replicate-major; the engine sees their ``(m, R)``
transposes as items.
"""

from __future__ import annotations

import numpy as np

from modelcollapse.code.packages.metrics import top_names
from modelcollapse.code.packages.writing import name_counts
from modelcollapse.kernels.engine import BatchedFamily

__all__ = ["PackageOrder", "Training", "alias_table", "plain_metrics"]

_TOP = 10


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
        self.habitual[self.first[self.n_mistakes > 0] + 1] = True
        kappa = np.empty(V)                       # k(v): a slip's chance of writing v
        kappa[n_real:] = writer.slip_to_invented
        kappa[:n_real] = writer.slip_to_itself
        self.kappa = kappa[self.external]
        self.kappa_habitual = np.where(self.n_mistakes == 1, 1.0, habit)
        self.kappa_other = (1.0 - habit) / np.maximum(self.n_mistakes - 1, 1)

    def slip(self, names: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The mistake written when a write of each internal name slips."""
        package = self.package[names]
        k = self.n_mistakes[package]
        u = rng.random(len(names))
        # habitual with chance `habit` (always when it is the only one), else one of the
        # other k - 1 evenly; the clip guards the rounding of u just below 1
        other = np.minimum(((u - self.habit) / (1.0 - self.habit) * (k - 1)).astype(np.int64)
                           if self.habit < 1.0 else 0, np.maximum(k - 2, 0))
        offset = np.where(k == 0, 0, np.where((u < self.habit) | (k == 1), 1, 2 + other))
        return (self.first[package] + offset).astype(self.dtype)


class Training:
    """R fitted models: their sorted training sets and the distinct names in them.

    Attributes
    ----------
    items : ndarray of shape (R, m)
        Each replicate's training names (internal), sorted; ``-1`` for none.
    size : int
        m, names per training set (every live replicate holds m).
    alive : ndarray of bool of shape (R,)
    names, counts, replicate : ndarrays of shape (D,)
        Each replicate's distinct names, how often each occurs, and the
        replicate, replicate-major and in package order.
    """

    def __init__(self, items: np.ndarray):
        R, m = items.shape
        self.items, self.size = items, m
        start = np.ones((R, m), dtype=bool)
        start[:, 1:] = items[:, 1:] != items[:, :-1]
        start &= items >= 0
        self.alive = start.any(axis=1)
        at = np.flatnonzero(start)
        self.names = items.ravel()[at].astype(np.int64)
        self.replicate = at // m
        after = np.append(at[1:], R * m)
        self.counts = np.minimum(after, (self.replicate + 1) * m) - at


class PlainPackageFamily(BatchedFamily):
    """Package-name chains with no squatter and no defence, on the cost of what is written.

    The state is a :class:`Training`; the engine's policies move items, the
    internal names ``(m, R)``.
    """

    chunk = 1024

    def __init__(self, chain, n_replicates: int, artifacts=None):
        super().__init__(chain, n_replicates)
        self.writer = chain.model.writer
        self.order = PackageOrder(self.writer, chain.model.habit)
        self.real_names = alias_table(chain.world.probabilities[self.order.external])
        self.names = [n for m in chain.metrics for n in m.names(chain.model)]
        # only the names' age needs their history
        self.first_seen = (np.zeros((n_replicates, self.order.V), dtype=np.int32)
                           if "invented_name_age" in self.names else None)
        self.generation = 0
        self.artifacts = artifacts

    def real(self, n, rng):
        support, keep, alias = self.real_names
        u = rng.random((self.R, n)) * len(support)
        slot = u.astype(np.int64)
        names = np.where(u - slot < keep[slot], support[slot], alias[slot])
        return (names.astype(self.order.dtype).T,)

    def synthetic(self, state, n, inputs, sample):
        R, m = state.items.shape
        order = self.order
        # Each write copies a uniform training item; Bin(n, h) of them slip, the first ones.
        pick = sample.integers(0, m, size=(R, n))
        pick += (np.arange(R) * m)[:, np.newaxis]
        written = state.items.ravel()[pick.ravel()].reshape(R, n)
        slips = sample.binomial(n, order.h, size=R)
        row_start = np.repeat(np.arange(R) * n, slips)
        first_slip = np.repeat(np.cumsum(slips) - slips, slips)
        at = row_start + np.arange(len(row_start)) - first_slip
        flat = written.ravel()
        flat[at] = order.slip(flat[at], sample)
        written[~state.alive] = -1
        return (written.T,)

    def statistics(self, items):
        return (items[0],)

    def combine(self, a, b):
        # along the items of (R, m) arrays, so training sets stay replicate-major
        return (np.concatenate([a[0].T, b[0].T], axis=1).T,)

    def fit(self, stats):
        items = np.sort(stats[0].T, axis=1, kind="stable")   # a radix sort for int16 names
        self.generation += 1
        state = Training(items)
        return state, ~state.alive

    def forget(self, state, dead):
        if (dead & state.alive).any():
            state.items[dead] = -1
            return Training(state.items)
        return state

    def measure(self, state, out):
        values = plain_metrics(self.names, self.order, state, self.first_seen, self.generation)
        for column, name in enumerate(self.chain.metric_names()):
            out[:, column] = np.where(state.alive, values[name], np.nan)
        if self.artifacts is not None:
            sink = self.artifacts.sink(0, self.generation)
            if sink is not None and state.alive[0]:
                items = self.order.external[state.items[0]][:, np.newaxis]
                mass = self.writer.write_mass(items, name_counts(items, self.order.V))[0]
                sink.json("top_invented_names", top_names(
                    self.writer.universe, mass, np.zeros(self.order.V - self.order.n_real,
                                                         dtype=bool)))


def _top_units(values: np.ndarray, copies: np.ndarray, replicate: np.ndarray, R: int,
               k: int) -> np.ndarray:
    """Sum of each replicate's ``k`` largest values, value ``values[i]`` held ``copies[i]`` times.

    ``replicate`` (sorted) says whose each value is. Each replicate's values
    are laid in a row of an (R, W) matrix and partitioned: the ``k`` largest
    units lie among the ``k`` largest values, as every value is held at least once.
    """
    first = np.searchsorted(replicate, np.arange(R))
    width = int(np.bincount(replicate, minlength=R).max(initial=0))
    column = np.arange(len(replicate)) - first[replicate]
    grid = np.zeros((R, max(width, k)))
    held = np.zeros((R, max(width, k)), dtype=np.int64)
    grid[replicate, column] = values
    held[replicate, column] = copies
    if width > k:
        best = np.argpartition(-grid, k - 1, axis=1)[:, :k]
        grid = np.take_along_axis(grid, best, axis=1)
        held = np.take_along_axis(held, best, axis=1)
    rank = np.argsort(-grid, axis=1, kind="stable")
    grid = np.take_along_axis(grid, rank, axis=1)
    held = np.take_along_axis(held, rank, axis=1)
    before = np.cumsum(held, axis=1) - held
    return (grid * np.clip(k - before, 0, held)).sum(axis=1)


def plain_metrics(names, order: PackageOrder, state: Training, first_seen: np.ndarray,
                  generation: int) -> dict[str, np.ndarray]:
    """The package-name metrics ``names`` of R models with no squatter or defence, each (R,).

    The same values as :func:`.metrics.package_metrics` on the dense write
    distribution (to float rounding: the sums run over distinct names), read
    off the distinct training names. ``first_seen`` (R, V), the generation
    each internal name first entered a training set, is updated in place.
    """
    R, m, h = len(state.alive), state.size, order.h
    names_, counts, replicate = state.names, state.counts, state.replicate
    invented = order.invented[names_]
    package = order.package[names_]
    # Runs of one package within one replicate: b(i), the slips' weight of package i.
    new = np.ones(len(names_), dtype=bool)
    new[1:] = (package[1:] != package[:-1]) | (replicate[1:] != replicate[:-1])
    run = np.cumsum(new) - 1
    run_start = np.flatnonzero(new)
    by_package = np.add.reduceat(counts, run_start) if len(run_start) else counts[:0]
    run_package, run_replicate = package[run_start], replicate[run_start]
    slips_invent = order.n_mistakes[run_package] > 0
    invented_mass = ((1.0 - h) * np.bincount(replicate[invented], counts[invented], minlength=R)
                     + h * np.bincount(run_replicate[slips_invent], by_package[slips_invent],
                                       minlength=R)) / m
    known = np.bincount(replicate[invented], minlength=R)

    def ratio(part, whole):
        return np.where(whole > 0, part / np.where(whole > 0, whole, 1), np.nan)

    def top_share():
        # Invented names with mass: those trained on, each on its own, and each package's
        # untrained mistakes: the habitual one, and the others, which share one mass.
        trained = ((1.0 - h) * counts[invented]
                   + h * by_package[run[invented]] * order.kappa[names_[invented]]) / m
        habitual = np.bincount(run[order.habitual[names_]], minlength=len(run_start)) > 0
        others = (order.n_mistakes[run_package] - 1
                  - np.bincount(run[invented], minlength=len(run_start)) + habitual)
        k = order.n_mistakes[run_package]
        alone = (k > 0) & ~habitual
        # Ten trained invented names each hold at least (1 - h)/m: what is below cannot count.
        floor = np.where(known >= _TOP, (1.0 - h) / m, 0.0)
        alone &= h * by_package * order.kappa_habitual[run_package] / m >= floor[run_replicate]
        others = np.where(h * by_package * order.kappa_other[run_package] / m
                          >= floor[run_replicate], others, 0)
        values = np.concatenate([trained, h * by_package[alone]
                                 * order.kappa_habitual[run_package[alone]] / m,
                                 h * by_package[others > 0]
                                 * order.kappa_other[run_package[others > 0]] / m])
        copies = np.concatenate([np.ones(len(trained), dtype=np.int64),
                                 np.ones(int(alone.sum()), dtype=np.int64), others[others > 0]])
        owner = np.concatenate([replicate[invented], run_replicate[alone],
                                run_replicate[others > 0]])
        by_owner = np.argsort(owner, kind="stable")
        top = _top_units(values[by_owner], copies[by_owner], owner[by_owner], R, _TOP)
        return np.where(invented_mass > 0, top / np.where(invented_mass > 0, invented_mass,
                                                          1.0), np.nan)

    def age():
        at = replicate[invented] * order.V + names_[invented]
        seen = first_seen.ravel()
        since = seen[at]
        since[since == 0] = generation
        seen[at] = since
        return ratio(np.bincount(replicate[invented], generation - since + 1.0, minlength=R),
                     known)

    zeros = np.zeros(R)
    everything = {
        "invented_name_rate": lambda: invented_mass,
        "model_invented_rate": lambda: invented_mass,
        "squatted_install_rate": lambda: zeros,
        "squatted_names": lambda: zeros,
        "invented_names_known": lambda: known,
        "squattable_names": lambda: np.bincount(
            replicate[invented & order.squattable[names_]], minlength=R),
        "invented_top10_share": top_share,
        "invented_name_age": age,
        "real_names_rejected": lambda: zeros,
        "real_packages_known": lambda: np.bincount(replicate[~invented], minlength=R),
    }
    values = {name: np.asarray(everything[name](), dtype=float) for name in names}
    return {name: np.where(state.alive, value, np.nan) for name, value in values.items()}
