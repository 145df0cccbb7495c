"""Units of work: what they are and the pure function that computes one."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from modelcollapse.core.artifacts import ArtifactLog
from modelcollapse.experiment.schema import ConfigError, Experiment
from modelcollapse.experiment.store import Unit
from modelcollapse.experiment.sweep import Point, build_chain, expand, point_at, sweep_grid

__all__ = ["MAX_UNITS", "UnitResult", "common_engine", "plan", "run_unit", "units_of"]

MAX_UNITS = 1_000_000
"""Most units one run may have: each is a file, and every read checks them all."""


@dataclass(frozen=True)
class UnitResult:
    """What one unit computed: results, artifacts, and model files with ``keep_weights``.

    ``table`` is the wide table of :mod:`modelcollapse.core.results` with ``point`` and
    the swept keys in front, or its Parquet file once a worker encoded it.
    ``artifacts`` (None when nothing was kept) and ``weights`` come from the
    unit's first replicate when it is replicate 0; ``weights`` maps
    ``replicate-R/generation-G/<file>`` to bytes.
    """

    table: pa.Table | pa.Buffer
    artifacts: pd.DataFrame | None
    weights: dict[str, bytes] = field(default_factory=dict)


def plan(experiment: Experiment, source: str = "experiment") -> tuple[list[Point], list[Unit]]:
    """The sweep points of ``experiment``, each checked by building its chain, and its units.

    For ``validate`` and ``run``; views of a finished run use :func:`units_of`,
    which builds nothing.
    """
    units = units_of(experiment, source)
    return expand(experiment, source), units


def units_of(experiment: Experiment, source: str = "experiment") -> list[Unit]:
    """The units of ``experiment`` in a fixed order, from its settings alone (no chain built).

    Raises
    ------
    ConfigError
        For more than :data:`MAX_UNITS` units.
    """
    block = experiment.block_size
    per_point = -(-experiment.replicates // block)
    n_points = len(sweep_grid(experiment.sweep)) if experiment.sweep else 1
    if n_points * per_point > MAX_UNITS:
        raise ConfigError(f"{source}: {n_points * per_point:,} units ({n_points:,} points x "
                          f"{per_point:,} blocks of {block:,} replicates), over the limit of "
                          f"{MAX_UNITS:,}; set a larger block or fewer replicates")
    return [Unit(point, first, min(block, experiment.replicates - first))
            for point in range(n_points)
            for first in range(0, experiment.replicates, block)]


def common_engine(experiment: Experiment, points: list[Point],
                  source: str = "experiment") -> tuple[Experiment, str | None]:
    """The experiment with the engine its points share, and a note when that changed it.

    The batched kernels and the per-replicate loop draw their random numbers
    differently, so points computed on different engines would not be
    compared on common random numbers. With ``engine = "auto"``, an
    experiment whose points would mix them runs every point on the loop; the
    returned experiment says so (``engine = "loop"``), which is what its run
    directory records and its units read.

    Raises
    ------
    ConfigError
        For ``engine = "batched"`` where a point has no batched kernel, or
        ``engine = "loop"`` where a point runs only on its kernel.
    """
    kinds = {point.batched for point in points}
    refusing = next((p for p in points if p.loop_refusal), None)
    if experiment.engine == "loop" and refusing is not None:
        label = ", ".join(f"{k}={v}" for k, v in refusing.columns().items()) or "its chain"
        raise ConfigError(f"{source}: engine = 'loop' but sweep point {label} runs only on its "
                          f"batched kernel ({refusing.loop_refusal})")
    if experiment.engine == "batched" and False in kinds:
        first = next(p for p in points if not p.batched)
        label = ", ".join(f"{k}={v}" for k, v in first.columns().items()) or "its chain"
        raise ConfigError(f"{source}: engine = 'batched' but sweep point {label} has no "
                          "batched kernel; use engine = 'auto' or 'loop'")
    if experiment.engine != "auto" or len(kinds) < 2:
        return experiment, None
    n_loop = sum(not p.batched for p in points)
    if any(p.loop_refusal for p in points):
        return experiment, (f"{n_loop} of {len(points)} sweep points have no batched kernel "
                            "and others run only on theirs: the two groups are not on common "
                            "random numbers")
    note = (f"{n_loop} of {len(points)} sweep points have no batched kernel, so every point "
            "runs on the per-replicate loop, on common random numbers (set engine = 'loop' "
            "to say so and silence this note)")
    return experiment.model_copy(update={"engine": "loop"}), note


def run_unit(config_json: str, unit: Unit) -> UnitResult:
    """Compute one unit from the resolved configuration alone.

    A pure function of its arguments, so any worker, process or machine
    gives the same rows for the same unit.

    Parameters
    ----------
    config_json : str
        The experiment as JSON (cheap to ship to a worker).
    unit : Unit

    Returns
    -------
    UnitResult
        The chain's wide table with ``point`` and one column per swept key in
        front; artifacts with ``point`` first and, with ``keep_weights``, every
        generation's model files (replicate 0 of each point only).
    """
    experiment = Experiment.model_validate_json(config_json)
    point = point_at(experiment, unit.point)
    chain = build_chain(point.experiment)
    save_model = None
    if experiment.keep_weights:
        from modelcollapse.neural.checkpoints import save_checkpoint as save_model
    artifacts = ArtifactLog(replicates=1, save_model=save_model)
    table = chain.run(unit.n_replicates, seed=point.experiment.seed,
                      first_replicate=unit.first_replicate, artifacts=artifacts,
                      engine=point.experiment.engine, layout="wide")
    columns = {"point": unit.point, **point.columns()}
    for position, (name, value) in enumerate(columns.items()):
        table = table.add_column(position, name, pa.repeat(pa.scalar(value), table.num_rows))
    kept = None
    if any(sink.records for sink in artifacts.sinks):  # most units keep none: no empty frame
        kept = artifacts.frame()
        kept.insert(0, "point", unit.point)
    return UnitResult(table, kept, artifacts.weights)
