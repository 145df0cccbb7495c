"""The main job: the post's demonstration, and what the post could not show."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from modelcollapse.core.chain import Chain
from modelcollapse.core.errors import UsageError
from modelcollapse.core.provenance import environment, now
from modelcollapse.core.results import metric_names, tidy, write_parquet
from modelcollapse.demo.legacy import run_post_demo
from modelcollapse.families.regression.model import PolynomialRegression
from modelcollapse.families.regression.theory import polynomial_chain_theory
from modelcollapse.families.regression.world import cosine_world
from modelcollapse.policies.training_sets import Accumulate, FreshReal, Replace
from modelcollapse.report.plots import (
    plot_error_by_policy,
    plot_post_chain,
    plot_post_fit,
    summarise_errors,
)

__all__ = ["SUMMARY_GENERATIONS", "DemoResult", "DemoSettings", "run_demo"]

SUMMARY_GENERATIONS = (1, 10, 100, 200, 500)
FORMATS = ("png", "svg")
MAX_CHAIN_GENERATIONS = 5_000_000
"""Most ``replicates * generations`` per policy: the demo holds every row in memory (about
200 bytes per chain-generation), where an experiment file's run writes blocks as it goes."""
COEFFICIENT_REPLICATES = 100
"""``results.parquet`` keeps the coefficients of replicates 0 to 99 of each policy."""
LIMITS = {"generations": 100_000, "replicates": 1_000_000, "samples": 100_000, "degree": 20}


@dataclass(frozen=True)
class DemoSettings:
    """Settings of ``modelcollapse demo``; the defaults are the post's."""

    generations: int = 500
    replicates: int = 1000
    samples: int = 30
    degree: int = 3
    noise: float = 0.1
    seed: int = 0
    out: Path = Path("demo")
    format: str = "png"

    def check(self) -> None:
        """Raise :class:`UsageError` naming the first impossible value and its fix."""
        if self.samples < 1:
            raise UsageError(f"--samples {self.samples} must be at least 1")
        if self.degree < 0:
            raise UsageError(f"--degree {self.degree} must be 0 or more")
        if self.degree >= self.samples:
            raise UsageError(
                f"--degree {self.degree} must be smaller than --samples {self.samples} "
                f"(a unique fit needs more points than the degree): lower --degree or "
                f"raise --samples to at least {self.degree + 1}")
        if not self.noise >= 0 or self.noise == float("inf"):
            raise UsageError(f"--noise {self.noise} must be a finite number 0 or more")
        if self.generations < 0:
            raise UsageError(f"--generations {self.generations} must be 0 or more")
        if self.replicates < 1:
            raise UsageError(f"--replicates {self.replicates} must be at least 1")
        if not 0 <= self.seed < 2**32:
            raise UsageError(f"--seed {self.seed} must be between 0 and 4294967295 (the "
                             "post's legacy numpy stream takes 32-bit seeds)")
        if self.noise > 1e6:
            raise UsageError(f"--noise {self.noise:g} is over the limit of 1e6 (the labels "
                             "would overflow); choose a smaller noise")
        for key, limit in LIMITS.items():
            if getattr(self, key) > limit:
                raise UsageError(f"--{key} {getattr(self, key)} is over the limit of {limit:,}"
                                 f"; choose a smaller --{key}")
        if self.replicates * self.generations > MAX_CHAIN_GENERATIONS:
            raise UsageError(f"--replicates x --generations = "
                             f"{self.replicates * self.generations:,} is over the demo's limit "
                             f"of {MAX_CHAIN_GENERATIONS:,} (it keeps every row in memory); "
                             "lower one, or run experiments/post-demo.toml with "
                             "'modelcollapse run', which writes replicates in blocks")
        if self.format not in FORMATS:
            raise UsageError(f"--format {self.format!r} is not supported: use png or svg")


@dataclass(frozen=True)
class DemoResult:
    """Where the demo wrote its files, and its summary table."""

    out: Path
    files: list[Path]
    summary: pd.DataFrame


