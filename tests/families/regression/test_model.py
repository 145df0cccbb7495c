import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures

from modelcollapse import Dataset, DegenerateFitError, PolynomialRegression


def test_fit_recovers_a_polynomial_exactly():
    x = np.linspace(-2, 3, 20)
    y = 1.0 - 2.0 * x + 0.5 * x**3
    model = PolynomialRegression(degree=3, domain=(-2, 3)).fit(Dataset.real(x, y))
    np.testing.assert_allclose(model.coef_, [1.0, -2.0, 0.0, 0.5], atol=1e-10)
    np.testing.assert_allclose(model.predict(x), y, atol=1e-10)


def test_coefficients_match_scikit_learn():
    rng = np.random.default_rng(1)
    x = rng.random(30)
    y = np.cos(1.5 * np.pi * x) + 0.1 * rng.standard_normal(30)
    ours = PolynomialRegression(degree=3).fit(Dataset.real(x, y))
    theirs = make_pipeline(PolynomialFeatures(3), LinearRegression()).fit(x[:, None], y)
    reference = theirs[-1].coef_.copy()
    reference[0] += theirs[-1].intercept_
    np.testing.assert_allclose(ours.coef_, reference, rtol=1e-8, atol=1e-10)


def test_the_domain_changes_conditioning_not_the_fit():
    rng = np.random.default_rng(2)
    x, y = rng.random(15), rng.standard_normal(15)
    a = PolynomialRegression(degree=4, domain=(0, 1)).fit(Dataset.real(x, y))
    b = PolynomialRegression(degree=4, domain=(-5, 9)).fit(Dataset.real(x, y))
    np.testing.assert_allclose(a.predict(x), b.predict(x), atol=1e-9)


def test_sample_labels_inputs_with_fit_plus_noise_and_records_origin():
    model = PolynomialRegression(degree=1, noise=0.5).fit(
        Dataset.real(np.array([0.0, 1.0]), np.array([1.0, 3.0])))
    X = np.full(20_000, 0.5)
    data = model.sample(len(X), rng=np.random.default_rng(3), X=X, generation=4)
    assert set(data.origin) == {4}
    # mean 2, sd 0.5: the sample mean lies within 4 standard errors.
    assert abs(data.y.mean() - 2.0) < 4 * 0.5 / np.sqrt(len(X))
    assert abs(data.y.std() - 0.5) < 0.02


def test_too_few_distinct_inputs_is_a_degenerate_fit():
    data = Dataset.real(np.array([0.2, 0.2, 0.2, 0.7, 0.7]), np.zeros(5))
    with pytest.raises(DegenerateFitError, match="cannot determine 4 coefficients"):
        PolynomialRegression(degree=3).fit(data)


def test_clone_is_unfitted_with_the_same_settings():
    model = PolynomialRegression(degree=2, noise=0.3).fit(
        Dataset.real(np.arange(5.0), np.arange(5.0)))
    twin = model.clone()
    assert twin == PolynomialRegression(degree=2, noise=0.3)
    assert not hasattr(twin, "coef_unit_")


@pytest.mark.parametrize("kwargs", [{"degree": -1}, {"degree": 1.5}, {"noise": -0.1}])
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        PolynomialRegression(**kwargs)
