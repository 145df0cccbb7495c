"""The phase diagram of staleness against contamination: which way of keeping a model wins where.

A run that sweeps a world's drift rate against policies — web-scrape
retraining at several constant model-written shares, and options that do not
depend on the share (frozen, retrieval, fresh-only) — is summarised at one
generation: for every (drift rate, contamination share) cell the option with
the lowest mean error wins; a cell whose runner-up is within two standard
errors is marked as a tie.

Which points are constant-share scrapes is read from each point's stored
policy settings (:attr:`~modelcollapse.report.runs.RunView.policies`), never
from the labels in the rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from modelcollapse.report.display import display

__all__ = ["SCRAPE", "is_phase_run", "phase_table", "phase_winners", "plot_phase_diagram",
           "scrape_shares"]

SCRAPE = "web-scrape"
"""The option whose error depends on the contamination share."""

TIE_Z = 2.0
"""A winner whose lead is below this many standard errors is called a tie."""


def scrape_shares(policies: Mapping[int, dict[str, Any]]) -> dict[int, float]:
    """The model-written share of every point whose policy is a constant-share web scrape.

    Parameters
    ----------
    policies : mapping of int to dict
        Each point's policy settings, e.g. ``{"name": "web-scrape", "schedule":
        "constant", "end": 0.25}``; the share is ``end``, which such a point names.
    """
    return {point: float(policy["end"]) for point, policy in policies.items()
            if policy.get("name") == SCRAPE and policy.get("schedule") == "constant"
            and "end" in policy}


def is_phase_run(frame: pd.DataFrame, policies: Mapping[int, dict[str, Any]],
                 drift: str = "world.drift") -> bool:
    """Whether ``frame`` sweeps ``drift`` and policies, some of them constant-share scrapes."""
    return (drift in frame.columns and "policy" in frame.columns
            and bool(set(scrape_shares(policies)) & set(frame["point"].unique())))


def phase_table(frame: pd.DataFrame, policies: Mapping[int, dict[str, Any]], *,
                metric: str = "w2", generation: int | None = None,
                drift: str = "world.drift") -> pd.DataFrame:
    """Mean error and its standard error per drift rate, option and contamination share.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy rows of a run with ``point``, ``drift`` and ``policy`` columns.
    policies : mapping of int to dict
        Each point's policy settings (:func:`scrape_shares`).
    metric : str, default "w2"
    generation : int or None
        Generation compared; ``None`` takes the last one.
    drift : str, default "world.drift"
        The column holding the drift rate.

    Returns
    -------
    pandas.DataFrame
        Columns ``drift, option, share, mean, se, n``; ``share`` is NaN for
        options that do not depend on it (every policy but constant web-scrape).

    Raises
    ------
    ValueError
        If the frame is no phase run, or holds no rows of ``metric``.
    """
    if not is_phase_run(frame, policies, drift):
        raise ValueError(f"a phase diagram needs a run that sweeps {drift!r} and constant "
                         "web-scrape policies beside the others")
    rows = frame[(frame["metric"] == metric) & (frame["status"] == "ok")]
    if rows.empty:
        raise ValueError(f"no rows of metric {metric!r}: choose one the run measured")
    generation = int(rows["generation"].max()) if generation is None else generation
    rows = rows[rows["generation"] == generation]
    rows = rows.assign(share=rows["point"].map(scrape_shares(policies)))
    stats = (rows.groupby([drift, "policy", "share"], observed=True, dropna=False)["value"]
             .agg(mean="mean", sd="std", n="count").reset_index())
    shares = stats["share"]
    return pd.DataFrame({
        "drift": stats[drift].astype(float),
        "option": np.where(shares.notna(), SCRAPE, stats["policy"].astype(str)),
        "share": shares.astype(float),
        "mean": stats["mean"],
        "se": stats["sd"] / np.sqrt(stats["n"]),
        "n": stats["n"],
    })


def phase_winners(table: pd.DataFrame) -> pd.DataFrame:
    """The winning option of every (drift rate, contamination share) cell.

    Returns
    -------
    pandas.DataFrame
        Columns ``drift, share, winner, runner_up, lead_z, tie``: the lead is
        the runner-up's mean minus the winner's, in standard errors of that
        difference.
    """
    shares = sorted(table["share"].dropna().unique())
    fixed = table[table["share"].isna()]
    cells = []
    for drift, at_drift in table.groupby("drift"):
        for share in shares:
            candidates = pd.concat([fixed[fixed["drift"] == drift],
                                    at_drift[at_drift["share"] == share]])
            ranked = candidates.sort_values("mean")
            best, second = ranked.iloc[0], ranked.iloc[min(1, len(ranked) - 1)]
            spread = np.hypot(best["se"], second["se"])
            if not np.isfinite(spread):  # one replicate: no error bar, so no clear winner
                lead = np.nan
            else:
                lead = (second["mean"] - best["mean"]) / spread if spread > 0 else np.inf
            cells.append((drift, share, best["option"], second["option"], lead,
                          len(ranked) > 1 and not lead >= TIE_Z))
    return pd.DataFrame(cells, columns=["drift", "share", "winner", "runner_up", "lead_z", "tie"])


def plot_phase_diagram(frame: pd.DataFrame, policies: Mapping[int, dict[str, Any]], path, *,
                       metric: str = "w2", generation: int | None = None,
                       drift: str = "world.drift") -> Path:
    """Draw the winner map and, beside it, every option's error against the drift rate.

    Left: one cell per (drift rate, contamination share), coloured by the
    option with the lowest mean ``metric``; hatched cells are ties (lead
    under two standard errors). Right: the mean error of each option at that
    generation against the drift rate, scrape retraining as one line per
    share, so both the winner and the size of its lead show at a glance.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy rows of a phase run (see :func:`phase_table`).
    policies : mapping of int to dict
        Each point's policy settings (:func:`scrape_shares`).
    path : str, Path or file object
        Where the figure goes (png, svg, pdf by extension).
    metric, generation, drift
        As in :func:`phase_table`.
    """
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    shown = display(metric)
    table = phase_table(frame, policies, metric=metric, generation=generation, drift=drift)
    winners = phase_winners(table)
    generation = int(frame.loc[frame["metric"] == metric, "generation"].max()
                     if generation is None else generation)
    drifts = sorted(table["drift"].unique())
    shares = sorted(table["share"].dropna().unique())
    options = [*dict.fromkeys(table.loc[table["share"].isna(), "option"]), SCRAPE]
    palette = [c for i, c in enumerate(matplotlib.colormaps["tab10"].colors) if i != 3]
    colour = {option: palette[i % 9] for i, option in enumerate(options[:-1])}
    colour[SCRAPE] = matplotlib.colormaps["tab10"].colors[3]  # red, as the share lines

    fig = Figure(figsize=(12, 4.6))
    grid_ax, curve_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
    for _, cell in winners.iterrows():
        x, y = drifts.index(cell["drift"]), shares.index(cell["share"])
        grid_ax.add_patch(matplotlib.patches.Rectangle(
            (x - 0.5, y - 0.5), 1, 1, facecolor=colour[cell["winner"]], edgecolor="white",
            hatch="///" if cell["tie"] else None, alpha=0.85))
    grid_ax.set(xlim=(-0.5, len(drifts) - 0.5), ylim=(-0.5, len(shares) - 0.5),
                xticks=range(len(drifts)), xticklabels=[f"{d:g}" for d in drifts],
                yticks=range(len(shares)), yticklabels=[f"{s:g}" for s in shares],
                xlabel="drift rate per generation", ylabel="model-written share of the scrape",
                title=f"lowest mean {shown.name} at generation {generation}")
    handles = [Patch(facecolor=colour[o], label=o) for o in options]
    handles.append(Patch(facecolor="white", edgecolor="grey", hatch="///",
                         label=f"tie (lead < {TIE_Z:g} SE)"))
    grid_ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(0, -0.14),
                   ncol=3, frameon=False)

    positions = np.arange(len(drifts))
    for option in options[:-1]:
        rows = table[table["option"] == option].sort_values("drift")
        curve_ax.errorbar([drifts.index(d) for d in rows["drift"]], rows["mean"],
                          yerr=2 * rows["se"], color=colour[option], lw=2, capsize=2,
                          label=option)
    shades = matplotlib.colormaps["Reds"]  # the scrape's colour in the map, darker when dirtier
    for share in shares:
        rows = table[table["share"] == share].sort_values("drift")
        curve_ax.errorbar([drifts.index(d) for d in rows["drift"]], rows["mean"],
                          yerr=2 * rows["se"], color=shades(0.3 + 0.65 * share), lw=1,
                          ls="--", capsize=2, label=f"{SCRAPE}, share {share:g}")
    curve_ax.set(yscale="log", xticks=positions, xticklabels=[f"{d:g}" for d in drifts],
                 xlabel="drift rate per generation", ylabel=f"mean {shown.name} (±2 SE)",
                 title="every option against the current truth")
    curve_ax.legend(fontsize=7, loc="upper left")
    fig.savefig(path, dpi=150, bbox_inches="tight")
    return path