def _prepare_output(out: Path) -> None:
    """Make ``out`` and prove it is writable before any work is done."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise UsageError(
            f"--out {str(out)!r} is not a writable folder ({error.strerror}): "
            "choose another folder with --out") from None


def _coefficients_of_first(table: pa.Table) -> pa.Table:
    """``table`` with the coefficients of replicates from :data:`COEFFICIENT_REPLICATES` on null.

    Every replicate's error stays; the coefficients of all of them would
    quadruple the file (about 17 MB more at the defaults) for what no figure draws.
    """
    later = pc.greater_equal(table.column("replicate"), COEFFICIENT_REPLICATES)
    for name in metric_names(table):
        if name.startswith("coef_"):
            index = table.schema.get_field_index(name)
            column = pc.if_else(later, pa.scalar(None, pa.float64()), table.column(name))
            table = table.set_column(index, name, column)
    return table


def summary_table(summary: pd.DataFrame, theory: pd.DataFrame,
                  generations=SUMMARY_GENERATIONS) -> pd.DataFrame:
    """Mean error ± standard error at a few generations per policy, with theory."""
    rows = summary[summary["generation"].isin(generations)]
    table = rows[["policy", "generation", "mean", "se", "median"]].copy()
    exact = theory[theory["theory"] == "exact"][["policy", "generation", "value"]]
    table = table.merge(exact.rename(columns={"value": "theory"}), how="left",
                        on=["policy", "generation"])
    return table.reset_index(drop=True)


def run_demo(settings: DemoSettings, progress=print) -> DemoResult:
    """Run the demo and write figures, Parquet results and ``run.json`` into ``settings.out``.

    Parameters
    ----------
    settings : DemoSettings
    progress : callable, default print
        Receives one line per step.
    """
    settings.check()
    out = Path(settings.out)
    _prepare_output(out)
    try:
        return _run_demo(settings, out, progress)
    except OSError as error:  # the disk filled up, or the folder became read-only
        raise UsageError(f"--out {str(out)!r}: cannot write there ({error.strerror}); free "
                         "space or choose another folder with --out") from None


def _run_demo(settings: DemoSettings, out: Path, progress) -> DemoResult:
    started = now()
    ext = settings.format
    files: list[Path] = []

    progress(f"replaying the post's chain ({settings.generations} generations, seed "
             f"{settings.seed}, legacy stream)")
    post = run_post_demo(settings.generations, settings.samples, settings.degree,
                         settings.noise, settings.seed)
    files.append(plot_post_fit(post, out / f"post_fit.{ext}"))
    post_frame = post.frame().assign(policy="replace")
    write_parquet(post_frame, out / "post.parquet")
    files.append(out / "post.parquet")

    world = cosine_world(noise=settings.noise)
    model = PolynomialRegression(degree=settings.degree)
    policies = (Replace(), Accumulate(), FreshReal(0.1))
    tables = []
    for policy in policies:
        progress(f"{settings.replicates} replicates under {policy.label}")
        chain = Chain(world, model, policy, settings.samples, settings.generations)
        table = chain.run(settings.replicates, seed=settings.seed, layout="wide")
        labels = pa.DictionaryArray.from_arrays(
            pa.array(np.full(table.num_rows, len(tables), dtype=np.int8)),
            pa.array([p.label for p in policies]))
        tables.append(_coefficients_of_first(table.add_column(0, "policy", labels)))
    table = pa.concat_tables(tables)
    write_parquet(table, out / "results.parquet")
    files.append(out / "results.parquet")
    results = tidy(table)

    theory = pd.DataFrame(columns=["policy", "generation", "metric", "value", "theory"])
    if settings.samples > settings.degree + 2:
        prediction = polynomial_chain_theory(world, settings.degree, settings.samples,
                                             settings.noise, seed=settings.seed)
        theory = prediction.frame(settings.generations).assign(policy=Replace().label)
    write_parquet(theory, out / "theory.parquet")
    files.append(out / "theory.parquet")

    summary = summarise_errors(results)
    table = summary_table(summary, theory)
    if settings.generations:
        files.append(plot_post_chain(post, out / f"post_chain.{ext}"))
        files.append(plot_error_by_policy(summary, out / f"replicates.{ext}", theory))
    write_parquet(summary, out / "summary.parquet")
    files.append(out / "summary.parquet")

    record = {"command": "demo", "settings": {**asdict(settings), "out": str(out)},
              "policies": [p.label for p in policies], "started": started, "finished": now(),
              **environment()}
    (out / "run.json").write_text(json.dumps(record, indent=2) + "\n")
    files.append(out / "run.json")
    return DemoResult(out, files, table)
