"""The report's view of artifacts: image grids, sample texts, highlighted code, histograms.

Everything a metric kept for replicate 0 is shown at a few generations
(1, G/4, G/2 and G, where kept), one block per sweep point. Text goes through
``html.escape`` however it was marked; images are re-encoded as PNG here.
"""

from __future__ import annotations

import base64
import io
import json
from html import escape

import numpy as np
import pandas as pd

from modelcollapse.core.artifacts import decode_array
from modelcollapse.experiment.runner import load_artifacts
from modelcollapse.report.plots import plot_distributions

__all__ = ["artifact_section", "marked_html"]

_TEXT_LIMIT = 3000
"""Characters of a kept text shown in the report (the rest is in the run directory)."""


def _e(value) -> str:
    return escape(str(value), quote=True)


def marked_html(text: str, marks: list) -> str:
    """``text`` escaped, with each ``[start, end, label]`` span in a ``<mark>``."""
    pieces, cursor = [], 0
    for start, end, label in sorted(marks, key=lambda mark: (mark[0], mark[1])):
        if start < cursor:  # overlapping marks: the earlier one wins
            continue
        pieces.append(_e(text[cursor:start]))
        pieces.append(f"<mark title='{_e(label)}'>{_e(text[start:end])}</mark>")
        cursor = end
    pieces.append(_e(text[cursor:]))
    return "".join(pieces)


def _image_tag(pixels: np.ndarray, alt: str) -> str:
    from matplotlib.image import imsave

    buffer = io.BytesIO()
    imsave(buffer, pixels, format="png", cmap="gray", vmin=0, vmax=255)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"<img alt='{_e(alt)}' class='pixels' src='data:image/png;base64,{data}'>"


def _show_json(value) -> str:
    if isinstance(value, dict) and isinstance(value.get("text"), str) and "marks" in value:
        return f"<pre>{marked_html(value['text'][:_TEXT_LIMIT], value['marks'])}</pre>"
    if isinstance(value, list) and value and all(isinstance(row, list | tuple) for row in value):
        rows = "".join("<tr>" + "".join(f"<td class='text'>{_e(cell)}</td>" for cell in row)
                       + "</tr>" for row in value[:50])
        return f"<table>{rows}</table>"
    if isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
        keys = list(dict.fromkeys(key for row in value for key in row))   # a table of records
        head = "<tr>" + "".join(f"<th>{_e(key)}</th>" for key in keys) + "</tr>"
        rows = "".join("<tr>" + "".join(f"<td class='text'>{_e(row.get(key, ''))}</td>"
                                        for key in keys) + "</tr>" for row in value[:50])
        return f"<table>{head}{rows}</table>"
    return f"<pre>{_e(json.dumps(value, indent=1)[:_TEXT_LIMIT])}</pre>"


def _cell(row) -> str:
    if row.kind == "image":
        return _image_tag(decode_array(row.data), f"{row['name']}, generation {row.generation}")
    if row.kind == "text":
        shown = row.text[:_TEXT_LIMIT] + (" …" if len(row.text) > _TEXT_LIMIT else "")
        return f"<pre>{_e(shown)}</pre>"
    if row.kind == "json":
        return _show_json(json.loads(row.text))
    return ""


def _block(name: str, kept: pd.DataFrame) -> str:
    """One artifact name of one point across the chosen generations."""
    kind = kept.kind.iloc[0]
    if kind == "array":
        values = {int(r.generation): np.asarray(decode_array(r.data), float).ravel()
                  for r in kept.itertuples()}
        buffer = io.BytesIO()
        plot_distributions(values, buffer, title=name, xlabel=name)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        return (f"<figure><img alt='{_e(name)}' src='data:image/png;base64,{data}'>"
                f"<figcaption>{_e(name)}: distribution at generations "
                f"{', '.join(map(str, values))}.</figcaption></figure>")
    cells = "".join(f"<div><h4>generation {int(row.generation)}</h4>{_cell(row)}</div>"
                    for _, row in kept.iterrows())
    layout = "gallery pixels-row" if kind == "image" else "keepsakes"
    return f"<h4>{_e(name)}</h4><div class='{layout}'>{cells}</div>"


def artifact_section(view) -> str:
    """The report section, folded, for what the run's metrics kept; ``""`` if nothing was kept."""
    artifacts = load_artifacts(view.path)
    if artifacts.empty:
        return ""
    parts = []
    for index, label in view.points.items():
        kept = artifacts[artifacts.point == index]
        if kept.empty:
            continue
        last = int(kept.generation.max())
        shown = sorted({1, max(1, last // 4), max(1, last // 2), last})
        kept = kept[kept.generation.isin(shown)]
        blocks = "".join(_block(name, group) for name, group in kept.groupby("name", sort=True))
        parts.append(f"<h3>{_e(label)}</h3>{blocks}")
    return ("<details><summary>What the models wrote</summary><p>Kept for replicate 0 at "
            "generations 1, G/4, G/2 and G: samples, image grids, highlighted names and "
            "distributions.</p>" + "".join(parts) + "</details>")
