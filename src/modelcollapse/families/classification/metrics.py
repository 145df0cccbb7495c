"""Metrics of classifiers on the world's held-out real test set."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.core.named_metric import NamedMetric

__all__ = ["CLASSIFIER_METRICS", "ClassifierMetric"]

CLASSIFIER_METRICS = {
    "accuracy": "share of held-out real items labelled correctly",
    "label_entropy": "entropy (nats) of the predicted labels over the held-out inputs",
    "classes_predicted": "number of distinct labels the model still predicts",
}


@dataclass(frozen=True)
class ClassifierMetric(NamedMetric):
    """One held-out metric of a classifier (a key of :data:`CLASSIFIER_METRICS`)."""

    known = CLASSIFIER_METRICS
    family = "classifier"

    def applies(self, model, world) -> bool:  # noqa: D102
        return hasattr(model, "labelling") and hasattr(world, "held_out_labelled")

    def measure(self, model, world, context=None) -> dict[str, float]:  # noqa: D102
        X, y = world.held_out_labelled()
        predicted = model.predict(X)
        if self.name == "accuracy":
            return {self.name: float(np.mean(predicted == y))}
        _, counts = np.unique(predicted, return_counts=True)
        if self.name == "classes_predicted":
            return {self.name: float(len(counts))}
        p = counts / counts.sum()
        return {self.name: float(-np.sum(p * np.log(p)))}
