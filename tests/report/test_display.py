"""The metric display registry: names, units, directions and each family's headline."""

import pytest

from modelcollapse.core import registry
from modelcollapse.report.display import (
    DISPLAYS,
    HEADLINES,
    MetricDisplay,
    display,
    headline_metric,
    register_display,
    register_headline,
)


def test_every_headline_is_a_registered_model_with_a_displayed_metric():
    for model, metric in HEADLINES.items():
        assert model in registry.models, model
        assert metric in DISPLAYS, metric


def test_axis_labels_carry_unit_and_direction():
    assert display("held_out_perplexity").axis_label() == (
        "held-out perplexity (per token)\n(higher is worse)")
    assert display("kl").describe() == "KL(truth \u2016 model) (nats; higher is worse)"
    assert display("checked_line_share").axis_label() == "share of lines checked"
    assert display("mse_to_truth").title == "MSE to the true function"


def test_unregistered_metrics_read_by_their_id():
    assert display("coef_2").name == "coefficient 2"
    assert display("detector_kept_real") == MetricDisplay("detector kept real")


def test_registering_twice_is_an_error_and_directions_are_checked():
    with pytest.raises(ValueError, match="already has a display entry"):
        register_display("w2", MetricDisplay("w2"))
    with pytest.raises(ValueError, match="already has a headline"):
        register_headline("ngram", "distinct_1")
    with pytest.raises(ValueError, match="use 'higher', 'lower' or None"):
        MetricDisplay("x", worse="up")


def test_registering_a_plugin_metric(monkeypatch):
    monkeypatch.setattr("modelcollapse.report.display.DISPLAYS", dict(DISPLAYS))
    monkeypatch.setattr("modelcollapse.report.display.HEADLINES", dict(HEADLINES))
    register_display("my_score", MetricDisplay("my score", "bits", "lower"))
    register_headline("my-model", "my_score")
    assert display("my_score").direction == "lower is worse"
    assert headline_metric("my-model", ["a", "my_score"]) == "my_score"


def test_the_headline_is_the_familys_then_the_first_listed_then_no_coefficient():
    assert headline_metric("ngram", ["distinct_1", "held_out_perplexity"]) == (
        "held_out_perplexity")
    assert headline_metric("gaussian", ["mean_error", "w2"], ["w2", "mean_error"]) == "w2"
    assert headline_metric("unknown", ["coef_0", "coef_1", "x"]) == "x"
    assert headline_metric("unknown", ["coef_0"]) == "coef_0"
