"""Self-training classifiers on digits and on two Gaussian classes."""

import numpy as np
import pytest

from modelcollapse import Accumulate, Chain, Replace
from modelcollapse.experiment.schema import ConfigError, parse_experiment
from modelcollapse.experiment.sweep import expand
from modelcollapse.families.classification.metrics import CLASSIFIER_METRICS, ClassifierMetric
from modelcollapse.families.classification.model import SklearnClassifier, sklearn_classifier
from modelcollapse.families.classification.world import DigitsWorld, TwoClassWorld
from tests.conftest import z_score

METRICS = tuple(ClassifierMetric(n) for n in CLASSIFIER_METRICS)


def _logistic(labelling="argmax"):
    return SklearnClassifier(sklearn_classifier("linear_model.LogisticRegression",
                                                {"max_iter": 200}), labelling)


def test_digits_world_splits_once_and_labels_are_real():
    world = DigitsWorld()
    X, y = world.held_out_labelled()
    assert X.shape == (539, 64) and set(y) == set(range(10)) and X.max() <= 1.0
    again, _ = DigitsWorld().held_out_labelled()
    np.testing.assert_array_equal(X, again)


def test_two_class_world_bayes_error_is_reached_by_the_threshold():
    world = TwoClassWorld(separation=2.0, dim=3)
    X, y = world.held_out_labelled()
    bayes_rule = (X[:, 0] > 0).astype(int)
    error = np.mean(bayes_rule != y)
    assert abs(error - world.bayes_error) < 4 * np.sqrt(world.bayes_error * 0.85 / len(y))


def test_sampled_labels_collapse_faster_than_argmax_and_accumulate_holds():
    def accuracy(labelling, policy):
        chain = Chain(DigitsWorld(), _logistic(labelling), policy, n_samples=100,
                      n_generations=6, metrics=(ClassifierMetric("accuracy"),))
        frame = chain.run(5, seed=2)
        return frame[frame.generation == 6]["value"].to_numpy()

    first = Chain(DigitsWorld(), _logistic(), Replace(), n_samples=100, n_generations=1,
                  metrics=(ClassifierMetric("accuracy"),)).run(5, seed=2)["value"].to_numpy()
    sampled = accuracy("sample", Replace())
    assert z_score(first, sampled) > 4
    assert accuracy("argmax", Accumulate()).mean() > sampled.mean() + 0.2


def test_sampled_labels_follow_the_predicted_probabilities():
    world = TwoClassWorld(separation=0.0)  # every input is a coin flip
    model = _logistic("sample").fit(world.sample(4000, rng=np.random.default_rng(3)),
                                    rng=np.random.default_rng(4))
    X = world.draw_inputs(20_000, rng=np.random.default_rng(5))
    labels = model.sample(len(X), rng=np.random.default_rng(6), X=X).y
    expected = model.fitted_.predict_proba(X)[:, 1].mean()
    assert abs(labels.mean() - expected) < 4 * 0.5 / np.sqrt(len(X))


@pytest.mark.parametrize("data, message", [
    ({"model": {"name": "classifier", "estimator": "tree.DecisionTreeRegressor"}},
     "not a classifier"),
    ({"model": {"name": "classifier", "labelling": "vote"}}, "labelling"),
    ({"world": {"name": "digits", "test_fraction": 1.5}}, "test_fraction"),
])
def test_bad_classifier_settings(data, message):
    data = {"name": "x", "world": "digits", "model": "classifier", **data}
    with pytest.raises(ConfigError, match=message):
        expand(parse_experiment(data))


def test_a_training_set_of_one_class_gives_a_model_of_that_class():
    world = TwoClassWorld()
    data = world.sample(50, rng=np.random.default_rng(0))
    one_class = type(data)(data.X, np.ones(len(data), dtype=int), data.origin)
    model = _logistic("sample").fit(one_class, rng=np.random.default_rng(1))
    X = world.draw_inputs(100, rng=np.random.default_rng(2))
    assert (model.predict(X) == 1).all()
    assert (model.sample(len(X), rng=np.random.default_rng(3), X=X).y == 1).all()


def test_impossible_estimator_settings_are_refused_when_the_experiment_is_built():
    data = {"name": "x", "world": "two-class",
            "model": {"name": "classifier", "params": {"C": -1.0}}}
    with pytest.raises(ConfigError, match="'C' parameter"):
        expand(parse_experiment(data))
