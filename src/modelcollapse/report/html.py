"""The self-contained HTML report: every figure inline, every text escaped, no network."""

from __future__ import annotations

import base64
import io
import json
from html import escape

import numpy as np
import pandas as pd

from modelcollapse.experiment.runner import load
from modelcollapse.experiment.sweep import build_chain
from modelcollapse.plots import plot_curves, plot_metric
from modelcollapse.report.keepsakes import artifact_section
from modelcollapse.report.phase import is_phase_run, plot_phase_diagram
from modelcollapse.report.runs import RunView
from modelcollapse.report.theory import theory_with_notes
from modelcollapse.worlds import RegressionWorld

__all__ = ["render_report"]

_CSS = """
:root { --ink: #1d2330; --muted: #5b6577; --rule: #d9dee7; --accent: #2a5db0; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink);
       max-width: 1100px; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; } h2 { font-size: 1.25rem; margin-top: 2rem;
border-bottom: 1px solid var(--rule); padding-bottom: .2rem; } h3 { font-size: 1.05rem; }
p.lead { font-size: 1.05rem; } .muted { color: var(--muted); }
.warning { background: #fff4e0; border-left: 4px solid #e39b1b; padding: .6rem .8rem; }
.ok { background: #eef7ee; border-left: 4px solid #3c9a48; padding: .6rem .8rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .25rem .6rem; text-align: right; }
th:first-child, td:first-child, td.text { text-align: left; }
figure { margin: 1rem 0; break-inside: avoid; } figure img { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .88rem; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr));
           gap: .8rem; }
.runs { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1.5rem; }
pre { background: #f5f7fa; padding: .7rem; overflow-x: auto; font-size: .8rem; }
.keepsakes { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr));
             gap: .8rem; } .keepsakes pre { max-height: 22rem; white-space: pre-wrap; }
img.pixels { width: 100%; image-rendering: pixelated; } h4 { margin: .4rem 0; font-size: .9rem; }
mark { background: #ffd8a8; border-bottom: 2px solid #e8590c; }
@media print { body { max-width: none; padding: 0; font-size: 11pt; }
               h2 { break-after: avoid; } pre { white-space: pre-wrap; } }
"""


def _e(value) -> str:
    return escape(str(value), quote=True)


def _png(draw, *args, **kwargs) -> str:
    """Run a plotting function into memory and return an ``<img>`` with a data URI."""
    buffer = io.BytesIO()
    draw(*args, buffer, **kwargs)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def _fmt(value: float) -> str:
    return "&ndash;" if value is None or not np.isfinite(value) else f"{value:.4g}"


def _what_was_run(view: RunView) -> str:
    e = view.experiment
    sweep = "; ".join(
        f"{_e(k)} ∈ {{{', '.join(_e(v) for v in (vs if isinstance(vs, list) else [vs]))}}}"
        for k, vs in e.sweep.items())
    swept = {key.split(".")[0] for key in e.sweep}

    def shown(key: str, value) -> str:
        return "<i>(swept)</i>" if key in swept else f"<b>{_e(value)}</b>"

    text = (f"{e.replicates:,} independent chains per sweep point: a "
            f"{shown('model', e.model.label())} model fitted to {shown('samples', e.samples)} "
            f"samples per generation from the {shown('world', e.world.label())} world for "
            f"{shown('generations', e.generations)} generations, each generation trained "
            f"under the {shown('policy', e.policy.label())} data policy (generation 1 on real "
            f"data only). Root seed {shown('seed', e.seed)}.")
    if sweep:
        text += f" Swept: {sweep} ({len(view.points)} points)."
    return f'<p class="lead">{text}</p>'


def _completeness(view: RunView) -> str:
    status = view.status
    total = len(status.done) + len(status.pending) + len(status.broken)
    if view.complete:
        return f'<p class="ok">Complete: all {total} units finished.</p>'
    missing = [u.id for u in status.pending + status.broken]
    shown = ", ".join(_e(m) for m in missing[:10]) + (" …" if len(missing) > 10 else "")
    return (f'<p class="warning">Incomplete: {len(status.done)} of {total} units finished; '
            f"this report shows what exists. Missing: {shown}. Run the same "
            "<code>modelcollapse run</code> command again to finish.</p>")


