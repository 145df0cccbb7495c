"""The points of one experiment are computed on one engine, so they share random numbers."""

import json

import numpy as np
import pytest

from modelcollapse.experiment.backends import SerialBackend
from modelcollapse.experiment.runner import load, run_experiment
from modelcollapse.experiment.schema import ConfigError, parse_experiment
from modelcollapse.experiment.units import common_engine, plan

MIXED = {
    "name": "mixed", "seed": 4, "generations": 3, "replicates": 6, "samples": 30,
    "metrics": ["mse_to_truth"], "world": "cosine", "model": "polynomial",
    "policy": {"name": "web-scrape", "schedule": "linear", "start": 0.0, "end": 0.9,
               "horizon": 3},
    # No filter: the batched kernel; a detector: the loop.
    "sweep": {"filters": [[], [{"name": "detector", "tpr": 0.8, "fpr": 0.05}]]},
}


def test_points_that_would_mix_engines_all_run_on_the_loop_on_common_numbers(tmp_path):
    experiment = parse_experiment(MIXED)
    points, _ = plan(experiment)
    assert [p.batched for p in points] == [True, False]
    resolved, note = common_engine(experiment, points)
    assert resolved.engine == "loop" and "common random numbers" in note
    run_experiment(experiment, tmp_path, backend=SerialBackend(), quiet=True)
    frame = load(tmp_path / "mixed")
    first = frame[(frame.generation == 1) & (frame.metric == "mse_to_truth")].pivot_table(
        index="replicate", columns="point", values="value")
    # Generation 1 is real data only: on one engine every point fits the same draws.
    np.testing.assert_array_equal(first[0].to_numpy(), first[1].to_numpy())
    recorded = json.loads((tmp_path / "mixed" / "run.json").read_text())
    assert "loop" in json.dumps(recorded)


def test_on_mixed_engines_the_points_would_not_have_shared_their_numbers(tmp_path):
    # The reason for the rule: forced apart, generation 1 differs between the points.
    from modelcollapse.experiment.sweep import build_chain

    points, _ = plan(parse_experiment(MIXED))
    rows = [build_chain(p.experiment).run(6, seed=4, engine="auto") for p in points]
    first = [r[(r.generation == 1) & (r.metric == "mse_to_truth")].value.to_numpy()
             for r in rows]
    assert not np.array_equal(first[0], first[1])


def test_batched_is_refused_where_a_point_has_no_kernel():
    experiment = parse_experiment({**MIXED, "engine": "batched"})
    points, _ = plan(experiment)
    with pytest.raises(ConfigError, match="no batched kernel"):
        common_engine(experiment, points)


def test_auto_leaves_the_hash_of_runs_made_before_the_setting_existed():
    auto = parse_experiment({**MIXED, "sweep": {}})
    loop = parse_experiment({**MIXED, "sweep": {}, "engine": "loop"})
    assert auto.config_hash() != loop.config_hash()
    assert common_engine(auto, plan(auto)[0]) == (auto, None)


def test_loop_is_refused_where_a_point_runs_only_on_its_kernel():
    from pathlib import Path

    from modelcollapse.experiment.schema import load_experiment

    path = Path(__file__).resolve().parents[2] / "experiments" / "code-slopsquatting.toml"
    experiment = load_experiment(path, ["engine='loop'"])
    points, _ = plan(experiment)
    assert any(p.loop_refusal for p in points)
    with pytest.raises(ConfigError, match="runs only on its batched kernel"):
        common_engine(experiment, points)
