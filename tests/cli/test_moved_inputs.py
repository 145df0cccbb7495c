"""Views of a run read its directory alone: a text run still answers once its corpus moved."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from modelcollapse.cli.main import app
from modelcollapse.experiment.runner import load

runner = CliRunner()

WORDS = "the quick brown fox jumps over a lazy dog and then runs all the way home".split()


@pytest.fixture
def moved_run(tmp_path):
    """A finished two-point text-world run whose corpus has since been moved away."""
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(" ".join(WORDS[(7 * i) % len(WORDS)] for i in range(2000)))
    experiment = tmp_path / "moved.toml"
    experiment.write_text(f"""
name = "moved"
generations = 3
replicates = 2
samples = 20
metrics = ["held_out_perplexity"]
[world]
name = "text"
path = {json.dumps(str(corpus))}
block_size = 16
[model]
name = "ngram"
order = 3
[sweep]
policy = ["replace", "accumulate"]
""")
    out = tmp_path / "runs"
    result = runner.invoke(app, ["run", str(experiment), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    rows = load(out / "moved")
    corpus.rename(tmp_path / "elsewhere.txt")
    return out / "moved", rows


def _no_chain(*args, **kwargs):
    raise AssertionError("a view built a chain")


def test_status_query_plot_and_report_need_no_corpus(moved_run, tmp_path, monkeypatch):
    run, rows = moved_run
    # The corpus stays cached in this process, so make building any chain fail outright.
    monkeypatch.setattr("modelcollapse.experiment.sweep.build_chain", _no_chain)
    monkeypatch.setattr("modelcollapse.experiment.views.build_chain", _no_chain)
    result = runner.invoke(app, ["status", str(run)])
    assert result.exit_code == 0, result.output
    assert "2 done, 0 pending, 0 broken" in result.output
    result = runner.invoke(app, ["query", str(run), "SELECT policy, count(*) AS n FROM results "
                                 "GROUP BY policy ORDER BY policy"])
    assert result.exit_code == 0, result.output
    assert "accumulate" in result.output and "replace" in result.output
    figure = tmp_path / "f.svg"
    result = runner.invoke(app, ["plot", str(run), "-o", str(figure)])
    assert result.exit_code == 0, result.output
    assert figure.read_text().lstrip().startswith("<?xml")
    html = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(run), "-o", str(html)])
    assert result.exit_code == 0, result.output
    text = html.read_text()
    assert "policy=replace" in text and "policy=accumulate" in text
    assert len(load(run)) == len(rows)  # the rows read back whole, without the corpus


def test_a_run_without_view_data_is_refused_in_one_line_naming_the_fix(moved_run, tmp_path):
    run, _ = moved_run
    (run / "views.json").unlink()  # as a run directory written before views.json existed
    result = runner.invoke(app, ["status", str(run)])
    assert result.exit_code == 0, result.output  # status needs only the units
    # A fresh process, as on another machine: this one keeps the corpus cached.
    result = subprocess.run([sys.executable, "-m", "modelcollapse", "report", str(run), "-o",
                             str(tmp_path / "r.html")], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "views.json" in result.stderr and "modelcollapse run" in result.stderr
    assert "no such file" in result.stderr


def test_a_run_without_view_data_is_read_by_rebuilding_its_chains(moved_run, tmp_path):
    run, _ = moved_run
    stored = json.loads((run / "views.json").read_text())
    (run / "views.json").unlink()
    (tmp_path / "elsewhere.txt").rename(tmp_path / "corpus.txt")
    from modelcollapse.report import RunView

    assert RunView(run).views == stored
    result = runner.invoke(app, ["report", str(run), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
