"""Regression tests for defects found in review."""

import numpy as np
import pytest

from modelcollapse import AccumulateSubsample, Chain, FreshReal, KeepOriginal
from modelcollapse.experiment.backends import SerialBackend
from modelcollapse.experiment.runner import run_experiment
from modelcollapse.experiment.schema import ConfigError, apply_override, parse_experiment
from modelcollapse.experiment.sweep import expand
from modelcollapse.families.gaussian.metrics import GaussianMetric
from modelcollapse.families.gaussian.model import GaussianModel
from modelcollapse.families.gaussian.world import gaussian_world
from modelcollapse.report import RunView


@pytest.mark.parametrize("policy", [FreshReal(1.0), KeepOriginal(1.0)], ids=lambda p: p.label)
def test_policies_without_synthetic_items_do_not_kill_the_batched_chain(policy):
    chain = Chain(gaussian_world(1), GaussianModel(), policy, n_samples=10, n_generations=4,
                  metrics=(GaussianMetric("variance"),))
    frame = chain.run(50, seed=1)
    assert (frame.status == "ok").all() and np.isfinite(frame.value).all()


def test_set_reaches_into_a_policy_given_as_a_label():
    data = apply_override({"name": "x", "policy": "fresh-real(0.1)"}, "policy.fraction=0.3")
    assert parse_experiment(data).policy.params == {"fraction": 0.3}


@pytest.mark.parametrize("budget", [30.5, True])
def test_budgets_must_be_integers(budget):
    with pytest.raises(ValueError, match="budget must be an integer"):
        AccumulateSubsample(budget)
    with pytest.raises(ConfigError, match="budget"):
        expand(parse_experiment({"name": "x", "policy": {"name": "accumulate-subsample",
                                                         "budget": budget}}))


def test_mse_to_truth_needs_a_world_with_a_grid():
    with pytest.raises(ConfigError, match="cannot measure"):
        expand(parse_experiment({"name": "x", "world": "linear", "model": "linear",
                                 "metrics": ["mse_to_truth"]}))


def test_report_statistics_skip_degenerate_replicates(tmp_path):
    # Two samples a generation, MLE: some replicates collapse to zero variance (degenerate).
    experiment = parse_experiment({"name": "dying", "generations": 200, "replicates": 100,
                                   "samples": 2, "world": "gaussian", "model": "gaussian",
                                   "metrics": ["variance"]})
    run_experiment(experiment, tmp_path, backend=SerialBackend(), quiet=True)
    summary = RunView(tmp_path / "dying").summary
    partly = summary[(summary["n"] > 0) & (summary["n_degenerate"] > 0)]
    assert len(partly) > 0 and np.isfinite(partly["mean"]).all()
    assert np.isfinite(summary.loc[summary["n"] > 1, "se"]).all()


def test_the_description_does_not_change_the_config_hash():
    a = parse_experiment({"name": "x", "description": "one"})
    b = parse_experiment({"name": "x", "description": "two"})
    assert a.config_hash() == b.config_hash()
