import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from modelcollapse.cli.main import app

runner = CliRunner()


def test_demo_writes_figures_results_and_a_summary(tmp_path):
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--generations", "12", "--replicates", "50",
                                 "--out", str(out), "--format", "svg"])
    assert result.exit_code == 0, result.output
    for name in ("post_fit.svg", "post_chain.svg", "replicates.svg", "results.parquet",
                 "post.parquet", "theory.parquet", "summary.parquet", "run.json"):
        assert (out / name).stat().st_size > 0, name
    assert "Mean squared error" in result.output and "fresh-real(0.1)" in result.output
    results = pd.read_parquet(out / "results.parquet")
    assert set(results.policy) == {"replace", "accumulate", "fresh-real(0.1)"}
    assert results.replicate.nunique() == 50 and results.generation.max() == 12
    post = pd.read_parquet(out / "post.parquet")
    assert set(post.metric) == {"mse_to_truth", "coef_0", "coef_1", "coef_2", "coef_3"}
    record = json.loads((out / "run.json").read_text())
    assert record["settings"]["replicates"] == 50 and record["versions"]["numpy"]


def test_demo_with_zero_generations_still_draws_the_first_figure(tmp_path):
    result = runner.invoke(app, ["demo", "--generations", "0", "--replicates", "3",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "post_fit.png").exists()


@pytest.mark.parametrize("args, message", [
    (["--degree", "30"], "--degree 30 must be smaller than --samples 30"),
    (["--samples", "0"], "--samples 0 must be at least 1"),
    (["--noise", "-0.5"], "--noise -0.5"),
    (["--generations", "-1"], "--generations -1"),
    (["--replicates", "0"], "--replicates 0 must be at least 1"),
    (["--format", "gif"], "use png or svg"),
    (["--seed", "4294967296"], "between 0 and 4294967295"),
    (["--noise", "1e308"], "over the limit of 1e6"),
    (["--degree", "21", "--samples", "40"], "--degree 21 is over the limit of 20"),
    (["--samples", "1000000000"], "--samples 1000000000 is over the limit of 100,000"),
    (["--replicates", "100000"], "writes replicates in blocks"),
])
def test_bad_input_is_one_clear_line_and_exit_status_2(tmp_path, args, message):
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "x"), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x" / "results.parquet").exists()


def test_an_unwritable_output_folder_is_refused_before_any_work(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = runner.invoke(app, ["demo", "--out", str(blocker / "demo")])
    assert result.exit_code == 2
    assert "is not a writable folder" in result.output and "--out" in result.output
    assert "Traceback" not in result.output


def test_a_disk_that_fills_up_mid_demo_is_one_line_and_leaves_no_partial_file(tmp_path,
                                                                               monkeypatch):
    import errno
    from pathlib import Path

    real = Path.write_bytes

    def full(self, data):
        if "results" in self.name:
            real(self, data[:len(data) // 2])  # half written, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    result = runner.invoke(app, ["demo", "--generations", "2", "--replicates", "3",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "No space left on device" in result.output and "--out" in result.output
    assert not list(tmp_path.glob(".*partial*"))
