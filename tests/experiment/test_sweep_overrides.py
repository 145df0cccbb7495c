"""--set never loses to the sweep: it replaces an axis, reaches into it, or is refused."""

from pathlib import Path

import pytest

from modelcollapse.experiment.schema import ConfigError, apply_override, load_experiment
from modelcollapse.experiment.sweep import expand

EXPERIMENTS = Path(__file__).parents[2] / "experiments"


def test_setting_a_swept_key_replaces_its_axis():
    notes = []
    experiment = load_experiment(EXPERIMENTS / "samples-by-policy.toml", ["samples=50"], notes)
    assert experiment.samples == 50 and "samples" not in experiment.sweep
    points = expand(experiment)
    assert len(points) == 3 and {p.experiment.samples for p in points} == {50}
    assert notes == ["samples=50 replaces the 4 swept values of samples"]


def test_setting_inside_a_swept_table_reaches_every_value():
    notes = []
    experiment = load_experiment(EXPERIMENTS / "ngram-decoding.toml", ["model.order=3"], notes)
    points = expand(experiment)
    assert [p.experiment.model.params["order"] for p in points] == [3, 3, 3]
    assert [p.experiment.model.params.get("temperature") for p in points] == [None, 0.7, None]
    assert notes == ["model.order=3 applies to each of the 3 swept values of model"]


def test_setting_inside_swept_policy_labels_makes_them_tables():
    data = {"name": "x", "sweep": {"policy": ["fresh-real(0.1)", "keep-original"]}}
    notes = []
    data = apply_override(data, "policy.fraction=0.3", notes)
    assert data["sweep"]["policy"] == [{"name": "fresh-real", "fraction": 0.3},
                                       {"name": "keep-original", "fraction": 0.3}]
    assert notes == ["policy.fraction=0.3 applies to each of the 2 swept values of policy"]


@pytest.mark.parametrize("key", ['sweep."model.top_k"', "sweep.model.top_k",
                                 "sweep.'model.top_k'"])
def test_dotted_sweep_keys_can_be_set_quoted_or_not(key):
    experiment = load_experiment(EXPERIMENTS / "transformer-decoding.toml", [f"{key}=[0]"])
    assert experiment.sweep == {"model.temperature": [1.0, 0.7], "model.top_k": [0]}


def test_a_whole_sweep_can_be_emptied():
    experiment = load_experiment(EXPERIMENTS / "samples-by-policy.toml", ["sweep={}"])
    assert experiment.sweep == {} and len(expand(experiment)) == 1


def test_a_table_that_the_sweep_would_overwrite_is_refused():
    with pytest.raises(ConfigError, match=r"the sweep varies model\.top_k, which would "
                                          r"overwrite the 'top_k' given here.*--set "
                                          r"model\.top_k=VALUE"):
        load_experiment(EXPERIMENTS / "transformer-decoding.toml",
                        ['model={name = "transformer", top_k = 3}'])
    # A table without the swept key is completed by the sweep, as the file's own is.
    experiment = load_experiment(EXPERIMENTS / "transformer-decoding.toml",
                                 ['model={name = "transformer", n_layer = 1}'])
    assert expand(experiment)[0].experiment.model.params == {
        "n_layer": 1, "temperature": 1.0, "top_k": 0}


@pytest.mark.parametrize("data, assignment, message", [
    ({"name": "x", "sweep": {"filters": [[], []]}}, "filters.x=1", "are not tables"),
    ({"name": "x", "sweep": {"model.degree": [1, 2]}}, "model.degree.x=1", "are not tables"),
    ({"name": "x", "sweep": {"policy": ["nonsense"]}}, "policy.fraction=1",
     "unknown policy 'nonsense'"),
    ({"name": "x"}, "sweep.'unclosed=1", "not a key"),
])
def test_impossible_overrides_say_so(data, assignment, message):
    with pytest.raises(ConfigError, match=message):
        apply_override(data, assignment)


def test_keys_outside_the_sweep_leave_it_and_the_notes_alone():
    notes = []
    data = apply_override({"name": "x", "sweep": {"model.degree": [1, 2]}}, "model.noise=0.2",
                          notes)
    assert data["sweep"] == {"model.degree": [1, 2]} and notes == []
