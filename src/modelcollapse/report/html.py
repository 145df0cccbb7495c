"""The self-contained HTML report: every figure inline, every text escaped, no network.

A report leads with the answer: the title, one sentence on what was run (and
where it departs from its experiment file), the headline figure, the other
figures, then compact tables, and last the kept artifacts, configuration and
provenance folded away.
"""

from __future__ import annotations

import base64
import io
import json
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from modelcollapse.core.labels import estimate, number, value_label
from modelcollapse.experiment.runner import load
from modelcollapse.experiment.schema import ConfigError, load_experiment
from modelcollapse.report.artifacts import artifact_section
from modelcollapse.report.display import display
from modelcollapse.report.intervals import interval_note, mean_interval
from modelcollapse.report.phase import is_phase_run, plot_phase_diagram
from modelcollapse.report.plots import plot_curves, plot_metric
from modelcollapse.report.runs import RunView
from modelcollapse.report.theory import theory_with_notes

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
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
caption { text-align: left; caption-side: top; padding-bottom: .3rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .25rem .6rem; text-align: right;
         overflow-wrap: anywhere; }
th:first-child, td:first-child, td.text { text-align: left; }
td .note { color: var(--muted); font-size: .8rem; }
figure { margin: 1rem 0; break-inside: avoid; min-width: 0; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: .88rem; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr));
           gap: 0 1.2rem; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr));
           gap: .8rem; }
.runs { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1.5rem; }
.runs > div, .gallery > *, .keepsakes > div { min-width: 0; }
pre { background: #f5f7fa; padding: .7rem; overflow-x: auto; font-size: .8rem; }
.keepsakes { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr));
             gap: .8rem; } .keepsakes pre { max-height: 22rem; white-space: pre-wrap; }
