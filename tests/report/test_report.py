import json
import shutil

import numpy as np
import pandas as pd
import pytest

from modelcollapse.experiment.runner import load
from modelcollapse.experiment.store import RunError
from modelcollapse.report import RunView, plot_run, write_report


def test_summary_statistics_match_pandas(small_run):
    view = RunView(small_run)
    frame = load(small_run)
    rows = frame[(frame.metric == "mse_to_truth") & (frame.generation == 20)]
    for point, part in rows.groupby("point"):
        summary = view.summary
        got = summary[(summary.point == point) & (summary.metric == "mse_to_truth")
                      & (summary.generation == 20)].iloc[0]
        assert got["n"] == 40
        np.testing.assert_allclose(got["mean"], part.value.mean(), rtol=1e-12)
        np.testing.assert_allclose(got["median"], part.value.median(), rtol=1e-12)
        np.testing.assert_allclose(got["q975"], part.value.quantile(0.975), rtol=1e-12)
        np.testing.assert_allclose(got["se"], part.value.std() / np.sqrt(40), rtol=1e-9)


def test_report_is_self_contained_and_escapes_text(small_run, tmp_path):
    html = write_report([small_run], tmp_path / "r.html").read_text()
    assert "<script" not in html.lower()
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt; &amp; &quot;quotes&quot;" in html
    assert "http://" not in html and "https://" not in html
    assert html.count("data:image/png;base64,") >= 1 + 4 + 1  # mse, coefficients, gallery
    assert "Complete: all 4 units finished" in html
    assert "theory (exact)" not in html  # legends live inside the images, not the text
    assert "closed-form prediction" in html  # the replace point has a theory overlay
    record = json.loads((small_run / "run.json").read_text())
    assert record["config_hash"] in html


def test_incomplete_runs_report_what_exists_and_what_is_missing(small_run, tmp_path):
    partial = tmp_path / "partial"
    shutil.copytree(small_run, partial)
    victim = sorted((partial / "units").glob("*.parquet"))[-1]
    victim.unlink()
    html = write_report([partial], tmp_path / "r.html").read_text()
    assert "Incomplete: 3 of 4 units finished" in html and victim.stem in html


