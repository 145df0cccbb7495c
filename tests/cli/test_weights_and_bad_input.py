"""Keeping each generation's weights and talking to them; bad input stops in one line."""

import pytest
from typer.testing import CliRunner

from modelcollapse.cli.main import app
from modelcollapse.core import registry
from modelcollapse.experiment.runner import load, load_model
from tests.experiment.test_unit_progress import ReportingGaussian

torch = pytest.importorskip("torch")

runner = CliRunner()

TINY = """
name = "tiny-lm"
description = "A tiny character transformer for the command-line tests."
generations = 2
replicates = 2
samples = 16
metrics = ["held_out_perplexity"]
[world]
name = "shakespeare"
block_size = 16
max_chars = 20000
[model]
name = "transformer"
n_layer = 1
n_head = 2
n_embd = 16
steps = 3
batch_size = 8
threads = 1
"""


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny-lm.toml"
    path.write_text(TINY)
    return path


@pytest.fixture(scope="module")
def kept(tmp_path_factory):
    """A tiny transformer run that kept its weights."""
    folder = tmp_path_factory.mktemp("kept")
    (folder / "tiny-lm.toml").write_text(TINY)
    result = runner.invoke(app, ["run", str(folder / "tiny-lm.toml"), "--out",
                                 str(folder / "runs"), "--workers", "1", "--keep-weights",
                                 "--quiet"])
    assert result.exit_code == 0, result.output
    return folder / "runs" / "tiny-lm"


def _one_error_line(result, message):
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    assert message in " ".join(result.output.split())


def test_each_generation_of_replicate_0_is_kept_as_safetensors_and_json(kept):
    for generation in (1, 2):
        folder = kept / "weights" / "p0000" / "replicate-0" / f"generation-{generation}"
        assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors"]
    assert not (kept / "weights" / "p0000" / "replicate-1").exists()


