"""The staleness phase diagram reaches the report and the command line."""

from typer.testing import CliRunner

from modelcollapse.cli.main import app
from modelcollapse.experiment.backends import SerialBackend
from modelcollapse.experiment.runner import run_experiment
from modelcollapse.experiment.schema import parse_experiment
from modelcollapse.report import write_report

runner = CliRunner()


def _phase_run(tmp_path):
    experiment = parse_experiment({
        "name": "phase", "world": {"name": "gaussian", "drift": 0.0}, "model": "gaussian",
        "generations": 4, "replicates": 6, "samples": 30, "metrics": ["w2"],
        "sweep": {"world.drift": [0.0, 0.1],
                  "policy": ["frozen", "retrieval(5)", "fresh-only(10)",
                             {"name": "web-scrape", "schedule": "constant", "end": 0.5}]}})
    run_experiment(experiment, tmp_path, backend=SerialBackend(), quiet=True)
    return tmp_path / "phase"


def test_phase_runs_get_the_diagram_in_report_and_cli(tmp_path):
    run = _phase_run(tmp_path)
    html = write_report([run], tmp_path / "r.html").read_text()
    assert "Which option wins where" in html
    result = runner.invoke(app, ["plot", str(run), "--phase", "--metric", "w2",
                                 "-o", str(tmp_path / "phase.png")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "phase.png").stat().st_size > 10_000
    result = runner.invoke(app, ["plot", str(run), "--phase", "--metric", "w_2",
                                 "-o", str(tmp_path / "p.png")])
    assert result.exit_code == 2 and "did you mean 'w2'" in result.output
    result = runner.invoke(app, ["plot", str(run), "--phase", "--metric", "w2",
                                 "--generation", "9", "-o", str(tmp_path / "p.png")])
    assert result.exit_code == 2 and "generations 1 to 4" in result.output


def test_runs_without_drift_get_no_diagram(small_run, tmp_path):
    html = write_report([small_run], tmp_path / "r.html").read_text()
    assert "Which option wins where" not in html
    result = runner.invoke(app, ["plot", str(small_run), "--phase", "-o",
                                 str(tmp_path / "p.png")])
    assert result.exit_code == 2 and "sweeps world.drift" in result.output
