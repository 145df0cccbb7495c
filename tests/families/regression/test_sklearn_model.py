import numpy as np
import pytest
from sklearn.ensemble import ExtraTreesRegressor

from modelcollapse import Chain, MSEToTruth, Replace, cosine_world
from modelcollapse.experiment.schema import ConfigError, parse_experiment
from modelcollapse.experiment.sweep import expand
from modelcollapse.families.regression.sklearn_model import SklearnRegressor, sklearn_estimator

WORLD = cosine_world()


def _data():
    return WORLD.sample(200, rng=np.random.default_rng(0))


def test_random_state_comes_fresh_from_the_chain_stream():
    model = SklearnRegressor(ExtraTreesRegressor(n_estimators=5))
    grid = WORLD.grid
    a = model.clone().fit(_data(), rng=np.random.default_rng(1)).predict(grid)
    b = model.clone().fit(_data(), rng=np.random.default_rng(2)).predict(grid)
    again = model.clone().fit(_data(), rng=np.random.default_rng(1)).predict(grid)
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(a, again)


def test_a_regressor_chain_drifts_under_replace():
    model = SklearnRegressor(sklearn_estimator("neighbors.KNeighborsRegressor",
                                               {"n_neighbors": 5}))
    chain = Chain(WORLD, model, Replace(), n_samples=40, n_generations=15,
                  metrics=(MSEToTruth(),))
    frame = chain.run(30, seed=3)
    mean = frame.groupby("generation").value.mean()
    assert mean[15] > 2 * mean[1]


@pytest.mark.parametrize("path, message", [
    ("os.system", "not a scikit-learn class"),
    ("linear_model.LogisticRegression", "not a regressor"),
    ("DecisionTreeRegressor", "module.Class"),
    ("tree.DecisionTreeRegressr", "not a scikit-learn class"),
])
def test_only_scikit_learn_regressors_can_be_named(path, message):
    with pytest.raises(ValueError, match=message):
        sklearn_estimator(path)
    with pytest.raises(ConfigError, match=message):
        expand(parse_experiment({"name": "x", "model": {"name": "sklearn-regressor",
                                                        "estimator": path}}))


def test_from_an_experiment_file():
    points = expand(parse_experiment({"name": "x", "model": {
        "name": "sklearn-regressor", "estimator": "tree.DecisionTreeRegressor",
        "params": {"max_depth": 3}}}))
    assert points[0].experiment.metrics is None  # the family's default: mse_to_truth


def test_too_few_points_for_the_estimator_is_a_degenerate_replicate_not_a_crash():
    from modelcollapse import SyntheticDetector

    # Five neighbours among the handful of items a strict detector leaves.
    knn = SklearnRegressor(sklearn_estimator("neighbors.KNeighborsRegressor"))
    chain = Chain(cosine_world(), knn, Replace(), n_samples=8, n_generations=4,
                  metrics=(MSEToTruth(),), filters=(SyntheticDetector(tpr=0.6, fpr=0.0),))
    frame = chain.run(6, seed=3)
    assert set(frame.status) == {"ok", "degenerate"}
    assert frame[frame.status == "degenerate"].value.isna().all()
