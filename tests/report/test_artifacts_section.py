"""The report shows what metrics kept: images, escaped texts, highlighted names, histograms."""

import numpy as np

from modelcollapse.core import registry
from modelcollapse.experiment.backends import SerialBackend
from modelcollapse.experiment.runner import load_artifacts, run_experiment
from modelcollapse.experiment.schema import parse_experiment
from modelcollapse.report import write_report
from modelcollapse.report.artifacts import marked_html
from tests.conftest import TRICKY


class ShowAndTell:
    """A test metric that keeps one artifact of every kind."""

    name = "show-and-tell"

    def names(self, model):
        return ("draw",)

    def applies(self, model, world):
        return True

    def measure(self, model, world, context):
        rng, artifacts = context.rng, context.artifacts
        draws = model.sample(200, rng=rng).X[:, 0]
        if artifacts is not None:
            artifacts.text("sample", TRICKY)
            code = "import reqeusts\nreqeusts.get('<x>')\n"
            artifacts.marked_text("code", code, [(7, 15, "invented package")])
            artifacts.image("grid", np.outer(np.linspace(0, 1, 8), np.ones(8)))
            artifacts.array("draws", draws)
            artifacts.json("top", [["reqeusts", 3], ["<b>numpyy</b>", 1]])
        return {"draw": float(draws[0])}


if "show-and-tell" not in registry.metrics:
    registry.metrics.register("show-and-tell")(ShowAndTell)


def test_marked_html_escapes_inside_and_outside_marks():
    html = marked_html("a<b>c & d", [(1, 4, "<label>")])
    assert html == "a<mark title='&lt;label&gt;'>&lt;b&gt;</mark>c &amp; d"


def test_report_shows_every_kind_of_artifact_escaped(tmp_path):
    experiment = parse_experiment({
        "name": "keepsakes", "world": "gaussian", "model": "gaussian", "generations": 8,
        "replicates": 3, "samples": 20, "metrics": ["show-and-tell"],
        "sweep": {"policy": ["replace", "accumulate"]}})
    run_experiment(experiment, tmp_path, backend=SerialBackend(), quiet=True)
    kept = load_artifacts(tmp_path / "keepsakes")
    assert set(kept.replicate) == {0} and set(kept.point) == {0, 1}
    assert len(kept) == 2 * 8 * 5
    html = write_report([tmp_path / "keepsakes"], tmp_path / "r.html").read_text()
    assert "What the models wrote" in html
    assert "<script" not in html.lower() and "<b>numpyy" not in html
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in html
    assert "<mark title='invented package'>reqeusts</mark>" in html
    # Generations 1, 2, 4 and 8 of two points: four grids each, and one histogram each.
    assert html.count("class='pixels'") == 2 * 4
    assert html.count("draws: distribution at generations 1, 2, 4, 8") == 2


def test_artifacts_command_writes_files_and_refuses_mistakes(tmp_path):
    from matplotlib.image import imread
    from typer.testing import CliRunner

    from modelcollapse.cli.main import app

    experiment = parse_experiment({
        "name": "files", "world": "gaussian", "model": "gaussian", "generations": 3,
        "replicates": 2, "samples": 20, "metrics": ["show-and-tell"]})
    run_experiment(experiment, tmp_path, backend=SerialBackend(), quiet=True)
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(app, ["artifacts", str(tmp_path / "files"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 3 * 5
    grid = imread(out / "point0000-replicate0-generation00002-grid.png")
    assert grid.shape[:2] == (8, 8)
    assert np.load(out / "point0000-replicate0-generation00001-draws.npy",
                   allow_pickle=False).shape == (200,)
    assert (out / "point0000-replicate0-generation00003-sample.txt").read_text() == TRICKY
    result = runner.invoke(app, ["artifacts", str(tmp_path / "files"), "-o", str(out),
                                 "--name", "grd"])
    assert result.exit_code == 2 and "did you mean 'grid'" in result.output
    result = runner.invoke(app, ["artifacts", str(tmp_path / "files"), "-o", str(out),
                                 "--name", "grid", "--generation", "9"])
    assert result.exit_code == 2 and "nothing kept there" in result.output


def test_a_list_of_records_is_a_table_with_escaped_cells():
    from modelcollapse.report.artifacts import _show_json

    html = _show_json([{"name": "<b>reqeusts</b>", "imitates": "requests"},
                       {"name": "numpyy", "squatted": True}])
    assert html.startswith("<table><tr><th>name</th><th>imitates</th><th>squatted</th></tr>")
    assert "&lt;b&gt;reqeusts&lt;/b&gt;" in html and "<b>" not in html
    assert html.count("<tr>") == 3
