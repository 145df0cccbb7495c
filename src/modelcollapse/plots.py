"""Figures. matplotlib is imported only when a figure is drawn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["plot_error_by_policy", "plot_post_chain", "plot_post_fit", "summarise_errors"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=150, bbox_inches="tight")
    _pyplot().close(fig)
    return path


def plot_post_fit(post, path: Path) -> Path:
    """The post's first figure: truth, the fitted cubic and its 30 samples."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(post.grid, post.first_fit, label="Model")
    ax.plot(post.grid, post.truth, label="True function")
    ax.scatter(post.X, post.y, edgecolor="b", s=20, label="Samples")
    ax.set(xlabel="x", ylabel="y", xlim=(0, 1), ylim=(-2, 2), title="A cubic fitted to 30 samples")
    ax.legend(loc="best")
    return _save(fig, path)


def plot_post_chain(post, path: Path, generations=(100, 200, 500)) -> Path:
    """The post's second figure: the truth and chain models 100, 200 and 500."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(post.grid, post.truth, color="black", lw=2, label="True function")
    for g in generations:
        if g <= len(post.chain_curves):
            ax.plot(post.grid, post.chain_curves[g - 1], label=f"Model {g}")
    ax.set(xlabel="x", ylabel="y", xlim=(0, 1), ylim=(-2, 2),
           title="Each model trained on its predecessor's samples")
    ax.legend(loc="best")
    return _save(fig, path)


def summarise_errors(frame: pd.DataFrame, by: str = "policy",
                     metric: str = "mse_to_truth") -> pd.DataFrame:
    """Mean, its standard error and 95% interval, median and 2.5–97.5% quantiles per generation.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy rows with a ``by`` column.
    by : str, default "policy"
    metric : str, default "mse_to_truth"
    """
    rows = frame[(frame["metric"] == metric) & (frame["status"] == "ok")]
    grouped = rows.groupby([by, "generation"], observed=True)["value"]
    summary = grouped.agg(mean="mean", sd="std", n="count", median="median")
    summary["q025"] = grouped.quantile(0.025)
    summary["q975"] = grouped.quantile(0.975)
    summary = summary.reset_index()
    summary["se"] = summary["sd"] / np.sqrt(summary["n"])
    summary["mean_low"] = summary["mean"] - 1.96 * summary["se"]
    summary["mean_high"] = summary["mean"] + 1.96 * summary["se"]
    return summary


def plot_error_by_policy(summary: pd.DataFrame, path: Path, theory: pd.DataFrame | None = None,
                         by: str = "policy") -> Path:
    """One panel per policy (own scale) and an overlay of all on a log scale.

    Each panel shows the mean with its 95% confidence band, the median with the
    2.5–97.5% quantile band over replicates, and the theory line where given
    (``theory`` has columns ``policy, generation, value, theory``).
    """
    plt = _pyplot()
    groups = list(dict.fromkeys(summary[by]))
    fig, axes = plt.subplots(1, len(groups) + 1, figsize=(4.2 * (len(groups) + 1), 3.8))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    overlay = axes[-1]
    for ax, group, colour in zip(axes, groups, colours, strict=False):
        s = summary[summary[by] == group]
        g = s["generation"]
        ax.fill_between(g, s["q025"], s["q975"], color=colour, alpha=0.12,
                        label="2.5-97.5% of replicates")
        ax.plot(g, s["median"], color=colour, ls="--", lw=1, label="median")
        ax.fill_between(g, s["mean_low"], s["mean_high"], color=colour, alpha=0.45)
        ax.plot(g, s["mean"], color=colour, lw=1.6, label="mean (95% CI)")
        if theory is not None:
            for (name, rows), style in zip(
                    theory[theory[by] == group].groupby("theory", sort=False), ("-", ":"),
                    strict=False):
                ax.plot(rows["generation"], rows["value"], color="black", ls=style, lw=1,
                        label=f"theory ({name})")
        ax.set(title=str(group), xlabel="generation", ylabel="MSE to the true function")
        ax.legend(fontsize=7, loc="upper left")
        overlay.plot(g, s["mean"], color=colour, label=str(group))
    overlay.set(yscale="log", title="mean error, all policies", xlabel="generation")
    overlay.legend(fontsize=7)
    fig.tight_layout()
    return _save(fig, path)
