"""Classical families (regression, densities, discrete, classifiers), policies and filters."""

from __future__ import annotations

from functools import partial

from modelcollapse import policies as policy_classes
from modelcollapse.experiment.registry import filters, metrics, models, policies, worlds
from modelcollapse.filters import (
    HumanReview,
    SelectionBias,
    SelfCorrection,
    SyntheticDetector,
    Verifier,
)
from modelcollapse.measured import DETECTORS
from modelcollapse.metrics import Coefficients, ExcessRisk, MSEToTruth
from modelcollapse.metrics.classification import CLASSIFIER_METRICS, ClassifierMetric
from modelcollapse.metrics.density_models import DENSITY_METRICS, DensityMetric
from modelcollapse.metrics.discrete import CATEGORICAL_METRICS, CategoricalMetric
from modelcollapse.metrics.distribution import GAUSSIAN_METRICS, GaussianMetric
from modelcollapse.metrics.downstream import DownstreamRisk
from modelcollapse.metrics.exponential import ParameterRisk
from modelcollapse.metrics.mixture import MIXTURE_METRICS, MixtureMetric
from modelcollapse.models import PolynomialRegression
from modelcollapse.models.categorical import CategoricalModel
from modelcollapse.models.classifier import SklearnClassifier, sklearn_classifier
from modelcollapse.models.density import GaussianModel
from modelcollapse.models.exponential import ExponentialFamilyModel
from modelcollapse.models.linear import LinearRegression
from modelcollapse.models.mixture import GaussianMixtureModel, KernelDensityModel
from modelcollapse.models.sklearn_regressor import SklearnRegressor, sklearn_estimator
from modelcollapse.worlds import cosine_world
from modelcollapse.worlds.classification import DigitsWorld, TwoClassWorld
from modelcollapse.worlds.discrete import zipf_world
from modelcollapse.worlds.exponential import ExponentialFamilyWorld
from modelcollapse.worlds.gaussian import gaussian_world
from modelcollapse.worlds.linear import LinearWorld
from modelcollapse.worlds.low_background import low_background_world
from modelcollapse.worlds.mixture import MixtureWorld


@worlds.register("cosine")
def _cosine(noise: float = 0.1, n_grid: int = 100, drift: float = 0.0):
    """X ~ U[0, 1], y = cos(1.5πx) + N(0, noise²), errors on ``n_grid`` points.

    With ``drift`` > 0 the curve slides right by ``drift`` every generation.
    """
    return cosine_world(noise=noise, n_grid=n_grid, drift=drift)


worlds.register("gaussian")(gaussian_world)
worlds.register("zipf")(zipf_world)
worlds.register("linear")(LinearWorld)


@models.register("polynomial", example={"world": "cosine", "samples": 30},
                 metrics=["mse_to_truth", "coefficients"])
def _polynomial(degree: int = 3, noise: float | None = None):
    """Least-squares polynomial; ``noise`` defaults to the world's."""
    return PolynomialRegression(degree=degree, noise=noise)


policies.register("replace")(policy_classes.Replace)
policies.register("accumulate")(policy_classes.Accumulate)
policies.register("accumulate-subsample")(policy_classes.AccumulateSubsample)
policies.register("fresh-real")(policy_classes.FreshReal)
policies.register("keep-original")(policy_classes.KeepOriginal)
policies.register("web-scrape")(policy_classes.WebScrape)

metrics.register("mse_to_truth")(MSEToTruth)
metrics.register("coefficients")(Coefficients)
metrics.register("excess_risk")(ExcessRisk)
metrics.register("downstream_excess_risk")(DownstreamRisk)


models.register("gaussian", example={"world": {"name": "gaussian", "dim": 2}, "samples": 20},
                metrics=["variance", "log_variance", "w2", "kl", "tail_mass"])(GaussianModel)


for _name in GAUSSIAN_METRICS:
    metrics.register(_name)(partial(GaussianMetric, _name))


models.register("categorical", example={"world": {"name": "zipf", "vocabulary": 50},
                                        "samples": 100},
                metrics=["support_size", "entropy", "gini_simpson", "lost_mass",
                         "rare_mass"])(CategoricalModel)


for _name in CATEGORICAL_METRICS:
    metrics.register(_name)(partial(CategoricalMetric, _name))


models.register("linear", example={"world": {"name": "linear", "dim": 3}, "samples": 20},
                metrics=["excess_risk"])(LinearRegression)

worlds.register("exponential-family")(ExponentialFamilyWorld)
@models.register("exponential-family", example={"world": "exponential-family",
                                                 "samples": 30},
                 metrics=["parameter_risk"])
def _exponential_family(real_weight: float | None = None):
    """The maximum-likelihood parameter; with ``real_weight`` a weighted real/synthetic mean."""
    return ExponentialFamilyModel(real_weight=real_weight)
metrics.register("parameter_risk")(ParameterRisk)

worlds.register("gaussian-mixture")(MixtureWorld)
worlds.register("low-background-words")(low_background_world)
for _name in MIXTURE_METRICS:
    metrics.register(_name)(partial(MixtureMetric, _name))
filters.register("selection-bias")(SelectionBias)
filters.register("self-correction")(SelfCorrection)

filters.register("detector")(SyntheticDetector)
filters.register("verifier")(Verifier)
filters.register("human-review")(HumanReview)


@filters.register("measured-detector")
def _measured_detector(detector: str = "commercial-reported"):
    """A synthetic-data detector with the error rates reported for a real one."""
    if detector not in DETECTORS:
        raise ValueError(f"unknown detector {detector!r}; known: {', '.join(DETECTORS)}")
    tpr, fpr, _ = DETECTORS[detector]
    return SyntheticDetector(tpr=tpr, fpr=fpr)

models.register("gmm", example={"world": {"name": "gaussian", "dim": 2},
                                "model": {"n_components": 2}, "samples": 40},
                metrics=["spread", "component_spread", "held_out_ll"])(GaussianMixtureModel)
models.register("kde", example={"world": "gaussian", "samples": 40},
                metrics=["spread", "held_out_ll"])(KernelDensityModel)
for _name in DENSITY_METRICS:
    metrics.register(_name)(partial(DensityMetric, _name))


@models.register("sklearn-regressor", example={"world": "cosine", "samples": 30},
                 metrics=["mse_to_truth"])
def _sklearn_regressor(estimator: str = "neighbors.KNeighborsRegressor",
                       params: dict | None = None, noise: float | None = None):
    """A scikit-learn regressor named by its path under ``sklearn``, with its settings."""
    return SklearnRegressor(sklearn_estimator(estimator, params), noise)

worlds.register("digits")(DigitsWorld)
worlds.register("two-class")(TwoClassWorld)
for _name in CLASSIFIER_METRICS:
    metrics.register(_name)(partial(ClassifierMetric, _name))


@models.register("classifier", example={"world": "two-class", "samples": 40},
                 metrics=["accuracy", "label_entropy", "classes_predicted"])
def _classifier(estimator: str = "linear_model.LogisticRegression", params: dict | None = None,
                labelling: str = "argmax"):
    """A scikit-learn classifier named by its path under ``sklearn``, self-training."""
    return SklearnClassifier(sklearn_classifier(estimator, params), labelling)
