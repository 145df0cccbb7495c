"""The generational loop: fit, sample, pool, build the next training set, measure.

:class:`Chain` describes one chain; :meth:`Chain.run` runs many replicates of
it and returns tidy rows. Chains whose family has a batched kernel run all
replicates as one array program; every other chain runs the generic loop
below, one replicate at a time, on the seed tree's per-replicate streams.
"""

from __future__ import annotations

import importlib
from copy import deepcopy
from dataclasses import dataclass, field, is_dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from modelcollapse.core import progress as model_progress
from modelcollapse.core import registry
from modelcollapse.core.artifacts import ArtifactLog
from modelcollapse.core.data import Dataset, Pool
from modelcollapse.core.drift import drifts, world_at
from modelcollapse.core.metric import MeasureContext, Metric
from modelcollapse.core.model import DegenerateFitError
from modelcollapse.core.results import tidy, wide_from_rows
from modelcollapse.core.rng import Role, SeedTree
from modelcollapse.policies.training_sets import Policy, Replace

__all__ = ["Chain"]

Engine = Literal["auto", "batched", "loop"]


@dataclass
class Chain:
    """One chain of models, each trained on data its predecessors produced.

    Parameters
    ----------
    world : object
        Source of real data and of the truth the metrics compare against
        (``sample(n, *, rng)``; conditional worlds also ``draw_inputs``).
        A world that drifts (``drift`` > 0) offers ``at(generation)``: real
        data, inputs, curation and metrics of generation g all use ``world.at(g)``.
    model : object
        Unfitted model with ``fit(data, *, rng)`` and ``sample(n, *, rng, X=None)``;
        every generation fits a fresh copy (``clone()`` if it has one, else a deep copy).
        A model with ``needs_lineage = True`` is fitted with ``generation=`` and
        ``first=`` (generation 1's fitted model, ``None`` in generation 1), for
        models that start from generation 1's weights or play teacher then student.
        A model with ``for_world(world)`` is replaced by what that returns, so it
        can take settings from the world (a vocabulary, an image shape).
    policy : Policy, default Replace()
        How each generation's training set is built from the pool. A policy
        with ``refits = False`` keeps generation 1's model and returns, every
        later generation, ``policy.adapt(first_model, world, n_samples=, rng=)``
        instead (a frozen model, or one corrected by retrieval); one with
        ``writer = "first"`` has generation 1's model write every training
        set (distillation from one teacher). A policy's optional
        ``check(chain)`` rejects chains it cannot run.
    n_samples : int, default 30
        Training-set size per generation (the policy may accumulate more).
    n_generations : int, default 500
        Number of generations G; generation 1 is fitted on real data only.
    metrics : tuple of Metric, optional
        Measured after every generation. By default the metrics the model's
        family registered for it (for the polynomial: ``mse_to_truth`` and
        ``coefficients``).
    filters : tuple of Filter, default ()
        Curation applied, in order, to every training set from generation 2 on;
        their figures (kept shares and the like) are recorded beside the
        metrics, with ``contamination``, the model-written share of what is left.

    Examples
    --------
    >>> from modelcollapse import Chain, PolynomialRegression, cosine_world
    >>> chain = Chain(cosine_world(), PolynomialRegression(degree=3), n_generations=50)
    >>> frame = chain.run(n_replicates=200, seed=0)
    >>> sorted(frame["metric"].unique())[:2]
    ['coef_0', 'coef_1']
    """

    world: object
    model: object
    policy: Policy = field(default_factory=Replace)
    n_samples: int = 30
    n_generations: int = 500
    metrics: tuple[Metric, ...] | None = None
    filters: tuple = ()

    def __post_init__(self) -> None:
        if hasattr(self.model, "for_world"):  # e.g. a language model takes the world's vocabulary
            self.model = self.model.for_world(self.world)
        if int(self.n_samples) != self.n_samples or self.n_samples < 1:
            raise ValueError(f"n_samples must be an integer >= 1, got {self.n_samples}")
        if int(self.n_generations) != self.n_generations or self.n_generations < 0:
            raise ValueError(f"n_generations must be an integer >= 0, got {self.n_generations}")
        if self.metrics is None:
            self.metrics = self._default_metrics()
        for metric in self.metrics:
            if not metric.applies(self.model, self.world):
                model, world = type(self.model).__name__, type(self.world).__name__
                raise ValueError(f"metric {metric.name!r} cannot measure a {model} against a "
                                 f"{world}: choose metrics of this family")
        if hasattr(self.model, "check_chain"):  # combinations its family cannot run
            self.model.check_chain(self)
        if hasattr(self.policy, "check"):
            self.policy.check(self)

    @property
    def model_noise(self) -> float:
        """Noise the model adds when it writes data: its own, else the world's."""
        noise = getattr(self.model, "noise", None)
        return self.world.noise if noise is None else noise

    def run(self, n_replicates: int = 1, *, seed: int = 0, engine: Engine = "auto",
            first_replicate: int = 0, artifacts: ArtifactLog | None = None,
            layout: Literal["tidy", "wide"] = "tidy") -> pd.DataFrame | pa.Table:
        """Run replicates and return tidy rows.

        Parameters
        ----------
        n_replicates : int, default 1
            Number of independent chains.
        seed : int, default 0
            Root of the seed tree.
        engine : {"auto", "batched", "loop"}, default "auto"
            ``"auto"`` uses the family's batched kernel when it has one.
        first_replicate : int, default 0
            Number of the first replicate, so blocks of one experiment can run
            apart and still address distinct streams.
        artifacts : ArtifactLog or None
            Collects what metrics keep through their context (sample texts,
            image grids), and each generation's fitted model when the log saves
            models, for the replicates the log keeps; ``None`` keeps nothing.
        layout : {"tidy", "wide"}, default "tidy"
            ``"wide"`` returns the recorded table itself, a row per
            chain-generation and a column per metric (:mod:`modelcollapse.core.results`):
            a fifth of the memory with five metrics, and what the runner writes.

        Returns
        -------
        pandas.DataFrame or pyarrow.Table
            Tidy rows, columns ``replicate, generation, metric, value, status``;
            or the wide table.
        """
        if layout not in ("tidy", "wide"):
            raise ValueError(f"layout must be 'tidy' or 'wide', got {layout!r}")
        table = self._record(n_replicates, seed, engine, first_replicate, artifacts)
        return table if layout == "wide" else tidy(table)

    def _record(self, n_replicates: int, seed: int, engine: Engine, first_replicate: int,
                artifacts: ArtifactLog | None) -> pa.Table:
        """The wide table of :meth:`run`'s replicates."""
        if int(n_replicates) != n_replicates or n_replicates < 1:
            raise ValueError(f"n_replicates must be an integer >= 1, got {n_replicates}")
        if engine not in ("auto", "batched", "loop"):
            raise ValueError(f"engine must be 'auto', 'batched' or 'loop', got {engine!r}")
        tree = SeedTree(seed)
        kernel = self.kernel()
        if engine == "batched" and kernel is None:
            raise ValueError("this chain has no batched kernel; use engine='loop' or 'auto'")
        if kernel is not None and engine == "loop" and hasattr(kernel, "loop_refusal"):
            reason = kernel.loop_refusal(self)
            if reason:
                raise ValueError(reason)
        if kernel is not None and engine != "loop":
            keeps = {"artifacts": artifacts} if getattr(kernel, "KEEPS_ARTIFACTS", False) else {}
            return kernel.run_block(self, tree, first_replicate, n_replicates, **keeps)
        replicates = range(first_replicate, first_replicate + n_replicates)
        if n_replicates > 1 and self._steps_together():
            return wide_from_rows(self._run_together(tree, replicates, artifacts))
        rows = []
        for replicate in replicates:
            rows.extend(self._run_replicate(tree, replicate, artifacts))
        return wide_from_rows(rows)

    def _steps_together(self) -> bool:
        """Whether the replicates go through the generations side by side.

        For models that can fit and write several replicates as one program
        (``fit_together``, e.g. the transformer on a GPU). Each replicate still
        builds, curates and is measured from its own streams, so the rows are
        those of the one-by-one loop up to floating-point rounding. Policies
        that stop refitting and models that start from generation 1's weights
        keep the loop.
        """
        return (hasattr(self.model, "fit_together")
                and getattr(self.policy, "refits", True)
                and not getattr(self.model, "needs_lineage", False))

    def _default_metrics(self) -> tuple[Metric, ...]:
        """The metrics the model's family registered as its defaults, built."""
        names = registry.default_metrics_of(self.model)
        if names is None:
            raise ValueError(f"a {type(self.model).__name__} has no registered default metrics: "
                             "pass metrics=(...) to the chain")
        return tuple(registry.metrics.build(name, {}) for name in names)

    def kernel(self):
        """The batched kernel module that can run this chain, or None.

        The model names its family's kernel (``batched_kernel``); the kernel
        says whether it supports this chain. Filters run in the loop unless
        the kernel applies them itself (``RUNS_FILTERS``); a drifting world (a
        truth that moves each generation) always runs in the loop.
        """
        path = getattr(self.model, "batched_kernel", None)
        if path is None or drifts(self.world):
            return None
        kernel = importlib.import_module(path)
        if kernel.supports(self) and (not self.filters or getattr(kernel, "RUNS_FILTERS", False)):
            return kernel
        return None

    def metric_names(self) -> list[str]:
        """Names of the figures recorded every generation, in order."""
        names = [name for metric in self.metrics for name in metric.names(self.model)]
        return names + (self._filter_names() if self.filters else [])

    def _inputs(self, pool: Pool, model, world, tree: SeedTree, replicate: int,
                generation: int):
        """What the model writes after (inputs, prompts), or None for unconditional writing."""
        n_synthetic = self.policy.n_new_synthetic(self.n_samples, generation)
        if getattr(world, "fixed_design", False):  # relabel generation 1's inputs
            return pool.original.X[:n_synthetic]
        if getattr(model, "conditional", True):  # the world draws inputs for the model to label
            return world.draw_inputs(n_synthetic,
                                     rng=tree.stream(replicate, generation, Role.INPUTS))
        return None

    def _training_set(self, pool: Pool, model, world, tree: SeedTree, replicate: int,
                      generation: int, written: Dataset | None = None) -> Dataset:
        """Generation ``generation``'s training set; ``written`` if the model already wrote."""
        policy, N = self.policy, self.n_samples
        if written is None:
            written = model.sample(policy.n_new_synthetic(N, generation),
                                   rng=tree.stream(replicate, generation, Role.SAMPLE),
                                   X=self._inputs(pool, model, world, tree, replicate,
                                                  generation))
        new = Dataset.synthetic(written.X, written.y, generation - 1)
        n_fresh = policy.n_fresh_real(N, generation)
        fresh_rng = tree.stream(replicate, generation, Role.REAL)
        if getattr(world, "fixed_design", False):  # fresh labels on the same inputs
            X_fresh = pool.original.X[N - n_fresh:]
            fresh = Dataset.real(X_fresh, world.label(X_fresh, rng=fresh_rng))
        else:
            fresh = world.sample(n_fresh, rng=fresh_rng)
        pool.add(new, generation)
        if len(fresh):
            pool.add(fresh, generation)
        return policy.build(pool, new_synthetic=new, fresh_real=fresh, n_samples=N,
                            rng=tree.stream(replicate, generation, Role.POLICY),
                            generation=generation)

    def _next_training_set(self, pool: Pool, writer, world, tree: SeedTree, replicate: int,
                           generation: int, written: Dataset | None = None
                           ) -> tuple[Dataset, dict[str, float]]:
        """Generation ``generation``'s curated training set and the filters' figures.

        With nothing written yet (no ``writer``, no ``written``: generation 1) it is
        real data alone, with nothing to curate.
        """
        if writer is None and written is None:
            train = world.sample(self.n_samples, rng=tree.stream(replicate, generation, Role.REAL))
            pool.add(train, generation)
            figures = {}
            if self.filters:
                figures = dict.fromkeys(self._filter_names(), np.nan) | {"contamination": 0.0}
            return train, figures
        train = self._training_set(pool, writer, world, tree, replicate, generation,
                                   written=written)
        if self.filters:
            return self._curate(train, world, tree, replicate, generation)
        return train, {}

    def _curate(self, train: Dataset, world, tree: SeedTree, replicate: int,
                generation: int) -> tuple[Dataset, dict[str, float]]:
        """Apply the filters in order; return what is left and their figures."""
        rng = tree.stream(replicate, generation, Role.FILTER)
        figures: dict[str, float] = {}
        for curation in self.filters:
            train, reported = curation.apply(train, world=world, rng=rng)
            figures.update(reported)
        figures["contamination"] = float(np.mean(train.origin != 0)) if len(train) else np.nan
        return train, figures

    def _measure(self, model, world, tree: SeedTree, replicate: int, generation: int,
                 artifacts: ArtifactLog | None) -> dict[str, float]:
        """Every metric on one fitted model; sampling metrics get a stream each."""
        streams = tree.stream(replicate, generation, Role.MEASURE).spawn(len(self.metrics))
        sink = artifacts.sink(replicate, generation) if artifacts is not None else None
        values: dict[str, float] = {}
        for metric, stream in zip(self.metrics, streams, strict=True):
            context = MeasureContext(rng=stream, artifacts=sink, replicate=replicate,
                                     generation=generation)
            values.update(metric.measure(model, world, context))
        return values

    def _run_replicate(self, tree: SeedTree, replicate: int,
                       artifacts: ArtifactLog | None = None) -> list[tuple]:
        """The loop itself, for one replicate: fit, measure, write, pool, repeat."""
        template = self._template()
        pool = Pool()
        model = first = None  # the latest model and generation 1's
        rows = []
        for generation in range(1, self.n_generations + 1):
            model_progress.announce("generation", generation, self.n_generations,
                                    replicate=replicate)
            world = world_at(self.world, generation)
            if first is not None and not getattr(self.policy, "refits", True):
                model = self.policy.adapt(first, world, n_samples=self.n_samples,
                                          rng=tree.stream(replicate, generation, Role.REAL))
                rows += [(replicate, generation, name, value, "ok") for name, value
                         in self._measure(model, world, tree, replicate, generation,
                                          artifacts).items()]
                continue
            writer = None
            if model is not None:
                writer = first if getattr(self.policy, "writer", "previous") == "first" else model
            train, figures = self._next_training_set(pool, writer, world, tree, replicate,
                                                     generation)
            try:
                fresh = template.clone() if hasattr(template, "clone") else deepcopy(template)
                lineage = ({"generation": generation, "first": first}
                           if getattr(fresh, "needs_lineage", False) else {})
                model = fresh.fit(train, rng=tree.stream(replicate, generation, Role.FIT),
                                  **lineage)
            except DegenerateFitError as failure:
                # The chain cannot go on without a model: the rest is recorded with its status.
                rows += [(replicate, g, name, np.nan, failure.status)
                         for g in range(generation, self.n_generations + 1)
                         for name in self.metric_names()]
                break
            first = model if first is None else first
            if artifacts is not None:
                artifacts.keep_model(replicate, generation, model)
            rows += [(replicate, generation, name, value, "ok") for name, value
                     in self._measure(model, world, tree, replicate, generation,
                                      artifacts).items()]
            rows += [(replicate, generation, name, value, "ok")
                     for name, value in figures.items()]
        return rows

    def _template(self):
        """The model every generation fits a fresh copy of.

        A model that names no noise of its own writes with the world's.
        """
        if getattr(self.model, "noise", 0) is None and is_dataclass(self.model):
            return replace(self.model, noise=self.world.noise)
        return self.model

    def _run_together(self, tree: SeedTree, replicates: range,
                      artifacts: ArtifactLog | None = None) -> list[tuple]:
        """The loop for several replicates side by side.

        Each generation they write and fit together (``model.write_together``,
        ``model.fit_together``); everything else is each replicate's own, from
        its own streams, as in :meth:`_run_replicate`.
        """
        template = self._template()
        pools = {r: Pool() for r in replicates}
        models: dict[int, object] = {}
        firsts: dict[int, object] = {}
        rows: dict[int, list[tuple]] = {r: [] for r in replicates}
        alive = list(replicates)
        for generation in range(1, self.n_generations + 1):
            if not alive:
                break
            model_progress.announce("generation", generation, self.n_generations,
                                    replicate=alive[0], together=len(alive))
            world = world_at(self.world, generation)
            written = self._write_together(pools, models, firsts, alive, world, tree,
                                           generation)
            trains, figures = {}, {}
            for r in alive:
                trains[r], figures[r] = self._next_training_set(
                    pools[r], None, world, tree, r, generation, written=written.get(r))
            fitted = self._fit_together(template, trains, tree, generation)
            for r in list(alive):
                if isinstance(fitted[r], DegenerateFitError):
                    rows[r] += [(r, g, name, np.nan, fitted[r].status)
                                for g in range(generation, self.n_generations + 1)
                                for name in self.metric_names()]
                    alive.remove(r)
                    continue
                models[r] = fitted[r]
                firsts.setdefault(r, fitted[r])
                if artifacts is not None:
                    artifacts.keep_model(r, generation, fitted[r])
                rows[r] += [(r, generation, name, value, "ok") for name, value
                            in self._measure(fitted[r], world, tree, r, generation,
                                             artifacts).items()]
                rows[r] += [(r, generation, name, value, "ok")
                            for name, value in figures[r].items()]
        return [row for r in replicates for row in rows[r]]

    def _write_together(self, pools, models, firsts, alive, world, tree: SeedTree,
                        generation: int) -> dict[int, Dataset]:
        """Each replicate's newly written data for ``generation`` (none in generation 1)."""
        if generation == 1:
            return {}
        by_first = getattr(self.policy, "writer", "previous") == "first"
        writers = [firsts[r] if by_first else models[r] for r in alive]
        inputs = [self._inputs(pools[r], writer, world, tree, r, generation)
                  for r, writer in zip(alive, writers, strict=True)]
        X = None if inputs[0] is None else np.stack(inputs)
        written = writers[0].write_together(
            writers, self.policy.n_new_synthetic(self.n_samples, generation),
            rngs=[tree.stream(r, generation, Role.SAMPLE) for r in alive], X=X)
        return dict(zip(alive, written, strict=True))

    @staticmethod
    def _fit_together(template, trains: dict[int, Dataset], tree: SeedTree,
                      generation: int) -> dict[int, object]:
        """Fitted models (or the DegenerateFitError that stopped one), by replicate."""
        fitted: dict[int, object] = {}
        by_size: dict[int, list[int]] = {}
        for r, train in trains.items():
            by_size.setdefault(len(train), []).append(r)  # only equal sizes stack
        for group in by_size.values():
            rngs = [tree.stream(r, generation, Role.FIT) for r in group]
            try:
                models = template.fit_together([trains[r] for r in group], rngs)
            except DegenerateFitError as failure:
                if len(group) == 1:
                    fitted[group[0]] = failure
                    continue
                # One replicate's NaN stops the stacked program: refit one by one from the
                # same streams so that only the replicates that fail are marked.
                models = []
                for r in group:
                    try:
                        models.append(template.clone().fit(
                            trains[r], rng=tree.stream(r, generation, Role.FIT)))
                    except DegenerateFitError as alone:
                        models.append(alone)
            fitted.update(zip(group, models, strict=True))
        return fitted

    def _filter_names(self) -> list[str]:
        return [name for f in self.filters for name in f.names()] + ["contamination"]
