import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from modelcollapse.experiment.backends import DaskBackend, PoolBackend, SerialBackend
from modelcollapse.experiment.runner import load, query, run_experiment, run_status
from modelcollapse.experiment.schema import parse_experiment
from modelcollapse.experiment.store import RunDirectory, RunError
from tests.conftest import assert_same_rows

SMALL = {"name": "small", "generations": 6, "replicates": 30, "block": 10, "seed": 3,
         "sweep": {"policy": ["replace", "fresh-real(0.2)"], "samples": [12, 20]}}


def _experiment(**changes):
    return parse_experiment({**SMALL, **changes})


def _sorted(frame):
    return frame.sort_values(["point", "replicate", "generation", "metric"],
                             ignore_index=True)


def test_a_run_writes_one_file_per_unit_and_a_record(tmp_path):
    summary = run_experiment(_experiment(), tmp_path, backend=SerialBackend(), quiet=True)
    assert summary.n_units == summary.computed == 12
    files = sorted((tmp_path / "small" / "units").glob("*.parquet"))
    assert len(files) == 12
    record = json.loads((tmp_path / "small" / "run.json").read_text())
    assert record["config_hash"] == _experiment().config_hash()
    assert record["finished"] and record["versions"]["modelcollapse"]
    frame = load(tmp_path / "small")
    assert list(frame.columns[:3]) == ["point", "policy", "samples"]
    assert frame.groupby("point").replicate.nunique().eq(30).all()


def test_running_again_computes_nothing_and_changes_nothing(tmp_path):
    run_experiment(_experiment(), tmp_path, backend=SerialBackend(), quiet=True)
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "small" / "units").iterdir()}
    summary = run_experiment(_experiment(), tmp_path, backend=SerialBackend(), quiet=True)
    assert summary.computed == 0 and summary.already_done == 12
    after = {p: p.stat().st_mtime_ns for p in (tmp_path / "small" / "units").iterdir()}
    assert before == after


def test_truncated_and_corrupted_units_are_detected_and_recomputed(tmp_path):
    run_experiment(_experiment(), tmp_path, backend=SerialBackend(), quiet=True)
    reference = _sorted(load(tmp_path / "small"))
    units = sorted((tmp_path / "small" / "units").glob("*.parquet"))
    data = units[0].read_bytes()
    units[0].write_bytes(data[: len(data) // 2])            # truncated
    corrupt = bytearray(units[1].read_bytes())
    corrupt[len(corrupt) // 3] ^= 0xFF                       # one flipped byte in a data page
    units[1].write_bytes(bytes(corrupt))
    units[2].unlink()                                        # missing

    _, state = run_status(tmp_path / "small")
    assert len(state.pending) == 1 and len(state.broken) >= 1
    summary = run_experiment(_experiment(), tmp_path, backend=SerialBackend(), quiet=True)
    assert summary.computed == 3 and summary.recomputed_broken == 2
    assert_same_rows(_sorted(load(tmp_path / "small")), reference)


def test_a_different_config_is_refused_with_the_way_out(tmp_path):
    run_experiment(_experiment(), tmp_path, backend=SerialBackend(), quiet=True)
    with pytest.raises(RunError, match=r"different configuration.*choose another --out"):
        run_experiment(_experiment(seed=4), tmp_path, backend=SerialBackend(), quiet=True)


def test_one_worker_two_workers_and_dask_give_identical_values(tmp_path):
    frames = {}
    for name, backend in [("serial", SerialBackend()), ("pool", PoolBackend(2)),
                          ("dask", DaskBackend(workers=2))]:
        run_experiment(_experiment(), tmp_path / name, backend=backend, quiet=True)
        frames[name] = _sorted(load(tmp_path / name / "small"))
    assert_same_rows(frames["serial"], frames["pool"])
    assert_same_rows(frames["serial"], frames["dask"])


def test_query_and_errors(tmp_path):
    run_experiment(_experiment(), tmp_path, backend=SerialBackend(), quiet=True)
    answer = query(tmp_path / "small", "select count(distinct point) as n from results")
    assert answer["n"].item() == 4
    with pytest.raises(RunError, match="the query failed"):
        query(tmp_path / "small", "select nope from results")
    with pytest.raises(RunError, match="no such run directory"):
        load(tmp_path / "missing")


def test_an_unreachable_scheduler_is_a_clear_error():
    from modelcollapse.core.errors import UsageError

    with pytest.raises(UsageError, match="cannot reach the Dask scheduler"):
        DaskBackend(address="tcp://127.0.0.1:9", timeout=2)


def test_a_run_killed_with_sigkill_resumes_to_identical_results(tmp_path):
    """kill -9 halfway, run again: the same rows as a run that was never interrupted."""
    experiment = tmp_path / "long.toml"
    experiment.write_text('name = "long"\ngenerations = 200\nreplicates = 12000\nblock = 1000\n'
                          'metrics = ["mse_to_truth"]\n')
    command = [sys.executable, "-m", "modelcollapse", "run", str(experiment), "--workers", "1",
               "--quiet"]
    units = tmp_path / "killed" / "long" / "units"
    process = subprocess.Popen([*command, "--out", str(tmp_path / "killed")])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(units.glob("*.parquet"))) < 2:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    finished_before = len(list(units.glob("*.parquet")))
    assert 2 <= finished_before < 12, "the kill must land halfway through the run"

    subprocess.run([*command, "--out", str(tmp_path / "killed")], check=True)
    subprocess.run([*command, "--out", str(tmp_path / "clean")], check=True)
    assert not list(units.glob(".*partial*"))
    assert_same_rows(_sorted(load(tmp_path / "killed" / "long")),
                                  _sorted(load(tmp_path / "clean" / "long")))


def test_a_directory_that_is_not_a_run_is_not_touched(tmp_path):
    (tmp_path / "small").mkdir()
    (tmp_path / "small" / "notes.txt").write_text("mine")
    with pytest.raises(RunError, match="not a run directory"):
        run_experiment(_experiment(), tmp_path, backend=SerialBackend(), quiet=True)
    assert RunDirectory(Path(tmp_path / "small")).path.joinpath("notes.txt").read_text() == "mine"
