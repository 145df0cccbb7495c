import pytest
from typer.testing import CliRunner

from modelcollapse.cli.main import app

runner = CliRunner()

EXPERIMENT = """
name = "cli"
description = "A tiny sweep for the command-line tests."
generations = 4
replicates = 6
block = 3
metrics = ["mse_to_truth"]
[sweep]
policy = ["replace", "accumulate"]
"""


@pytest.fixture
def experiment(tmp_path):
    path = tmp_path / "cli.toml"
    path.write_text(EXPERIMENT)
    return path


def test_validate_run_status_query(experiment, tmp_path):
    out = tmp_path / "runs"
    result = runner.invoke(app, ["validate", str(experiment)])
    assert result.exit_code == 0 and "2 sweep point(s), 4 unit(s)" in result.output

    result = runner.invoke(app, ["run", str(experiment), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "4 units, 4 computed now" in result.output

    result = runner.invoke(app, ["status", str(out / "cli")])
    assert result.exit_code == 0 and "4 done, 0 pending, 0 broken" in result.output

    result = runner.invoke(app, ["query", str(out / "cli"), "--csv",
                                 "select policy, count(*) as n from results group by 1 order by 1"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["policy,n", "accumulate,24", "replace,24"]


def test_set_overrides_reach_the_run(experiment, tmp_path):
    result = runner.invoke(app, ["run", str(experiment), "--out", str(tmp_path), "--quiet",
                                 "--workers", "1", "--set", "generations=2", "--set",
                                 "sweep.policy=['replace']"])
    assert result.exit_code == 0, result.output
    assert result.output == ""
    result = runner.invoke(app, ["query", str(tmp_path / "cli"), "--csv",
                                 "select max(generation) as g, count(distinct policy) as p "
                                 "from results"])
    assert result.output.splitlines()[1] == "2,1"


@pytest.mark.parametrize("args, message", [
    (["validate", "{dir}/missing.toml"], "no such file"),
    (["validate", "{exp}", "--set", "generatons=3"], "did you mean 'generations'"),
    (["validate", "{exp}", "--set", "sweep.policy=[]"], "sweep.policy is an empty list"),
    (["validate", "{exp}", "--set", "model=polynomal"], "did you mean 'polynomial'"),
    (["run", "{exp}", "--workers", "0"], "--workers 0 must be at least 1"),
    (["run", "{exp}", "--workers", "2", "--dask-local", "2"], "choose one of"),
    (["run", "{exp}", "--scheduler", "tcp://127.0.0.1:9"], "cannot reach the Dask scheduler"),
    (["run", "{exp}", "--out", "{file}/runs"], "cannot write there"),
    (["run", "{exp}", "--device", "tpu"], "choose cpu, cuda or auto"),
    (["run", "{exp}", "--device", "cuda"], "has no setting 'device'"),
    (["status", "{dir}/nowhere"], "no such run directory"),
    (["query", "{dir}/nowhere", "select 1"], "no such run directory"),
])
def test_user_mistakes_are_one_line_and_exit_2(experiment, tmp_path, args, message):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    args = [a.format(dir=tmp_path, exp=experiment, file=blocker) for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_bad_modelcollapse_numba_is_refused_before_anything_runs(experiment, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("MODELCOLLAPSE_NUMBA", "yes")
    out = tmp_path / "runs"
    result = runner.invoke(app, ["run", str(experiment), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "MODELCOLLAPSE_NUMBA='yes': set it to 1" in result.output
    assert "Traceback" not in result.output and not out.exists()
