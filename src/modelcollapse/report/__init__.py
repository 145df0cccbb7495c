"""Figures and self-contained HTML reports of run directories."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from modelcollapse.experiment.store import RunError
from modelcollapse.report.html import render_report
from modelcollapse.report.runs import RunView

__all__ = ["RunView", "literal_text", "plot_run", "write_report"]


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


def plot_run(run: str | Path, metric: str, out: str | Path, *, by: str | None = None,
             band: str = "ci") -> Path:
    """Draw one metric of a run across generations, with theory where it exists.

    Parameters
    ----------
    run : str or Path
        Run directory.
    metric : str
    out : str or Path
        Figure file (png, svg or pdf).
    by : str or None
        A swept key: one line per value, pooling the other keys. ``None``: a
        line per sweep point, with the theory overlay.
    band : {"ci", "quantiles"}
    """
    from modelcollapse.plots import plot_metric
    from modelcollapse.report.theory import theory_overlay

    view = RunView(Path(run))
    view.check_metric(metric)
    if by is not None:
        summary, theory = view.summary_by(by), None
    else:
        summary = view.summary
        theory = theory_overlay(view, metric)
        theory = theory.assign(label=theory["point"].map(view.points))
    try:
        with literal_text():
            return plot_metric(summary, metric, Path(out), band=band, theory=theory)
    except OSError as error:
        raise RunError(f"-o {out}: cannot write the figure ({error.strerror}); "
                       "choose another file") from None