def _key_numbers(view: RunView, metric: str) -> str:
    rows = view.summary[view.summary["metric"] == metric]
    last = int(rows["generation"].max())
    marks = sorted({1, max(1, last // 10), max(1, last // 2), last})
    header = "".join(f"<th>gen {g}</th>" for g in marks)
    body = []
    for label, part in rows.groupby("label", sort=False):
        part = part.set_index("generation")
        cells = "".join(
            f"<td>{_fmt(part.at[g, 'mean'])} ± {_fmt(part.at[g, 'se'])}<br>"
            f"<span class='muted'>median {_fmt(part.at[g, 'median'])}</span></td>"
            if g in part.index else "<td>&ndash;</td>" for g in marks)
        body.append(f"<tr><td>{_e(label)}</td>{cells}</tr>")
    return (f"<table><caption class='muted'>{_e(metric)}: mean ± standard error over "
            f"replicates, and the median</caption><tr><th>point</th>{header}</tr>"
            f"{''.join(body)}</table>")


def _metric_figures(view: RunView, band: str) -> str:
    parts = []
    facets = view.facets()
    summary = view.summary
    if facets is not None:
        summary = summary.assign(panel=summary["point"].map(facets[0]),
                                 label=summary["point"].map(facets[1]))
    for metric in view.metrics:
        theory, notes = theory_with_notes(view, metric)
        theory = theory.assign(label=theory["point"].map(view.points))
        if facets is not None:
            theory = theory.assign(panel=theory["point"].map(facets[0]),
                                   label=theory["point"].map(facets[1]))
        image = _png(plot_metric, summary, metric, theory=theory, band=band,
                     facet=None if facets is None else "panel")
        note = " The black lines are the closed-form prediction (see SCIENCE.md)." if len(
            theory) else ""
        note += "".join(f" Point {_e(view.points[index])}: {_e(why)}."
                        for index, why in notes.items())
        shaded = ("95% confidence band of the mean" if band == "ci"
                  else "2.5&ndash;97.5% of replicates")
        parts.append(f"<figure id='metric-{_e(metric)}'>{image}<figcaption>{_e(metric)} per "
                     f"generation, one line per sweep point; shaded: {shaded}.{note}"
                     "</figcaption></figure>")
    return "".join(parts)


def _regression_gallery(view: RunView) -> str:
    """Fitted curves of replicate 0 at a few generations, where coefficients were recorded."""
    if "coef_0" not in view.metrics:
        return ""
    panels = []
    for index, label in view.points.items():
        experiment = view.point_experiment(index)
        world = build_chain(experiment).world
        if not isinstance(world, RegressionWorld) or experiment.generations == 0:
            continue
        G = experiment.generations
        generations = sorted({1, max(1, G // 4), max(1, G // 2), G})
        rows = view.rows("point = ? AND replicate = 0 AND starts_with(metric, 'coef_') "
                         "AND generation IN (SELECT unnest(?))", [index, generations])
        if rows.empty:
            continue
        coefficients = rows.pivot(index="generation", columns="metric", values="value")
        coefficients = coefficients[sorted(coefficients.columns, key=lambda c: int(c[5:]))]
        powers = world.grid[:, None] ** np.arange(coefficients.shape[1])
        curves = {int(g): powers @ c.to_numpy() for g, c in coefficients.iterrows()}
        image = _png(plot_curves, world.grid, world.true_function(world.grid), curves,
                     title=f"replicate 0: {label}")
        panels.append(f"<figure>{image}<figcaption>{_e(label)}</figcaption></figure>")
    if not panels:
        return ""
    return ("<h2>Regression curves</h2><p>The fitted curve of replicate 0 at generations 1, "
            f"G/4, G/2 and G against the truth.</p><div class='gallery'>{''.join(panels)}</div>")


def _phase_section(view: RunView, metric: str) -> str:
    """The staleness phase diagram, for runs that sweep drift against web-scrape shares."""
    if not {"world.drift", "policy"} <= set(view.experiment.sweep):
        return ""
    frame = load(view.path)
    if not is_phase_run(frame):
        return ""
    image = _png(plot_phase_diagram, frame, metric=metric)
    return ("<h2>Which option wins where</h2><figure>"
            f"{image}<figcaption>Left: the option with the lowest mean {_e(metric)} at the last "
            "generation, per drift rate and model-written share of the scrape (hatched: a lead "
            "under two standard errors). Right: each option's error against the drift rate."
            "</figcaption></figure>")


def _provenance(view: RunView) -> str:
    record = view.record
    rows = [("experiment", view.name), ("run directory", str(view.path)),
            ("config hash", record.get("config_hash", "")), ("seed", view.experiment.seed),
            ("started", record.get("started")), ("finished", record.get("finished") or "—"),
            ("resumed", ", ".join(record.get("resumed", [])) or "—"),
            ("git commit", record.get("git_commit") or "—"), ("host", record.get("host")),
            ("python", record.get("python"))]
    rows += [(name, version) for name, version in (record.get("versions") or {}).items()]
    body = "".join(f"<tr><td>{_e(k)}</td><td class='text'>{_e(v)}</td></tr>"
                   for k, v in rows)
    config = json.dumps(record.get("config", {}), indent=2, sort_keys=True)
    return (f"<h2>Provenance</h2><table>{body}</table><h3>Resolved configuration</h3>"
            f"<pre>{_e(config)}</pre>")


def _run_section(view: RunView, band: str) -> str:
    headline = [m for m in view.metrics if not m.startswith("coef_")] or view.metrics
    description = view.experiment.description or "(no description)"
    return (f"<h1>{_e(view.name)}</h1><p class='lead'>{_e(description)}</p>"
            f"{_completeness(view)}<h2>What was run</h2>{_what_was_run(view)}"
            f"<h2>Key numbers</h2>{''.join(_key_numbers(view, m) for m in headline)}"
            f"{_phase_section(view, headline[0])}"
            f"<h2>Metrics by generation</h2>{_metric_figures(view, band)}"
            f"{_regression_gallery(view)}{artifact_section(view)}{_provenance(view)}")


def _comparison(views: list[RunView], band: str) -> str:
    shared = [m for m in views[0].metrics if all(m in v.metrics for v in views[1:])]
    figures = []
    for metric in shared:
        combined = pd.concat([v.summary.assign(label=v.name + ": " + v.summary["label"])
                              for v in views], ignore_index=True)
        image = _png(plot_metric, combined, metric, band=band,
                     title=f"{metric}: all runs compared")
        figures.append(f"<figure>{image}<figcaption>{_e(metric)} in every run."
                       "</figcaption></figure>")
    columns = "".join(
        f"<div><h3>{_e(v.name)}</h3><p>{_e(v.experiment.description)}</p>"
        f"{_what_was_run(v)}{_completeness(v)}</div>" for v in views)
    return (f"<h1>Comparison of {len(views)} runs</h1><div class='runs'>{columns}</div>"
            f"<h2>Shared metrics</h2>{''.join(figures) or '<p>No metric is in every run.</p>'}")


def render_report(views: list[RunView], band: str = "ci") -> str:
    """The report of one run, or a side-by-side comparison of several, as one HTML string."""
    if len(views) == 1:
        title, body = views[0].name, _run_section(views[0], band)
    else:
        title = "comparison: " + ", ".join(v.name for v in views)
        body = _comparison(views, band) + "".join(
            f"<hr><section>{_run_section(v, band)}</section>" for v in views)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>modelcollapse report: {_e(title)}</title><style>{_CSS}</style></head>"
            f"<body>{body}<p class='muted'>Made by modelcollapse. Self-contained: no scripts, "
            f"no external resources.</p></body></html>")
