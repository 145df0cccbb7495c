"""Self-training classifiers: scikit-learn models that label the next generation's inputs."""

from __future__ import annotations

from functools import partial

from modelcollapse.core import registry
from modelcollapse.families.classification.metrics import CLASSIFIER_METRICS, ClassifierMetric
from modelcollapse.families.classification.model import SklearnClassifier, sklearn_classifier
from modelcollapse.families.classification.world import DigitsWorld, TwoClassWorld

registry.worlds.register("digits")(DigitsWorld)
registry.worlds.register("two-class")(TwoClassWorld)
for _name in CLASSIFIER_METRICS:
    registry.metrics.register(_name)(partial(ClassifierMetric, _name))


@registry.models.register("classifier", example={"world": "two-class", "samples": 40},
                          metrics=["accuracy", "label_entropy", "classes_predicted"])
def _classifier(estimator: str = "linear_model.LogisticRegression", params: dict | None = None,
                labelling: str = "argmax") -> SklearnClassifier:
    """A scikit-learn classifier named by its path under ``sklearn``, self-training."""
    return SklearnClassifier(sklearn_classifier(estimator, params), labelling)
