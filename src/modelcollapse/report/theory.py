"""Theory lines of a run for overlays, as the run stored them when it started.

The run decides which closed form predicts each point's figures
(:func:`modelcollapse.experiment.theory.chain_theory`) and keeps the rows, or
the sentence saying why a configuration has none, in its view data
(:mod:`modelcollapse.experiment.views`); here they are only read back, so a
report needs no model, world or corpus.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["theory_notes", "theory_overlay", "theory_with_notes"]


def theory_with_notes(view, metric: str) -> tuple[pd.DataFrame, dict[int, str]]:
    """Theory rows for ``metric`` (:func:`theory_overlay`) and the notes (:func:`theory_notes`).

    One pass over the stored theory, for callers that want both.
    """
    frames, notes = [], {}
    for entry in view.views["theory"]:
        if entry["metric"] != metric:
            continue
        if "note" in entry:
            notes[entry["point"]] = entry["note"]
        else:
            frames.append(pd.DataFrame(entry["rows"]).assign(point=entry["point"]))
    if not frames:
        return pd.DataFrame(columns=["point", "generation", "value", "theory"]), notes
    return pd.concat(frames, ignore_index=True), notes


def theory_overlay(view, metric: str) -> pd.DataFrame:
    """Theory rows ``point, generation, value, theory`` for every point of ``view`` that has one."""
    return theory_with_notes(view, metric)[0]


def theory_notes(view, metric: str) -> dict[int, str]:
    """Why points of ``view`` whose family has a theory get no line for ``metric``, by point."""
    return theory_with_notes(view, metric)[1]
