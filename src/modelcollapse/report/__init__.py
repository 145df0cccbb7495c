"""Figures and self-contained HTML reports of run directories."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from modelcollapse.experiment.store import RunError
from modelcollapse.report.html import render_report
from modelcollapse.report.runs import RunView

__all__ = ["RunView", "literal_text", "plot_run", "run_figure", "write_report"]


@contextmanager
def literal_text():
    """Draw every figure text as written, never as mathtext.

    A ``$`` in a corpus path or a swept value would otherwise fail to parse or be typeset.
    """
    import matplotlib

    with matplotlib.rc_context({"text.parse_math": False}):
        yield


def write_report(runs: list[str | Path], out: str | Path, band: str = "ci") -> Path:
    """Write the HTML report of one run (or a comparison of several) to ``out``."""
    views = [RunView(Path(run)) for run in runs]
    out = Path(out)
    partial = out.with_name(f".{out.name}.partial")
    try:
        with literal_text():
            html = render_report(views, band)
        partial.write_text(html, encoding="utf-8")
        partial.replace(out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise RunError(f"-o {out}: cannot write the report ({error.strerror}); "
                       "choose another file") from None
    return out


def run_figure(run: str | Path, metric: str | None = None, *, by: str | None = None,
               band: str = "ci", ax=None):
    """Draw one metric of a run across generations and return the matplotlib ``Figure``.

    For notebooks: nothing is written, and ``ax`` places a one-panel figure
    into an existing layout. Sweeps with two or more varying keys get one
    panel per value of the first (or of the keys other than ``by``), and the
    theory where it exists.

    Parameters
    ----------
    run : str or Path
        Run directory.
    metric : str or None
        ``None``: the family's headline metric
        (:func:`~modelcollapse.report.display.headline_metric`).
    by : str or None
        A swept key: one line per value, one panel per combination of the
        other swept keys, so every band is over the replicates of one point.
    band : {"ci", "quantiles"}
    ax : matplotlib.axes.Axes or None
        Draw into this axes; only for runs drawn as one panel.

    Raises
    ------
    RunError
        For an unknown metric or swept key, or ``ax`` with a run that needs panels.
    """
    from modelcollapse.report.plots import draw_metric
    from modelcollapse.report.theory import theory_overlay

    view = RunView(Path(run))
    metric = metric or view.headline
    view.check_metric(metric)
    layout = view.layout(by)
    if ax is not None and layout.faceted:
        raise RunError(f"{run}: its sweep is drawn as several panels; leave ax=None to get a "
                       "new figure, or pass by= a key that leaves one panel")
    with literal_text():
        return draw_metric(layout.assign(view.summary), metric, ax=ax, band=band,
                           theory=layout.assign(theory_overlay(view, metric)),
                           facet="panel" if layout.faceted else None,
                           legend_title=layout.legend_title)


def plot_run(run: str | Path, metric: str | None, out: str | Path, *, by: str | None = None,
             band: str = "ci") -> Path:
    """Write :func:`run_figure` to ``out`` (png, svg or pdf, by its suffix).

    Raises
    ------
    RunError
        As :func:`run_figure`, or when ``out`` cannot be written.
    """
    figure = run_figure(run, metric, by=by, band=band)
    try:
        with literal_text():
            figure.savefig(out, dpi=150, bbox_inches="tight")
    except OSError as error:
        raise RunError(f"-o {out}: cannot write the figure ({error.strerror}); "
                       "choose another file") from None
    return Path(out)