.keepsakes table { table-layout: fixed; width: 100%; font-size: .8rem; }
img.pixels { width: 100%; image-rendering: pixelated; } h4 { margin: .4rem 0; font-size: .9rem; }
mark { background: #ffd8a8; border-bottom: 2px solid #e8590c; }
details { margin: 1rem 0; border-top: 1px solid var(--rule); padding-top: .4rem; }
summary { cursor: pointer; font-weight: 600; }
@media print { body { max-width: none; padding: 0; font-size: 11pt; }
               .figures { grid-template-columns: 1fr; }
               h2 { break-after: avoid; } pre { white-space: pre-wrap; } }
"""


def _e(value) -> str:
    return escape(str(value), quote=True)


def _png(draw, *args, alt: str = "figure", **kwargs) -> str:
    """Run a plotting function into memory and return an ``<img>`` with a data URI."""
    buffer = io.BytesIO()
    draw(*args, buffer, **kwargs)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one}" if count == 1 else f"{count:,} {many or one + 's'}"


# --- What was run -----------------------------------------------------------------------------

def _overrides(view: RunView) -> tuple[str, list[tuple[str, str, str]]] | None:
    """The settings of this run that differ from its experiment file as the file reads now.

    Returns ``(file, [(key, run value, file value), …])``, or None when the run
    names no readable, valid file.
    """
    source = view.record.get("source")
    if not source or not Path(source).is_file():
        return None
    try:
        original = load_experiment(source).model_dump(mode="json")
    except ConfigError:
        return None
    ran = view.experiment.model_dump(mode="json")

    def flat(config: dict) -> dict:
        sweep = config.pop("sweep", {}) or {}
        config.pop("description", None)
        return {**config, **{f"sweep.{key}": value for key, value in sweep.items()}}

    ran, original = flat(ran), flat(original)
    return source, [(key, value_label(ran.get(key, "none")),
                     value_label(original.get(key, "none")))
                    for key in dict.fromkeys([*ran, *original])
                    if ran.get(key) != original.get(key)]


def _what_was_run(view: RunView) -> str:
    e = view.experiment
    swept = {key.split(".")[0] for key in view.varying}

    def shown(key: str, value) -> str:
        return "<i>(swept)</i>" if key in swept else f"<b>{_e(value)}</b>"

    values = view.swept_values()
    chains = "One chain" if e.replicates == 1 else f"{e.replicates:,} replicate chains"
    where = "" if not values else f" per sweep point ({len(view.points):,} points)"
    text = (f"{chains}{where}: a {shown('model', value_label(e.model))} model fitted to "
            f"{shown('samples', e.samples)} samples per generation from the "
            f"{shown('world', value_label(e.world))} world for "
            f"{shown('generations', _plural(e.generations, 'generation'))} under the "
            f"{shown('policy', value_label(e.policy))} data policy (generation 1 on real data "
            f"only), root seed {shown('seed', e.seed)}.")
    if values:
        text += " Swept: " + "; ".join(
            f"{_e(key)} ∈ {{{', '.join(_e(v) for v in vs)}}}" for key, vs in values.items()) + "."
    changes = _overrides(view)
    if changes and changes[1]:
        listed = "; ".join(f"{_e(key)} {_e(ran)} (the file: {_e(file)})"
                           for key, ran, file in changes[1])
        text += f" Settings that differ from {_e(changes[0])}: {listed}."
    return f'<p class="lead">{text}</p>'


def _description(view: RunView) -> str:
    description = view.experiment.description
    if not description:
        return ""
    return f"<p class='muted'>The experiment file says: “{_e(description)}”</p>"


def _completeness(view: RunView) -> str:
    status = view.status
    total = len(status.done) + len(status.pending) + len(status.broken)
    if view.complete:
        finished = "the 1 unit finished" if total == 1 else f"all {total:,} units finished"
        return f'<p class="muted">Complete: {finished}.</p>'
    missing = [u.id for u in status.pending + status.broken]
    shown = ", ".join(_e(m) for m in missing[:10]) + (" …" if len(missing) > 10 else "")
    return (f'<p class="warning">Incomplete: {len(status.done)} of {total} units finished; '
            f"this report shows what exists. Missing: {shown}. Run the same "
            "<code>modelcollapse run</code> command again to finish.</p>")


# --- Figures ----------------------------------------------------------------------------------

def _band_words(band: str, counts) -> str:
    if band == "ci":
        return f"the line is the mean over replicates, the band its {interval_note(counts)}"
    return "the line is the median over replicates, the band holds 2.5\u201397.5% of them"


def _metric_figure(view: RunView, metric: str, band: str, layout, dpi: int = 150) -> str:
    theory, notes = theory_with_notes(view, metric)
    summary = layout.assign(view.summary)
    theory = layout.assign(theory)
    image = _png(plot_metric, summary, metric, theory=theory, band=band,
                 facet="panel" if layout.faceted else None, legend_title=layout.legend_title,
                 alt=display(metric).name, dpi=dpi)
    shown = display(metric)
    counts = view.summary.loc[view.summary["metric"] == metric, "n"]
    note = (" Black lines: the closed-form prediction (docs/science.md)."
            if len(theory) else "")
    note += "".join(f" Point {_e(view.points[index])}: {_e(why)}."
                    for index, why in notes.items())
    return (f"<figure id='metric-{_e(metric)}'>{image}<figcaption>{_e(shown.describe())} per "
            f"generation; {_e(_band_words(band, counts))}.{note}</figcaption></figure>")


def _regression_gallery(view: RunView) -> str:
    """Fitted curves of replicate 0 at a few generations, where coefficients were recorded."""
    if "coef_0" not in view.metrics:
        return ""
    panels = []
    for index, label in view.points.items():
        curve = view.truth_curve(index)
        G = view.point_experiment(index).generations
        if curve is None or G == 0:
            continue
        grid, truth = curve
        generations = sorted({1, max(1, G // 4), max(1, G // 2), G})
        rows = view.rows("point = ? AND replicate = 0 AND starts_with(metric, 'coef_') "
                         "AND generation IN (SELECT unnest(?))", [index, generations])
        if rows.empty:
            continue
        coefficients = rows.pivot(index="generation", columns="metric", values="value")
        coefficients = coefficients[sorted(coefficients.columns, key=lambda c: int(c[5:]))]
        powers = grid[:, None] ** np.arange(coefficients.shape[1])
        curves = {int(g): powers @ c.to_numpy() for g, c in coefficients.iterrows()}
        image = _png(plot_curves, grid, truth, curves,
                     title=f"replicate 0: {label}", alt=f"fitted curves, {label}")
        panels.append(f"<figure>{image}<figcaption>{_e(label)}</figcaption></figure>")
    if not panels:
        return ""
    return ("<h2>Regression curves</h2><p>The fitted curve of replicate 0 at generations 1, "
            f"G/4, G/2 and G against the truth.</p><div class='gallery'>{''.join(panels)}</div>")


def _phase_figure(view: RunView, metric: str) -> str:
    """The staleness phase diagram, for runs that sweep drift against web-scrape shares."""
    if not {"world.drift", "policy"} <= set(view.experiment.sweep):
        return ""
    frame = load(view.path)
    if not is_phase_run(frame, view.policies):
        return ""
    image = _png(plot_phase_diagram, frame, view.policies, metric=metric, alt="phase diagram")
    return (f"<figure id='phase'>{image}<figcaption>Which option wins where. Left: the option "
            f"with the lowest mean {_e(display(metric).name)} at the last generation, per drift "
            "rate and model-written share of the scrape (hatched: a lead under two standard "
            "errors). Right: each option's error against the drift rate.</figcaption></figure>")


# --- Tables -----------------------------------------------------------------------------------

def _table(view: RunView, metric: str, band: str) -> str:
    """A compact table of ``metric`` at generations 1, G/2 and G: one row per sweep point."""
    rows = view.summary[view.summary["metric"] == metric]
    low, high = mean_interval(rows["mean"], rows["sd"], rows["n"])
    rows = rows.assign(half=(high - low) / 2)
    last = int(rows["generation"].max())
    marks = sorted({int(rows["generation"].min()), max(1, last // 2), last})
    header = "".join(f"<th>generation {g}</th>" for g in marks)

    def cell(row) -> str:
        if band == "quantiles":
            return (f"{_e(number(row['median']))} <span class='note'>({_e(number(row['q025']))}"
                    f" to {_e(number(row['q975']))})</span>")
        if row["n"] < 2:
            return f"{_e(number(row['mean']))} <span class='note'>n = 1: no band</span>"
        return _e(estimate(row["mean"], row["half"]))

    body = []
    for point, part in rows.groupby("point", sort=True):
        part = part.set_index("generation")
        cells = "".join(f"<td>{cell(part.loc[g])}</td>" if g in part.index else "<td>\u2013</td>"
                        for g in marks)
        body.append(f"<tr><td class='text'>{_e(view.points[point])}</td>{cells}</tr>")
    what = ("median (2.5\u201397.5% of replicates)" if band == "quantiles"
            else f"mean ± half-width of the {interval_note(rows['n'])}")
    return (f"<table><caption>{_e(display(metric).describe())}: {_e(what)}</caption>"
            f"<tr><th>sweep point</th>{header}</tr>{''.join(body)}</table>")


def _tables(view: RunView, band: str) -> str:
    headline, *others = [m for m in view.metrics if not m.startswith("coef_")] or view.metrics
    folded = ""
    if others:
        folded = (f"<details><summary>Tables of the other {_plural(len(others), 'metric')}"
                  f"</summary>{''.join(_table(view, m, band) for m in others)}</details>")
    return f"<h2>Numbers</h2>{_table(view, headline, band)}{folded}"


# --- Folded away ------------------------------------------------------------------------------

def _provenance(view: RunView) -> str:
    record = view.record
    rows = [("experiment", view.name), ("experiment file", record.get("source") or "—"),
            ("run directory", str(view.path)),
            ("config hash", record.get("config_hash", "")), ("seed", view.experiment.seed),
            ("started", record.get("started")), ("finished", record.get("finished") or "—"),
            ("resumed", ", ".join(record.get("resumed", [])) or "—"),
            ("git commit", record.get("git_commit") or "—"), ("host", record.get("host")),
            ("python", record.get("python"))]
    rows += [(name, version) for name, version in (record.get("versions") or {}).items()]
    body = "".join(f"<tr><td>{_e(k)}</td><td class='text'>{_e(v)}</td></tr>"
                   for k, v in rows)
    config = json.dumps(record.get("config", {}), indent=2, sort_keys=True)
    return (f"<details><summary>Configuration</summary><pre>{_e(config)}</pre></details>"
            f"<details><summary>Provenance</summary><table>{body}</table></details>")


def _run_section(view: RunView, band: str) -> str:
    layout = view.layout()
    headline, *others = view.metrics
    # The other figures show at half the page's width: a lower resolution is as sharp there.
    figures = "".join(_metric_figure(view, m, band, layout, dpi=100) for m in others)
    other = f"<h2>Other metrics</h2><div class='figures'>{figures}</div>" if others else ""
    return (f"<h1>{_e(view.name)}</h1>{_what_was_run(view)}{_description(view)}"
            f"{_completeness(view)}<h2>{_e(display(headline).title)}</h2>"
            f"{_metric_figure(view, headline, band, layout)}{_phase_figure(view, headline)}"
            f"{other}{_regression_gallery(view)}{_tables(view, band)}"
            f"{artifact_section(view)}{_provenance(view)}")


def _comparison(views: list[RunView], band: str) -> str:
    first = views[0].metrics
    shared = [m for m in first if all(m in v.metrics for v in views[1:])]
    figures = []
    for metric in shared:
        combined = pd.concat([v.summary.assign(label=v.name + ": " + v.summary["label"])
                              for v in views], ignore_index=True)
        shown = display(metric)
        image = _png(plot_metric, combined, metric, band=band, alt=shown.name,
                     title=f"{shown.title}: all runs compared")
        counts = combined.loc[combined["metric"] == metric, "n"]
        figures.append(f"<figure>{image}<figcaption>{_e(shown.describe())} in every run; "
                       f"{_e(_band_words(band, counts))}.</figcaption></figure>")
    columns = "".join(f"<div><h3>{_e(v.name)}</h3>{_what_was_run(v)}{_description(v)}"
                      f"{_completeness(v)}</div>" for v in views)
    return (f"<h1>Comparison of {len(views)} runs</h1>"
            f"<p class='lead'>{_e(', '.join(v.name for v in views))}: the metrics every run "
            f"recorded, then each run in full.</p>"
            f"{''.join(figures) or '<p>No metric is in every run.</p>'}"
            f"<h2>The runs</h2><div class='runs'>{columns}</div>")


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
