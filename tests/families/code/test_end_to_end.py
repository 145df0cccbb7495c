"""A shipped code experiment end to end: run, figures, kept artifacts, the escaped report."""

import json
from html import escape
from pathlib import Path

import numpy as np
import pytest

import modelcollapse
from modelcollapse.experiment.backends import SerialBackend
from modelcollapse.report import write_report
from modelcollapse.report.artifacts import marked_html

EXPERIMENTS = Path(__file__).parents[3] / "experiments"
TINY = ["generations=2", "replicates=2", "samples=60", "world.max_units=200",
        "world.block_size=96", "model.temperature=1.0",
        "metrics=[{name = 'code', n_items = 20}, 'held_out_perplexity']"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    experiment = modelcollapse.load_experiment(EXPERIMENTS / "code-curation.toml", TINY)
    out = tmp_path_factory.mktemp("runs")
    summary = modelcollapse.run_experiment(experiment, out, backend=SerialBackend(), quiet=True)
    return summary.path


def test_every_point_records_the_code_figures(run):
    frame = modelcollapse.load(run)
    assert sorted(frame.point.unique()) == [0, 1, 2]          # none, static verifier, review
    for metric in ("parse_rate", "hallucinated_import_rate", "squattable_names",
                   "recurring_invented_share", "held_out_perplexity"):
        assert metric in set(frame.metric), metric
    parse = frame[frame.metric == "parse_rate"].value
    assert parse.between(0, 1).all() and len(parse) == 3 * 2 * 2
    kept = frame[frame.metric == "static_verifier_kept_synthetic"]
    assert set(kept.point) == {1}                              # only the verifier point has it


def test_artifacts_come_back(run):
    artifacts = modelcollapse.load_artifacts(run)
    assert set(artifacts.replicate) == {0}
    assert {"code_samples", "invented_names", "squattable_names"} <= set(artifacts.name)
    for row in artifacts[artifacts.name == "code_samples"].itertuples():
        sample = json.loads(row.text)
        assert sample["text"].startswith("# --- sample ")
        for start, end, label in sample["marks"]:
            assert 0 <= start < end <= len(sample["text"]) and label.startswith("invented ")
    for row in artifacts[artifacts.name == "squattable_names"].itertuples():
        assert json.loads(row.text)[0][:3] == ["invented name", "times written", "resembles"]


def test_report_shows_the_samples_escaped(run, tmp_path):
    report = write_report([run], tmp_path / "report.html").read_text()
    artifacts = modelcollapse.load_artifacts(run)
    samples = artifacts[(artifacts.name == "code_samples") & (artifacts.point == 0)]
    shown = samples[samples.generation.isin([1, 2])]
    assert len(shown) == 2
    for row in shown.itertuples():
        sample = json.loads(row.text)
        html = marked_html(sample["text"][:3000], sample["marks"])
        assert html in report                              # shown, through the escaping
        assert escape(sample["text"][:40], quote=True) in report
    assert np.all([escape(name) in report for name in ("code_samples", "squattable_names")])
