"""Nonsense settings are refused when the chain or experiment is built, naming the fix."""

from dataclasses import dataclass

import pytest

from modelcollapse import Chain
from modelcollapse.core.data import Dataset
from modelcollapse.experiment.schema import ConfigError, parse_experiment
from modelcollapse.experiment.sweep import expand
from modelcollapse.families.classification.model import SklearnClassifier, sklearn_classifier
from modelcollapse.families.classification.world import TwoClassWorld
from modelcollapse.families.gaussian.model import GaussianModel
from modelcollapse.families.gaussian.world import gaussian_world
from modelcollapse.filters.curation import SyntheticDetector
from modelcollapse.policies.staleness import FreshOnly, Frozen, Retrieval


@dataclass(frozen=True)
class SmallArchive:
    """A world that holds only 25 real items (as a finite data set would)."""

    supply = 25
    name = "archive"

    def sample(self, n, *, rng):
        return Dataset.real(rng.standard_normal((n, 1)))


@pytest.mark.parametrize("build, message", [
    (lambda: Retrieval(0), "k must be an integer of at least 1"),
    (lambda: Retrieval(2.5), "k must be an integer"),
    (lambda: FreshOnly(-3), "budget must be an integer of at least 1"),
    (lambda: Chain(SmallArchive(), GaussianModel(), Retrieval(40), metrics=()),
     "holds only 25 real items: lower k"),
    (lambda: Chain(SmallArchive(), GaussianModel(), FreshOnly(26), metrics=()),
     "holds only 25 real items: lower budget"),
    (lambda: Chain(gaussian_world(), GaussianModel(), Frozen(), metrics=(),
                   filters=(SyntheticDetector(),)),
     "remove the filters"),
    (lambda: Chain(TwoClassWorld(), SklearnClassifier(sklearn_classifier(
        "linear_model.LogisticRegression", None)), Retrieval(5), metrics=()),
     "no correction for"),
])
def test_refused_with_the_fix(build, message):
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize("policy", [Retrieval(25), FreshOnly(25)], ids=lambda p: p.name)
def test_the_whole_supply_is_allowed(policy):
    chain = Chain(SmallArchive(), GaussianModel(), policy, n_samples=10, n_generations=3,
                  metrics=())
    assert chain.run(2, seed=0).empty   # runs to the end; nothing was asked to be measured


@pytest.mark.parametrize("data, message", [
    ({"world": {"name": "gaussian", "drift": -0.1}}, "drift must be a finite number >= 0"),
    ({"policy": {"name": "retrieval", "k": -2}}, "k must be an integer of at least 1"),
    ({"policy": {"name": "fresh-only", "budget": 0}}, "budget must be an integer"),
    ({"world": {"name": "zipf", "drift": 2.0}}, r"share in \[0, 1\]"),
])
def test_experiment_files_with_nonsense_fail_validation(data, message):
    experiment = parse_experiment({"name": "bad", "model": "gaussian", **data}
                                  if "zipf" not in str(data) else
                                  {"name": "bad", "model": "categorical", **data})
    with pytest.raises(ConfigError, match=message):
        expand(experiment, "bad.toml")


def test_a_negative_drift_in_a_sweep_names_the_point():
    experiment = parse_experiment({"name": "bad", "model": "gaussian", "world": "gaussian",
                                   "sweep": {"world.drift": [0.1, -0.5]}})
    with pytest.raises(ConfigError, match=r"world\.drift=-0\.5.*drift must be"):
        expand(experiment, "bad.toml")