def test_compare_puts_runs_side_by_side(small_run, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(small_run, other)
    html = write_report([small_run, other], tmp_path / "c.html").read_text()
    assert "Comparison of 2 runs" in html and html.count("<h1>") == 3


def test_plot_writes_each_format_and_groups_by_a_swept_key(small_run, tmp_path):
    for suffix in ("png", "svg", "pdf"):
        path = plot_run(small_run, "mse_to_truth", tmp_path / f"f.{suffix}")
        assert path.stat().st_size > 1000
    plot_run(small_run, "coef_1", tmp_path / "g.png", by="policy", band="quantiles")
    with pytest.raises(RunError, match=r"not a swept key.*did you mean 'policy'"):
        plot_run(small_run, "mse_to_truth", tmp_path / "h.png", by="polcy")


@pytest.mark.parametrize("metric, message", [("mse", "did you mean 'mse_to_truth'"),
                                             ("coef1", "did you mean 'coef_1'")])
def test_unknown_metrics_get_a_suggestion(small_run, tmp_path, metric, message):
    with pytest.raises(RunError, match=message):
        plot_run(small_run, metric, tmp_path / "x.png")


def test_old_and_missing_runs_are_refused(small_run, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(small_run, old)
    record = json.loads((old / "run.json").read_text())
    record["format_version"] = 0
    (old / "run.json").write_text(json.dumps(record))
    with pytest.raises(RunError, match="incompatible modelcollapse"):
        write_report([old], tmp_path / "r.html")
    with pytest.raises(RunError, match="no such run directory"):
        write_report([tmp_path / "nowhere"], tmp_path / "r.html")
    empty = tmp_path / "empty"
    shutil.copytree(small_run, empty)
    for unit in (empty / "units").glob("*.parquet"):
        unit.unlink()
    with pytest.raises(RunError, match="no finished units"):
        write_report([empty], tmp_path / "r.html")


def test_regression_gallery_curves_come_from_recorded_coefficients(small_run):
    frame = load(small_run)
    last = frame[(frame.point == 0) & (frame.replicate == 0) & (frame.generation == 20)]
    coef = last[last.metric.astype(str).str.startswith("coef_")].value.to_numpy()
    mse = last[last.metric == "mse_to_truth"].value.item()
    grid = np.linspace(0, 1, 100)
    curve = (grid[:, None] ** np.arange(len(coef))) @ coef
    # Unit files keep values to float32 precision (2**-24 relative): the coefficients' rounding,
    # amplified by their cancellation in the curve, leaves the recomputed error within 1e-5.
    assert np.mean((curve - np.cos(1.5 * np.pi * grid)) ** 2) == pytest.approx(mse, rel=1e-5)
    assert isinstance(frame, pd.DataFrame)


def test_figure_texts_with_dollar_signs_are_drawn_as_written():
    import io

    from matplotlib.figure import Figure

    from modelcollapse.report import literal_text

    def draw():
        figure = Figure()
        figure.subplots().set_title("corpus /data/$a_{b$/shakespeare.txt")
        figure.savefig(io.BytesIO(), format="png")

    with pytest.raises(ValueError):
        draw()  # matplotlib's mathtext on its own
    with literal_text():
        draw()


def test_run_figure_returns_a_figure_for_notebooks_and_draws_into_given_axes(small_run):
    from matplotlib.figure import Figure

    from modelcollapse.report import run_figure
    from modelcollapse.report.display import display

    figure = run_figure(small_run)  # no metric: the polynomial family's headline
    (axes,) = figure.axes
    assert axes.get_ylabel() == display("mse_to_truth").axis_label()
    assert all(float(tick).is_integer() for tick in axes.get_xticks())
    (legend,) = figure.legends
    assert legend.get_title().get_text() == "policy"
    assert [t.get_text() for t in legend.get_texts()][:2] == ["replace", "accumulate"]
    assert "Student-t interval of the mean (n = 40 replicates)" in figure._suptitle.get_text()

    mine = Figure()
    ax = mine.subplots()
    assert run_figure(small_run, "coef_1", ax=ax) is mine
    assert len(ax.get_lines()) == 2 and ax.get_legend() is not None


def test_legends_sit_outside_the_panels(small_run):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from modelcollapse.report import literal_text, run_figure

    figure = run_figure(small_run)
    FigureCanvasAgg(figure)
    with literal_text():
        figure.canvas.draw()
        renderer = figure.canvas.get_renderer()
        legend = figure.legends[0].get_window_extent(renderer)
        assert not any(legend.overlaps(ax.get_tightbbox(renderer)) for ax in figure.axes)
        assert not legend.overlaps(figure._suptitle.get_window_extent(renderer))


def test_line_styles_stay_distinct_beyond_ten_lines():
    from modelcollapse.report.plots import line_style

    styles = {tuple(sorted(line_style(i).items())) for i in range(160)}
    assert len(styles) == 160


def test_one_replicate_gets_no_band_and_says_so(tmp_path):
    from modelcollapse.experiment.backends import SerialBackend
    from modelcollapse.experiment.runner import run_experiment
    from modelcollapse.experiment.schema import parse_experiment
    from modelcollapse.report import run_figure

    experiment = parse_experiment({"name": "single", "generations": 4, "replicates": 1,
                                   "metrics": ["mse_to_truth"]})
    run_experiment(experiment, tmp_path, backend=SerialBackend(), quiet=True)
    html = write_report([tmp_path / "single"], tmp_path / "r.html").read_text()
    assert "n = 1: no band" in html and "\u00b1 &ndash;" not in html and "\u00b1 \u2013" not in html
    assert "One chain:" in html and "independent chains" not in html
    assert "Complete: the 1 unit finished" in html
    assert "n = 1: no band" in run_figure(tmp_path / "single")._suptitle.get_text()


def test_plot_draws_the_headline_when_no_metric_is_given(small_run, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from modelcollapse.cli.main import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["plot", str(small_run)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report-check-mse_to_truth.png").stat().st_size > 1000


def test_reports_state_settings_that_differ_from_the_experiment_file(tmp_path):
    from modelcollapse.experiment.backends import SerialBackend
    from modelcollapse.experiment.runner import run_experiment
    from modelcollapse.experiment.schema import load_experiment

    path = tmp_path / "demo.toml"
    path.write_text('name = "demo"\ndescription = "A cubic for 10 generations."\n'
                    'generations = 10\nreplicates = 3\n')
    run_experiment(load_experiment(path, ["generations=2"]), tmp_path, quiet=True,
                   backend=SerialBackend(), source=str(path))
    html = write_report([tmp_path / "demo"], tmp_path / "r.html").read_text()
    lead = html[html.index('<p class="lead">'):]
    assert f"Settings that differ from {path}: generations 2 (the file: 10)." in lead
    assert lead.index("differ") < lead.index("A cubic for 10 generations.")
