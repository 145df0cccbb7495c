"""The post's script, written as the post does it, against the legacy replay."""

# The reference below must use numpy's global legacy generator, as the post did.
# ruff: noqa: NPY002

import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures

from modelcollapse.demo.legacy import run_post_demo


def _the_posts_script(n_generations):
    """The post's own order of draws on numpy's global legacy generator."""
    state = np.random.get_state()
    try:
        np.random.seed(0)
        true_fun = lambda X: np.cos(1.5 * np.pi * X)  # noqa: E731
        X = np.sort(np.random.rand(30))
        y = true_fun(X) + np.random.randn(30) * 0.1
        first = make_pipeline(PolynomialFeatures(3), LinearRegression()).fit(X[:, None], y)
        X_test = np.linspace(0, 1, 100)
        curves, model = [], None
        for _ in range(n_generations):
            Xg = np.sort(np.random.rand(30))
            base = true_fun(Xg) if model is None else model.predict(Xg[:, None])
            yg = base + np.random.randn(30) * 0.1
            model = make_pipeline(PolynomialFeatures(3), LinearRegression()).fit(Xg[:, None], yg)
            curves.append(model.predict(X_test[:, None]))
        return X, y, first.predict(X_test[:, None]), np.array(curves)
    finally:
        np.random.set_state(state)


def test_legacy_replay_is_identical_to_the_post_to_the_last_digit():
    X, y, first_fit, curves = _the_posts_script(60)
    post = run_post_demo(n_generations=60)
    np.testing.assert_array_equal(post.X, X)
    np.testing.assert_array_equal(post.y, y)
    np.testing.assert_array_equal(post.first_fit, first_fit)
    np.testing.assert_array_equal(post.chain_curves, curves)


def test_recorded_coefficients_reproduce_the_curves():
    post = run_post_demo(n_generations=5)
    powers = post.grid[:, None] ** np.arange(4)
    np.testing.assert_allclose(post.chain_coefficients @ powers.T, post.chain_curves, atol=1e-10)
    frame = post.frame()
    mse = frame[frame.metric == "mse_to_truth"].value.to_numpy()
    np.testing.assert_allclose(mse, np.mean((post.chain_curves - post.truth) ** 2, axis=1))
