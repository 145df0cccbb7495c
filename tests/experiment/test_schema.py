import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelcollapse.experiment.schema import (
    ConfigError,
    apply_override,
    load_experiment,
    parse_experiment,
)
from modelcollapse.experiment.sweep import expand, sweep_grid


def test_defaults_fill_everything_but_the_name():
    experiment = parse_experiment({"name": "x"})
    assert experiment.world.name == "cosine" and experiment.policy.name == "replace"
    assert experiment.block_size == 100


def test_policy_labels_and_tables_mean_the_same():
    a = parse_experiment({"name": "x", "policy": "fresh-real(0.1)"})
    b = parse_experiment({"name": "x", "policy": {"name": "fresh-real", "fraction": 0.1}})
    assert a == b and a.config_hash() == b.config_hash()


def test_command_line_beats_file_beats_defaults(tmp_path):
    path = tmp_path / "e.toml"
    path.write_text('replicates = 7\n[model]\nname = "polynomial"\ndegree = 2\n')
    experiment = load_experiment(path, ["model.degree=1", "sweep.model.degree=[1, 2]",
                                        "policy=accumulate"])
    assert experiment.name == "e" and experiment.replicates == 7
    assert experiment.model.params == {"degree": 1}
    assert experiment.sweep == {"model.degree": [1, 2]}
    assert experiment.policy.name == "accumulate"


@pytest.mark.parametrize("data, message", [
    ({"name": "x", "generatons": 3}, "unknown key 'generatons' (did you mean 'generations'?)"),
    ({"name": "x", "replicates": "ten"}, "key 'replicates'"),
    ({"name": "x", "generations": -1}, "key 'generations'"),
    ({"name": "bad name"}, "key 'name'"),
    ({"name": "x", "policy": "replce"}, "unknown policy 'replce'"),
])
def test_schema_errors_name_the_key(data, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_experiment(data, "e.toml")


@pytest.mark.parametrize("data, message", [
    ({"name": "x", "sweep": {"samples": []}}, "sweep.samples is an empty list"),
    ({"name": "x", "sweep": {"sampels": [1]}}, "did you mean 'samples'"),
    ({"name": "x", "model": "polynomal"}, "did you mean 'polynomial'"),
    ({"name": "x", "world": {"name": "cosine", "nois": 1}}, "did you mean 'noise'"),
    ({"name": "x", "sweep": {"samples": [30, 3]}}, "sweep point samples=3: degree 3 needs"),
    ({"name": "x", "metrics": ["mse"]}, "unknown metric 'mse'"),
    ({"name": "x", "filters": ["dtector"]}, "did you mean 'detector'"),
    ({"name": "x", "sampling": {"temperature": 0.5}}, "go in the \\[model\\] table"),
])
def test_impossible_experiments_are_refused_at_validation(data, message):
    with pytest.raises(ConfigError, match=message):
        expand(parse_experiment(data, "e.toml"), "e.toml")


def test_files_that_are_missing_or_not_toml(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_experiment(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("replicates = = 3\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_experiment(broken)
    with pytest.raises(ConfigError, match="write it as key=value"):
        apply_override({}, "replicates")


def test_sweep_grid_multiplies_lists_and_broadcasts_scalars():
    grid = sweep_grid({"a": [1, 2, 3], "b": ["x", "y"], "c": 0})
    assert len(grid) == 6 and all(point["c"] == 0 for point in grid)
    assert grid[0] == {"a": 1, "b": "x", "c": 0} and grid[-1] == {"a": 3, "b": "y", "c": 0}
    assert sweep_grid({}) == [{}]


# -- property-based: every generated config is either valid or cleanly refused --

POLICIES = ["replace", "accumulate", "accumulate-subsample(40)", "fresh-real(0.1)",
            "keep-original(0.5)"]
anything = st.one_of(st.integers(-5, 500), st.floats(allow_nan=True), st.text(max_size=8),
                     st.booleans(), st.none(), st.lists(st.integers(-3, 50), max_size=3))
key_names = st.sampled_from(["generations", "replicates", "samples", "seed", "block", "policy",
                             "world", "model", "metrics", "sweep", "generatons", "filters",
                             "sampling", "description"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(key_names, anything, max_size=5))
def test_any_config_is_valid_or_refused_with_a_config_error(data):
    data = {"name": "prop", **data}
    try:
        expand(parse_experiment(data, "p.toml"), "p.toml")
    except ConfigError as error:
        assert str(error).strip() and "\n" not in str(error)


@settings(max_examples=60, deadline=None)
@given(samples=st.integers(4, 200), degree=st.integers(0, 3), generations=st.integers(0, 50),
       replicates=st.integers(1, 3000), policy=st.sampled_from(POLICIES),
       sweep_samples=st.lists(st.integers(45, 100), min_size=1, max_size=3))
def test_every_valid_config_validates(samples, degree, generations, replicates, policy,
                                      sweep_samples):
    data = {"name": "ok", "samples": samples, "generations": generations,
            "replicates": replicates, "policy": policy,
            "model": {"name": "polynomial", "degree": degree},
            "sweep": {"samples": sweep_samples}}
    points = expand(parse_experiment(data))
    assert len(points) == len(sweep_samples)


def test_metrics_may_carry_settings_and_bare_names_keep_their_hash():
    from modelcollapse.experiment.sweep import build_chain

    bare = parse_experiment({"name": "x", "metrics": ["mse_to_truth"]})
    assert bare.model_dump(mode="json")["metrics"] == ["mse_to_truth"]  # hashes as before
    text = parse_experiment({"name": "x", "world": "shakespeare", "model": "ngram", "metrics": [
        "held_out_perplexity", {"name": "generated_text", "n_sequences": 16}]})
    assert build_chain(text).metrics[1].n_sequences == 16
    assert text.config_hash() != parse_experiment(
        {**text.model_dump(mode="json"), "metrics": ["held_out_perplexity", "generated_text"]}
    ).config_hash()
    with pytest.raises(ConfigError, match="has no setting 'n'"):
        build_chain(parse_experiment({"name": "x", "metrics": [{"name": "mse_to_truth", "n": 3}]}))