def test_sample_prints_texts_that_continue_the_prompt(kept):
    result = runner.invoke(app, ["sample", str(kept), "--generation", "2", "--prompt",
                                 "ROMEO:", "--n", "2", "--seed", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "--- text 1 of 2 (generation 2) ---"
    assert lines[1].startswith("ROMEO:") and len(lines[1]) > len("ROMEO:")
    again = runner.invoke(app, ["sample", str(kept), "--generation", "2", "--prompt",
                                "ROMEO:", "--n", "2", "--seed", "1"])
    assert again.output == result.output  # the seed decides the text


def test_a_loaded_generation_measures_what_the_run_recorded(kept):
    from modelcollapse.families.language.metrics import HeldOutPerplexity

    frame = load(kept)
    for generation in (1, 2):
        model, world = load_model(kept, generation)
        recorded = frame[(frame.replicate == 0) & (frame.generation == generation)
                         & (frame.metric == "held_out_perplexity")].value.item()
        measured = HeldOutPerplexity().measure(model, world)["held_out_perplexity"]
        # Unit files keep values to float32 precision: within 2**-24 of what was measured.
        assert measured == pytest.approx(recorded, rel=2.0 ** -24)


@pytest.mark.parametrize(("arguments", "message"), [
    (["--generation", "3"], "--generation 3: this run has generations 1 to 2"),
    (["--generation", "1", "--replicate", "1"], "only replicate 0 of each point keeps"),
    (["--generation", "1", "--point", "1"], "--point 1: this run has sweep points 0 to 0"),
    (["--generation", "1", "--n", "0"], "--n 0: write between 1 and 1000 texts"),
])
def test_sample_refuses_what_was_not_kept_in_one_line(kept, arguments, message):
    _one_error_line(runner.invoke(app, ["sample", str(kept), *arguments]), message)


def test_damaged_weights_are_refused_then_recomputed_by_the_next_run(tiny, tmp_path):
    out = tmp_path / "runs"
    command = ["run", str(tiny), "--out", str(out), "--workers", "1", "--keep-weights",
               "--quiet"]
    assert runner.invoke(app, command).exit_code == 0
    weights = out / "tiny-lm" / "weights" / "p0000" / "replicate-0" / "generation-1"
    data = bytearray((weights / "model.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (weights / "model.safetensors").write_bytes(bytes(data))
    _one_error_line(runner.invoke(app, ["sample", str(out / "tiny-lm"), "--generation", "1"]),
                    "model.safetensors does not match its checksum")
    assert "1 broken" in runner.invoke(app, ["status", str(out / "tiny-lm")]).output
    assert runner.invoke(app, command).exit_code == 0
    result = runner.invoke(app, ["sample", str(out / "tiny-lm"), "--generation", "1"])
    assert result.exit_code == 0, result.output


def test_a_run_without_keep_weights_says_how_to_keep_them(tiny, tmp_path):
    out = tmp_path / "runs"
    assert runner.invoke(app, ["run", str(tiny), "--out", str(out), "--workers", "1",
                               "--quiet", "--set", "generations=1"]).exit_code == 0
    assert not (out / "tiny-lm" / "weights").exists()
    _one_error_line(runner.invoke(app, ["sample", str(out / "tiny-lm"), "--generation", "1"]),
                    "this run kept no weights; run the experiment again with keep_weights")


def test_keep_weights_is_refused_for_a_model_that_cannot_save(tmp_path):
    path = tmp_path / "poly.toml"
    path.write_text('name = "poly"\nkeep_weights = true\nmetrics = ["mse_to_truth"]\n')
    _one_error_line(runner.invoke(app, ["validate", str(path)]),
                    "keep_weights: the 'polynomial' model cannot save its weights")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a GPU")
@pytest.mark.parametrize("arguments", [["--device", "cuda"], ["--set", "model.device='cuda'"]])
def test_cuda_without_a_gpu_stops_before_any_unit(tiny, tmp_path, arguments):
    result = runner.invoke(app, ["run", str(tiny), "--out", str(tmp_path / "runs"),
                                 "--workers", "1", *arguments])
    _one_error_line(result, "PyTorch sees no CUDA GPU here; use device = 'cpu' or 'auto'")
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize(("setting", "message"), [
    ("model.n_embd=15", "n_embd (15) must be a multiple of n_head (2)"),
    ("model.n_layer=0", "n_layer must be an integer >= 1, got 0"),
])
def test_an_impossible_model_size_is_one_line(tiny, tmp_path, command, setting, message):
    extra = ["--out", str(tmp_path / "runs"), "--workers", "1"] if command == "run" else []
    result = runner.invoke(app, [command, str(tiny), "--set", setting, *extra])
    _one_error_line(result, message)
    assert not (tmp_path / "runs").exists()


def test_out_of_memory_in_a_later_unit_exits_2_and_a_rerun_resumes(tmp_path, monkeypatch):
    monkeypatch.setitem(registry.models._factories, "reporting-gaussian", ReportingGaussian)
    monkeypatch.setattr(ReportingGaussian, "fits", 0)
    monkeypatch.setattr(ReportingGaussian, "fail_at", 5)  # unit 2 of 3, generation 2
    path = tmp_path / "oom.toml"
    path.write_text('name = "oom"\nworld = "gaussian"\nmodel = "reporting-gaussian"\n'
                    'metrics = ["variance"]\ngenerations = 3\nreplicates = 3\nblock = 1\n')
    command = ["run", str(path), "--out", str(tmp_path / "runs"), "--workers", "1"]
    result = runner.invoke(app, [*command, "--quiet"])
    _one_error_line(result, "a unit ran out of GPU memory (units finished before it are saved: 1 "
                            "this session); lower model.batch_size or model.sample_batch_size, "
                            "or use a smaller block or model, then run again to resume")
    status = runner.invoke(app, ["status", str(tmp_path / "runs" / "oom")])
    assert "1 done, 2 pending" in status.output
    result = runner.invoke(app, [*command, "--quiet"])
    assert result.exit_code == 0, result.output
    assert load(tmp_path / "runs" / "oom").replicate.nunique() == 3
