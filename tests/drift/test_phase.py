"""The phase diagram: winners per (drift rate, contamination share) and the figure."""

import itertools

import numpy as np
import pandas as pd
import pytest

from modelcollapse.report.phase import is_phase_run, phase_table, phase_winners, plot_phase_diagram

SCRAPES = {share: f"web-scrape(end={share}, schedule=constant)" for share in (0.0, 0.5)}
# Each policy's settings, as a run stores them for its points.
SETTINGS = {"frozen": {"name": "frozen"},
            "fresh-only(budget=20)": {"name": "fresh-only", "budget": 20},
            **{label: {"name": "web-scrape", "schedule": "constant", "end": share}
               for share, label in SCRAPES.items()}}


def _frame(errors: dict, replicates: int = 50, spread: float = 0.01) -> pd.DataFrame:
    """Tidy rows whose final-generation errors are ``errors[(drift, policy)]`` plus small noise.

    Each (drift, policy) is one sweep point, numbered in order.
    """
    rng = np.random.default_rng(0)
    rows = []
    for point, ((drift, policy), error) in enumerate(errors.items()):
        for replicate, generation in itertools.product(range(replicates), (1, 2)):
            rows.append({"point": point, "world.drift": drift, "policy": policy,
                         "replicate": replicate, "generation": generation, "metric": "w2",
                         "status": "ok", "value": error + spread * rng.standard_normal()})
    return pd.DataFrame(rows)


def _policies(errors: dict) -> dict[int, dict]:
    """Each point's policy settings (see :func:`_frame`)."""
    return {point: SETTINGS[policy] for point, (_, policy) in enumerate(errors)}


ERRORS = {
    (0.0, "frozen"): 0.10, (0.0, "fresh-only(budget=20)"): 0.30,
    (0.0, SCRAPES[0.0]): 0.20, (0.0, SCRAPES[0.5]): 0.25,
    (0.1, "frozen"): 1.00, (0.1, "fresh-only(budget=20)"): 0.30,
    (0.1, SCRAPES[0.0]): 0.20, (0.1, SCRAPES[0.5]): 0.60,
}


def test_each_cell_is_won_by_the_lowest_mean_error():
    table = phase_table(_frame(ERRORS), _policies(ERRORS))
    assert set(table.option) == {"frozen", "fresh-only(budget=20)", "web-scrape"}
    winners = phase_winners(table).set_index(["drift", "share"])["winner"]
    assert winners[(0.0, 0.0)] == winners[(0.0, 0.5)] == "frozen"
    assert winners[(0.1, 0.0)] == "web-scrape"
    assert winners[(0.1, 0.5)] == "fresh-only(budget=20)"


def test_a_lead_within_two_standard_errors_is_a_tie():
    close = dict(ERRORS) | {(0.0, SCRAPES[0.0]): 0.101}
    ties = phase_winners(phase_table(_frame(close, spread=0.05), _policies(close))).set_index(
        ["drift", "share"])
    assert ties.loc[(0.0, 0.0), "tie"] and not ties.loc[(0.1, 0.0), "tie"]


def test_the_figure_is_drawn(tmp_path):
    path = plot_phase_diagram(_frame(ERRORS), _policies(ERRORS), tmp_path / "phase.png")
    assert path.stat().st_size > 10_000


def test_a_run_without_drift_and_scrapes_is_no_phase_run():
    frozen = {(0.0, "frozen"): 0.1}
    frame = _frame(frozen).drop(columns="world.drift")
    assert not is_phase_run(frame, _policies(frozen))
    with pytest.raises(ValueError, match=r"sweeps 'world\.drift'"):
        phase_table(frame, _policies(frozen))
    with pytest.raises(ValueError, match="no rows of metric 'kl'"):
        phase_table(_frame(ERRORS), _policies(ERRORS), metric="kl")



def test_one_replicate_gives_no_clear_winner():
    winners = phase_winners(phase_table(_frame(ERRORS, replicates=1), _policies(ERRORS)))
    assert winners["tie"].all()  # no standard error, so no lead can be claimed
