"""--set on swept keys from the command line: the sweep is replaced, reached into, or refused."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

import modelcollapse
from modelcollapse.cli.main import app

runner = CliRunner()
EXPERIMENTS = Path(__file__).parents[2] / "experiments"


def test_set_on_a_swept_key_replaces_the_axis_and_says_so():
    path = str(EXPERIMENTS / "samples-by-policy.toml")
    result = runner.invoke(app, ["validate", path])
    assert result.exit_code == 0 and "12 sweep point(s)" in result.output
    result = runner.invoke(app, ["validate", path, "--set", "samples=50"])
    assert result.exit_code == 0, result.output
    assert "note: samples=50 replaces the 4 swept values of samples" in result.output
    assert "3 sweep point(s)" in result.output and "12 sweep point(s)" not in result.output


def test_set_inside_a_swept_table_is_applied_to_every_value(tmp_path):
    path = tmp_path / "swept.toml"
    path.write_text('name = "swept"\ngenerations = 2\nreplicates = 2\nmetrics = ["mse_to_truth"]'
                    '\n[sweep]\nmodel = [{name = "polynomial", degree = 1}, '
                    '{name = "polynomial", degree = 2}]\n')
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path), "--workers", "1",
                                 "--set", "model.noise=0.5"])
    assert result.exit_code == 0, result.output
    assert "note: model.noise=0.5 applies to each of the 2 swept values of model" in result.output
    columns = modelcollapse.load(tmp_path / "swept").model.unique()
    assert sorted(columns) == ["polynomial(degree=1, noise=0.5)",
                               "polynomial(degree=2, noise=0.5)"]
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "q"), "--workers",
                                 "1", "--quiet", "--set", "model.noise=0.5"])
    assert result.exit_code == 0 and result.output == ""


def test_dotted_sweep_keys_can_be_overridden():
    path = str(EXPERIMENTS / "transformer-decoding.toml")
    result = runner.invoke(app, ["validate", path, "--set", 'sweep."model.top_k"=[0]'])
    assert result.exit_code == 0, result.output
    assert "2 sweep point(s)" in result.output


@pytest.mark.parametrize("args, message", [
    (["validate", "{decoding}", "--set", 'model={{name = "transformer", top_k = 3}}'],
     "the sweep varies model.top_k"),
    (["validate", "{decoding}", "--set", "sweep.'model.top_k=[0]"], "not a key"),
    (["validate", "{by_policy}", "--set", "policy.fraction=0.2"],
     "sweep point samples=10, policy=replace(fraction=0.2): policy 'replace' has no setting"),
])
def test_set_mistakes_are_one_line_and_exit_2(args, message):
    args = [a.format(decoding=EXPERIMENTS / "transformer-decoding.toml",
                     by_policy=EXPERIMENTS / "samples-by-policy.toml") for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    error = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and message in error[0]
    assert "Traceback" not in result.output
