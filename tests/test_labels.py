"""Numbers and labels as a report prints them."""

import math

import pytest

from modelcollapse.core.labels import estimate, number, short_labels, value_label


@pytest.mark.parametrize("value, text", [
    (0.006271, "0.00627"), (0.5, "0.500"), (1234.5, "1,234"), (40.0, "40"), (-0.0, "0"),
    (9.157e-05, "9.16 \u00d7 10\u207b\u2075"), (2.5e7, "2.50 \u00d7 10\u2077"),
    (9.9996e-5, "1.00 \u00d7 10\u207b\u2074"), (math.nan, "\u2013"), (None, "\u2013"),
    (math.inf, "\u221e"), (-3.14159, "-3.14"),
])
def test_numbers_have_significant_digits_and_powers_of_ten_only_far_from_one(value, text):
    assert number(value) == text


def test_tick_numbers_drop_trailing_zeros():
    assert [number(v, trim=True) for v in (0.01, 1.0, 1e-5, 0.25)] == [
        "0.01", "1", "1 \u00d7 10\u207b\u2075", "0.25"]


@pytest.mark.parametrize("centre, half, text", [
    (0.00627, 0.0001936, "0.00627 \u00b1 0.00019"),
    (12345.6, 1.31, "12,345.6 \u00b1 1.3"),
    (1.2e-5, 3.4e-7, "(1.200 \u00b1 0.034) \u00d7 10\u207b\u2075"),
    (-0.0001, 0.5, "0.00 \u00b1 0.50"),
    (2.0, math.nan, "2"),
    (12.0, 0.0, "12 \u00b1 0"),
])
def test_a_mean_and_its_interval_share_their_decimals(centre, half, text):
    assert estimate(centre, half) == text


def test_no_scientific_e_notation_or_negative_zero_anywhere():
    for value in (1e-3, 0.0123, 99999.0, -1e-9, 3e12, -0.0, -1e-4):
        for text in (number(value), estimate(value, abs(value) / 10)):
            assert "e-" not in text and "e+" not in text and text not in ("-0", "-0.0")


@pytest.mark.parametrize("value, text", [
    ({"name": "web-scrape", "schedule": "linear", "start": 0.0, "end": 0.9, "horizon": 10},
     "web-scrape(end=0.9, horizon=10, schedule=linear, start=0)"),
    ("fresh-real(0.1)", "fresh-real(0.1)"),
    ([], "none"),
    ([{"name": "static-verifier"}, {"name": "code-review", "budget": 20}],
     "static-verifier + code-review(budget=20)"),
    ({"name": "classifier", "params": {"hidden_layer_sizes": [16], "max_iter": 60}},
     "classifier(params=(hidden_layer_sizes=[16], max_iter=60))"),
    (0.005, "0.005"), (300, "300"),
])
def test_values_read_as_components_never_as_python_dicts(value, text):
    assert value_label(value) == text
    assert "{" not in value_label(value)


def test_short_labels_keep_only_what_tells_values_apart():
    values = [{"name": "web-scrape", "schedule": "measured", "series": s, "months": 6}
              for s in ("new-websites", "cs-abstracts")] + ["replace", {"name": "frozen"}]
    assert short_labels(values) == ["web-scrape(series=new-websites)",
                                    "web-scrape(series=cs-abstracts)", "replace", "frozen"]
    assert short_labels([{"name": "retrieval", "k": 10}]) == ["retrieval(k=10)"]
