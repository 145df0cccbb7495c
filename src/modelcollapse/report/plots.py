"""Figures drawn as plain matplotlib ``Figure`` objects.

matplotlib is imported only when a figure is drawn, and pyplot never, so a
notebook's backend and global state are left alone.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from modelcollapse.core.labels import number
from modelcollapse.report.display import display
from modelcollapse.report.intervals import interval_note, mean_interval

__all__ = [
    "draw_metric",
    "line_style",
    "plot_curves",
    "plot_distributions",
    "plot_error_by_policy",
    "plot_metric",
    "plot_post_chain",
    "plot_post_fit",
    "summarise_errors",
    "wants_log_scale",
]


def _figure(nrows: int = 1, ncols: int = 1, **kwargs):
    """A figure and its axes, without pyplot: no global state, no backend switch."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=kwargs.pop("figsize", None))
    return fig, fig.subplots(nrows, ncols, **kwargs)


def _colours(name: str):
    import matplotlib

    return matplotlib.colormaps[name]


def _save(fig, path, dpi: int = 150) -> Path:
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


def plot_post_fit(post, path: Path) -> Path:
    """The post's first figure: truth, the fitted cubic and its 30 samples."""
    fig, ax = _figure(figsize=(5, 4))
    ax.plot(post.grid, post.first_fit, label="Model")
    ax.plot(post.grid, post.truth, label="True function")
    ax.scatter(post.X, post.y, edgecolor="b", s=20, label="Samples")
    ax.set(xlabel="x", ylabel="y", xlim=(0, 1), ylim=(-2, 2), title="A cubic fitted to 30 samples")
    ax.legend(loc="best")
    return _save(fig, path)


def plot_post_chain(post, path: Path, generations=(100, 200, 500)) -> Path:
    """The post's second figure: the truth and chain models 100, 200 and 500."""
    fig, ax = _figure(figsize=(5, 4))
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
    """Mean, its standard error and 95% Student-t interval, median and 2.5–97.5% quantiles.

    One row per ``by`` value and generation.

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
    summary["mean_low"], summary["mean_high"] = mean_interval(summary["mean"], summary["sd"],
                                                               summary["n"])
    return summary


def plot_error_by_policy(summary: pd.DataFrame, path: Path, theory: pd.DataFrame | None = None,
                         by: str = "policy") -> Path:
    """One panel per policy (own scale) and an overlay of all on a log scale.

    Each panel shows the mean with its 95% confidence band, the median with the
    2.5–97.5% quantile band over replicates, and the theory line where given
    (``theory`` has columns ``policy, generation, value, theory``).
    """
    groups = list(dict.fromkeys(summary[by]))
    fig, axes = _figure(1, len(groups) + 1, figsize=(4.2 * (len(groups) + 1), 3.8))
    colours = _colours("tab10").colors
    overlay = axes[-1]
    for ax, group, colour in zip(axes, groups, colours, strict=False):
        s = summary[summary[by] == group]
        g = s["generation"]
        ax.fill_between(g, s["q025"], s["q975"], color=colour, alpha=0.12,
                        label="2.5-97.5% of replicates")
        ax.plot(g, s["median"], color=colour, ls="--", lw=1, label="median")
        ax.fill_between(g, s["mean_low"], s["mean_high"], color=colour, alpha=0.45)
        ax.plot(g, s["mean"], color=colour, lw=1.6, label="mean (95% t-interval)")
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


def wants_log_scale(values: np.ndarray) -> bool:
    """Log scale for positive values spanning more than two decades."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return bool(len(values)) and values.min() > 0 and values.max() / values.min() > 100


LINE_STYLES = ("-", "--", ":", "-.")
MARKERS = (None, "o", "s", "^")


