"""What a unit in hand shows while it runs, and a unit that runs out of memory."""

import io

import pytest

from modelcollapse.core import progress, registry
from modelcollapse.core.errors import UsageError
from modelcollapse.experiment.backends import SerialBackend
from modelcollapse.experiment.progress import Progress
from modelcollapse.experiment.runner import run_experiment, run_status
from modelcollapse.experiment.schema import parse_experiment
from modelcollapse.experiment.store import Unit
from modelcollapse.experiment.units import run_unit
from modelcollapse.families.gaussian.model import GaussianModel


class OutOfMemoryError(RuntimeError):
    """Named like torch.OutOfMemoryError, which the runner recognises by name."""


class ReportingGaussian(GaussianModel):
    """A Gaussian that reports training steps like a neural model, and can run out of memory.

    ``fail_at`` counts fits across the whole test (the serial backend runs
    units in order), so the failure lands in a chosen generation of a later unit.
    """

    needs_lineage = True
    fits = 0
    fail_at = None

    def clone(self):
        return ReportingGaussian(self.estimator, self.truncate_sd, self.keep_fraction)

    def fit(self, data, *, rng, generation=None, first=None):
        ReportingGaussian.fits += 1
        if ReportingGaussian.fits == ReportingGaussian.fail_at:
            raise OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        for step in range(1, 5):
            progress.report("training", step, 4, loss=2.0 / step, tokens_per_s=1234.0)
        return super().fit(data, rng=rng)


@pytest.fixture
def reporting_model(monkeypatch):
    monkeypatch.setitem(registry.models._factories, "reporting-gaussian", ReportingGaussian)
    monkeypatch.setattr(ReportingGaussian, "fits", 0)
    monkeypatch.setattr(ReportingGaussian, "fail_at", None)
    return ReportingGaussian


def _experiment(**changes):
    return parse_experiment({"name": "reporting", "world": "gaussian",
                             "model": "reporting-gaussian", "metrics": ["variance"],
                             "generations": 3, "replicates": 3, "block": 1, **changes})


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_plain_lines_name_the_unit_generation_stage_loss_rate_and_time_left(reporting_model):
    experiment = _experiment(replicates=2, block=2)
    stream = io.StringIO()
    with Progress(1, stream=stream, step_every=0.0, steps=True) as shown:
        shown.watch(run_unit)(experiment.model_dump_json(), Unit(0, 0, 2))
    lines = stream.getvalue().splitlines()
    assert lines[0] == "1 units to run (0 already done)"
    assert ("unit p0000-r00000000-n2: replicate 1, generation 3/3, training 4/4, loss 0.500, "
            "1,234 tokens/s, about ") in lines[-1]
    assert lines[-1].endswith("left in this unit")
    assert any(line.startswith("unit p0000-r00000000-n2: replicate 0, generation 1/3")
               for line in lines)


def test_plain_lines_come_at_most_every_step_every_seconds(reporting_model):
    stream = io.StringIO()
    with Progress(1, stream=stream, steps=True) as shown:  # 30 s: a fast unit prints none
        shown.watch(run_unit)(_experiment().model_dump_json(), Unit(0, 0, 1))
    assert stream.getvalue().splitlines() == ["1 units to run (0 already done)"]


def test_a_terminal_gets_a_bar_for_the_unit_in_hand(reporting_model, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # rich cuts lines to the terminal's width
    stream = _Terminal()
    with Progress(1, stream=stream, steps=True) as shown:
        shown.watch(run_unit)(_experiment().model_dump_json(), Unit(0, 0, 1))
        shown.advance()
    assert "unit 1/1 rep 0 gen 3/3 training" in stream.getvalue()
    assert "tokens/s" in stream.getvalue()


def test_nothing_about_the_unit_when_quiet_or_under_ci(reporting_model, monkeypatch):
    stream = io.StringIO()
    with Progress(1, quiet=True, stream=stream, step_every=0.0) as shown:
        assert shown.watch(run_unit) is run_unit
    monkeypatch.setenv("CI", "true")
    with Progress(1, stream=stream, step_every=0.0) as shown:
        assert shown.watch(run_unit) is run_unit
    assert "unit p" not in stream.getvalue()


def test_reports_outside_a_listening_block_go_nowhere():
    progress.report("training", 1, 2, loss=1.0)
    progress.announce("generation", 1, 2, replicate=0)
    assert not progress.due(1, 2)


def test_running_out_of_memory_is_one_usage_error_and_the_finished_units_stay(
        reporting_model, tmp_path):
    reporting_model.fail_at = 5  # unit 2 of 3 (fits 4 to 6), generation 2
    with pytest.raises(UsageError, match=r"ran out of GPU memory \(units finished before it "
                                         r"are saved: 1 this session\); lower "
                                         r"model.batch_size.*run again to resume"):
        run_experiment(_experiment(), tmp_path, backend=SerialBackend(), quiet=True)
    _, state = run_status(tmp_path / "reporting")
    assert [unit.first_replicate for unit in state.done] == [0]
    summary = run_experiment(_experiment(), tmp_path, backend=SerialBackend(), quiet=True)
    assert summary.already_done == 1 and summary.computed == 2
