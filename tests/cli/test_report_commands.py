import pytest
from typer.testing import CliRunner

from modelcollapse.cli.main import app

runner = CliRunner()


def test_plot_and_report_write_their_files(small_run, tmp_path):
    figure = tmp_path / "f.svg"
    result = runner.invoke(app, ["plot", str(small_run), "--metric", "coef_3", "--by", "policy",
                                 "-o", str(figure)])
    assert result.exit_code == 0, result.output
    assert figure.read_text().lstrip().startswith("<?xml")
    html = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(small_run), "-o", str(html)])
    assert result.exit_code == 0, result.output
    assert html.read_text().startswith("<!doctype html>")
    result = runner.invoke(app, ["report", "--compare", str(small_run), str(small_run),
                                 "-o", str(tmp_path / "c.html")])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("args, message", [
    (["plot", "{run}", "--metric", "mse"], "did you mean 'mse_to_truth'"),
    (["plot", "{run}", "-o", "{tmp}/f.gif"], "use a .png, .svg or .pdf"),
    (["plot", "{run}", "--band", "wide"], "use ci or quantiles"),
    (["plot", "{run}", "--by", "samples"], "not a swept key"),
    (["report", "{tmp}/missing"], "no such run directory"),
    (["report", "{run}", "{run}"], "add --compare"),
    (["report", "--compare", "{run}"], "at least two run directories"),
    (["report", "{run}", "-o", "{tmp}/no/such/dir/r.html"], "does not exist"),
])
def test_bad_report_requests_exit_2_with_one_line(small_run, tmp_path, args, message):
    args = [a.format(run=small_run, tmp=tmp_path) for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
