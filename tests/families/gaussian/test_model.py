import numpy as np
import pytest
from scipy import stats

from modelcollapse import Dataset, DegenerateFitError
from modelcollapse.families.gaussian.model import GaussianModel, truncated_standard_normal
from modelcollapse.families.gaussian.world import GaussianWorld, gaussian_world


def test_mle_and_unbiased_covariances_match_numpy():
    X = np.random.default_rng(0).standard_normal((50, 3))
    mle = GaussianModel("mle").fit(Dataset.real(X))
    unbiased = GaussianModel("unbiased").fit(Dataset.real(X))
    np.testing.assert_allclose(mle.mean_, X.mean(axis=0))
    np.testing.assert_allclose(mle.cov_, np.cov(X.T, ddof=0))
    np.testing.assert_allclose(unbiased.cov_, np.cov(X.T, ddof=1))


def test_samples_follow_the_fit():
    model = GaussianModel().fit(Dataset.real(np.array([[0.0], [2.0]])))  # mean 1, variance 1
    x = model.sample(100_000, rng=np.random.default_rng(1), generation=3)
    assert set(x.origin) == {3}
    assert abs(x.X.mean() - 1.0) < 4 / np.sqrt(len(x)) and abs(x.X.var() - 1.0) < 0.02


@pytest.mark.parametrize("d, radius", [(1, 1.0), (1, 2.5), (3, 2.0)])
def test_truncated_normals_have_the_truncated_law(d, radius):
    z = truncated_standard_normal(np.random.default_rng(2), (200_000, d), radius)
    r2 = np.sum(z**2, axis=1)
    assert r2.max() <= radius**2 * (1 + 1e-12)
    # Kolmogorov–Smirnov against the χ²_d law restricted to [0, radius²]
    limit = stats.chi2.cdf(radius**2, d)
    assert stats.kstest(r2, lambda t: stats.chi2.cdf(t, d) / limit).pvalue > 1e-4
    # directions stay isotropic
    assert np.all(np.abs(z.mean(axis=0)) < 4 * z.std(axis=0) / np.sqrt(len(z)))


def test_keep_fraction_is_the_highest_density_region():
    model = GaussianModel(keep_fraction=0.9)
    assert model.radius(1) == pytest.approx(stats.norm.ppf(0.95))
    assert GaussianModel(keep_fraction=1.0).radius(2) is None


def test_too_few_points_are_a_degenerate_fit():
    with pytest.raises(DegenerateFitError):
        GaussianModel("unbiased").fit(Dataset.real(np.ones((1, 2))))
    with pytest.raises(DegenerateFitError, match="not positive definite"):
        GaussianModel().fit(Dataset.real(np.ones((5, 2))))


@pytest.mark.parametrize("kwargs, message", [
    ({"estimator": "median"}, "estimator must be one of"),
    ({"truncate_sd": -1.0}, "truncate_sd must be > 0"),
    ({"keep_fraction": 0.0}, r"keep_fraction must lie in \(0, 1\]"),
    ({"truncate_sd": 2.0, "keep_fraction": 0.5}, "not both"),
])
def test_bad_model_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GaussianModel(**kwargs)


def test_world_checks_its_covariance():
    with pytest.raises(ValueError, match="positive definite"):
        GaussianWorld(np.zeros(2), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="shape"):
        GaussianWorld(np.zeros(2), np.eye(3))
    x = gaussian_world(2, mean=1.0, variance=4.0).sample(50_000, rng=np.random.default_rng(3))
    np.testing.assert_allclose(np.cov(x.X.T), 4 * np.eye(2), atol=0.15)
