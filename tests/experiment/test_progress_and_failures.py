import errno
import io

import pyarrow.parquet as pq
import pytest

from modelcollapse.experiment.backends import SerialBackend
from modelcollapse.experiment.progress import Progress
from modelcollapse.experiment.runner import run_experiment, run_status
from modelcollapse.experiment.schema import parse_experiment
from modelcollapse.experiment.store import RunError


def test_plain_progress_lines_when_not_a_terminal():
    stream = io.StringIO()
    with Progress(3, already_done=2, stream=stream, every=0.0) as progress:
        for _ in range(3):
            progress.advance()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "3 units to run (2 already done)"
    assert lines[-1].startswith("3/3 units,") and "units/s" in lines[-1]


def test_quiet_progress_prints_nothing():
    stream = io.StringIO()
    with Progress(2, quiet=True, stream=stream) as progress:
        progress.advance()
    assert stream.getvalue() == ""


def test_a_full_disk_stops_the_run_cleanly_and_keeps_finished_units(tmp_path, monkeypatch):
    experiment = parse_experiment({"name": "full", "generations": 2, "replicates": 8,
                                   "block": 2, "metrics": ["mse_to_truth"]})
    real_write = pq.write_table
    calls = {"n": 0}

    def write_until_full(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(pq, "write_table", write_until_full)
    with pytest.raises(RunError, match=r"No space left on device.*run again to resume"):
        run_experiment(experiment, tmp_path, backend=SerialBackend(), quiet=True)
    monkeypatch.setattr(pq, "write_table", real_write)
    _, state = run_status(tmp_path / "full")
    assert len(state.done) == 2 and len(state.pending) == 2
    assert not list((tmp_path / "full" / "units").glob(".*partial*"))
    summary = run_experiment(experiment, tmp_path, backend=SerialBackend(), quiet=True)
    assert summary.computed == 2 and summary.already_done == 2