def line_style(index: int) -> dict:
    """Colour, dash and marker of line ``index``: distinct for the first 160 lines.

    The ten tab10 colours come first, then each again dashed, dotted and
    dash-dotted, then all forty again with a marker.
    """
    import matplotlib

    colours = matplotlib.colormaps["tab10"].colors
    return {"color": colours[index % 10], "ls": LINE_STYLES[index // 10 % 4],
            "marker": MARKERS[index // 40 % 4], "markersize": 3}


_WRAP = 45
"""Characters per line of a panel title or legend entry before it wraps."""


def _legend_columns(labels: list[str]) -> int:
    # A legend no taller than about twenty entries, so it never outgrows the figure.
    return max(1, -(-len(labels) // 20))


def draw_metric(summary: pd.DataFrame, metric: str, *, ax=None, by: str = "label",
                facet: str | None = None, band: str = "ci", theory: pd.DataFrame | None = None,
                log: bool | None = None, title: str | None = None, legend_title: str | None = None):
    """Draw one metric across generations and return the matplotlib ``Figure``.

    A line per group with its band, one style per group across panels, theory
    in black where given, integer generation ticks, the axis named and
    unit-labelled from :mod:`modelcollapse.report.display`, the legend
    outside the axes.

    Parameters
    ----------
    summary : pandas.DataFrame
        Rows ``metric, generation, n, mean, sd, median, q025, q975`` and the
        ``by`` (and ``facet``) column.
    metric : str
    ax : matplotlib.axes.Axes or None
        Draw into this axes (one panel: ``facet`` must be None); ``None``
        makes a new figure.
    by : str, default "label"
        Column naming the groups (one line each).
    facet : str or None
        Column splitting the groups into side-by-side panels with a shared y axis.
    band : {"ci", "quantiles"}, default "ci"
        The 95% Student-t interval of the mean (none for one replicate), or the
        2.5–97.5% quantiles over replicates around the median. Either is computed
        within one group, never across groups.
    theory : pandas.DataFrame or None
        Rows ``<by>, [<facet>,] generation, value, theory`` overlaid in black:
        solid for the exact prediction, dotted for approximations.
    log : bool or None
        Log y axis; ``None`` decides from the data (:func:`wants_log_scale`).
    title : str or None
        Replaces the title made from the metric's display name.
    legend_title : str or None
        Heading of the legend (the swept key the lines stand for).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

    if ax is not None and facet is not None:
        raise ValueError("ax= draws one panel; leave facet=None or let draw_metric make "
                         "the figure")
    shown = display(metric)
    rows = summary[summary["metric"] == metric]
    low, high = mean_interval(rows["mean"], rows["sd"], rows["n"])
    rows = rows.assign(mean_low=low, mean_high=high)
    centre, low, high = (("mean", "mean_low", "mean_high") if band == "ci"
                         else ("median", "q025", "q975"))
    panels = [None] if facet is None else list(dict.fromkeys(rows[facet]))
    groups = list(dict.fromkeys(rows[by]))
    style_of = {group: line_style(i) for i, group in enumerate(groups)}
    labels = [str(g) for g in groups]
    if ax is None:
        ncols = 2 if len(panels) == 4 else min(3, len(panels))
        nrows = -(-len(panels) // ncols)
        longest = max((len(label) for label in labels), default=0)
        legend_width = _legend_columns(labels) * (0.7 + 0.062 * min(longest, _WRAP))
        fig = Figure(figsize=(max(5.0, 3.6 * ncols) + legend_width, 3.1 * nrows + 0.7),
                     layout="constrained")
        axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False).ravel()
        for extra in axes[len(panels):]:
            extra.set_visible(False)
    else:
        fig, axes = ax.figure, np.array([ax])
    use_log = log if log is not None else wants_log_scale(rows[centre])
    handles = {}
    for panel_ax, panel in zip(axes, panels, strict=False):
        part = rows if panel is None else rows[rows[facet] == panel]
        for group, line in part.groupby(by, sort=False):
            style = style_of[group]
            panel_ax.fill_between(line["generation"], line[low], line[high],
                                  color=style["color"], alpha=0.18, linewidth=0)
            (handle,) = panel_ax.plot(line["generation"], line[centre], lw=1.5, **style)
            handles.setdefault(str(group), handle)
        if theory is not None and len(theory):
            lines = theory if panel is None else theory[theory[facet] == panel]
            for (_, name), line in lines.groupby([by, "theory"], sort=False):
                (handle,) = panel_ax.plot(line["generation"], line["value"], color="black",
                                          ls="-" if name == "exact" else ":", lw=0.9)
                handles.setdefault(f"theory ({name})", handle)
        if use_log:
            panel_ax.set_yscale("log")
            # Plain tick labels: mathtext ones would print as raw TeX when figure texts are
            # drawn literally (report.literal_text).
            panel_ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, trim=True)))
            panel_ax.yaxis.set_minor_formatter(NullFormatter())
        panel_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        panel_ax.set(xlabel="generation")
        if panel is not None:
            panel_ax.set_title(textwrap.fill(str(panel), _WRAP - 5), fontsize=9)
        panel_ax.tick_params(labelleft=True)
    for panel_ax in axes[:len(panels)]:
        panel_ax.set_ylabel(shown.axis_label() if panel_ax.get_subplotspec() is None
                            or panel_ax.get_subplotspec().is_first_col() else "")
    if band == "ci":
        what = f"mean; {interval_note(rows['n'])}"
    else:
        what = "median and 2.5\u201397.5% of replicates"
    heading = title or f"{shown.title}: {what}"
    names = [textwrap.fill(name, _WRAP) for name in handles]
    if ax is None:
        fig.suptitle(heading, fontsize=11)
        fig.legend(handles.values(), names, loc="outside right center", fontsize=8,
                   frameon=False, ncols=_legend_columns(list(handles)), title=legend_title,
                   title_fontsize=8)
    else:
        ax.set_title(heading, fontsize=10)
        ax.legend(handles.values(), names, loc="upper left", bbox_to_anchor=(1.02, 1),
                  borderaxespad=0, fontsize=8, frameon=False, title=legend_title,
                  ncols=_legend_columns(list(handles)))
    return fig


def plot_metric(summary: pd.DataFrame, metric: str, path: Path, *, dpi: int = 150,
                **kwargs) -> Path:
    """Draw one metric across generations (:func:`draw_metric`) into a file.

    Parameters
    ----------
    summary : pandas.DataFrame
    metric : str
    path : Path or file-like
        Output; a path's suffix picks the format (png, svg, pdf).
    dpi : int, default 150
        Resolution of a raster format.
    **kwargs
        As for :func:`draw_metric`, but ``ax``.
    """
    return _save(draw_metric(summary, metric, **kwargs), path, dpi)


def plot_curves(grid: np.ndarray, truth: np.ndarray, curves: dict[int, np.ndarray], path: Path,
                title: str) -> Path:
    """The truth and fitted curves of selected generations (a regression gallery panel)."""
    fig, ax = _figure(figsize=(4.2, 3.4))
    ax.plot(grid, truth, color="black", lw=2, label="truth")
    colours = _colours("viridis")
    for i, (generation, curve) in enumerate(sorted(curves.items())):
        ax.plot(grid, curve, color=colours(i / max(len(curves) - 1, 1)), lw=1.2,
                label=f"generation {generation}")
    spread = np.ptp(truth) or 1.0
    ax.set_ylim(truth.min() - spread, truth.max() + spread)
    ax.set(xlabel="x", ylabel="y", title=title)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _save(fig, path)


def plot_distributions(values: dict[int, np.ndarray], path: Path, *, title: str = "",
                       xlabel: str = "value") -> Path:
    """Histograms of one quantity at several generations, overlaid as outlines.

    Parameters
    ----------
    values : dict of int to ndarray
        Generation → the values kept then (per-sequence perplexities, say).
    path : Path or file-like
    """
    fig, ax = _figure(figsize=(6, 3.6))
    finite = [v[np.isfinite(v)] for v in values.values()]
    pooled = np.concatenate(finite) if finite else np.zeros(0)
    if len(pooled) == 0:
        ax.text(0.5, 0.5, "no finite values", ha="center", transform=ax.transAxes)
        return _save(fig, path)
    log = wants_log_scale(pooled)
    low, high = pooled.min(), pooled.max()
    bins = (np.geomspace(low, high, 40) if log and low > 0
            else np.linspace(low, high if high > low else low + 1, 40))
    colours = _colours("viridis")
    for i, (generation, v) in enumerate(sorted(values.items())):
        ax.hist(v[np.isfinite(v)], bins=bins, histtype="step", density=True, lw=1.5,
                color=colours(i / max(1, len(values) - 1)), label=f"generation {generation}")
    if log and low > 0:
        ax.set_xscale("log")
    ax.set(xlabel=xlabel, ylabel="density", title=title)
    ax.legend(loc="best", fontsize="small")
    return _save(fig, path)
