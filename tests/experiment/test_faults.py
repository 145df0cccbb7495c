"""Damaged files, lost records and a second run: no wrong rows, and `run` repairs."""

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from typer.testing import CliRunner

from modelcollapse.cli.main import app
from modelcollapse.core.errors import UsageError
from modelcollapse.experiment.backends import SerialBackend
from modelcollapse.experiment.lock import RunLock
from modelcollapse.experiment.runner import load, query, run_experiment, run_status
from modelcollapse.experiment.schema import parse_experiment
from modelcollapse.experiment.store import RunError
from modelcollapse.report import RunView
from tests.conftest import assert_same_rows

SMALL = {"name": "faults", "generations": 3, "replicates": 4, "block": 2, "seed": 5,
         "metrics": ["mse_to_truth", "coefficients"], "sweep": {"samples": [10, 20]}}


def _experiment(**changes):
    return parse_experiment({**SMALL, **changes})


def _run(out):
    return run_experiment(_experiment(), out, backend=SerialBackend(), quiet=True)


@pytest.fixture
def finished(tmp_path):
    _run(tmp_path)
    return tmp_path / "faults"


def _refused_everywhere(run, reference):
    """Every reader either refuses with the repair command or returns exactly the reference."""
    for read in (lambda: load(run), lambda: query(run, "select * from results"),
                 lambda: RunView(run).summary):
        try:
            frame = read()
        except RunError as error:
            assert "modelcollapse run" in str(error) and len(str(error)) <= 300
            continue
        if "value" in frame and "replicate" in frame:  # rows came back: they must be right
            assert_same_rows(frame.sort_values(list(reference.columns[:4]), ignore_index=True),
                             reference)


def test_flipped_bytes_anywhere_in_a_unit_are_refused_and_repaired(finished):
    reference = load(finished)
    rng = np.random.default_rng(0)
    units = sorted((finished / "units").glob("*.parquet"))
    records = sorted((finished / "units").glob("*.json"))
    trials = 0
    for victim in (units[0], units[-1], records[1]):
        original = victim.read_bytes()
        size = len(original)
        # Spread over the whole file, again over the Parquet footer (schema, key-value
        # metadata, column statistics), and its last 8 bytes (footer length and magic).
        footer = int.from_bytes(original[-8:-4], "little") + 8 if victim.suffix == ".parquet" \
            else size
        positions = sorted({*np.linspace(0, size - 1, 40).astype(int).tolist(),
                            *np.linspace(size - footer, size - 1, 40).astype(int).tolist(),
                            *range(size - 8, size)})
        for position in positions:
            damaged = bytearray(original)
            damaged[position] ^= int(rng.integers(1, 256))
            victim.write_bytes(bytes(damaged))
            _, state = run_status(finished)
            assert len(state.broken) == 1, position
            _refused_everywhere(finished, reference)
            summary = _run(finished.parent)
            assert summary.computed == summary.recomputed_broken == 1
            assert_same_rows(load(finished), reference)
            trials += 1
    assert trials >= 200


def test_every_command_refuses_a_damaged_unit_in_one_line(finished, tmp_path):
    unit = sorted((finished / "units").glob("*.parquet"))[0]
    data = bytearray(unit.read_bytes())
    data[-12] ^= 0x55  # inside the footer: used to end every command in UnicodeDecodeError
    unit.write_bytes(bytes(data))
    runner = CliRunner()
    for args in (["query", str(finished), "select count(*) from results"],
                 ["report", str(finished), "-o", str(tmp_path / "r.html")],
                 ["plot", str(finished), "-o", str(tmp_path / "p.png")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert unit.stem in result.output and "modelcollapse run" in result.output
        assert "Traceback" not in result.output
    result = runner.invoke(app, ["status", str(finished)])
    assert result.exit_code == 0 and "1 broken" in result.output and unit.stem in result.output


def test_a_lost_or_damaged_run_record_is_rebuilt_by_run(finished):
    reference = load(finished)
    for damage in (None, b"", b"[]", b"42", bytes(range(256))):
        if damage is None:
            (finished / "run.json").unlink()
        else:
            (finished / "run.json").write_bytes(damage)
        with pytest.raises(RunError, match="modelcollapse run"):
            load(finished)
        summary = _run(finished.parent)
        assert summary.computed == 0 and summary.already_done == 4
        record = json.loads((finished / "run.json").read_text())
        assert record["rebuilt"] and record["finished"]
        assert_same_rows(load(finished), reference)


def test_units_of_another_configuration_are_not_adopted(finished):
    (finished / "run.json").unlink()
    with pytest.raises(RunError, match="different configuration"):
        run_experiment(_experiment(seed=6), finished.parent, backend=SerialBackend(), quiet=True)


@pytest.mark.parametrize("version, named", [(2, "layout 2;"), (3, r"layout 3 \(a row per value\)")])
def test_an_older_format_is_refused_in_one_line_and_left_alone(finished, version, named):
    record = json.loads((finished / "run.json").read_text())
    record["format_version"] = version
    (finished / "run.json").write_text(json.dumps(record))
    for attempt in (lambda: _run(finished.parent), lambda: load(finished)):
        with pytest.raises(RunError, match=f"{named}.* this one reads layout 4") as refused:
            attempt()
        assert "\n" not in str(refused.value)
    assert json.loads((finished / "run.json").read_text())["format_version"] == version


def test_a_second_run_on_a_locked_directory_exits_naming_the_holder(finished):
    with RunLock(finished / ".lock", str(finished)):
        with pytest.raises(UsageError, match=rf"in use by another run \(pid {os.getpid()} on "):
            _run(finished.parent)
        result = CliRunner().invoke(app, ["run", str(_toml(finished.parent)), "--out",
                                          str(finished.parent)])
        assert result.exit_code == 2 and "in use by another run" in result.output
    assert _run(finished.parent).computed == 0  # the lock went with its holder


def _toml(folder):
    path = folder / "faults.toml"
    path.write_text('name = "faults"\ngenerations = 3\nreplicates = 4\nblock = 2\nseed = 5\n'
                    'metrics = ["mse_to_truth", "coefficients"]\n[sweep]\nsamples = [10, 20]\n')
    return path


def test_two_concurrent_runs_never_both_compute_nor_harm_each_other(tmp_path):
    experiment = tmp_path / "long.toml"
    experiment.write_text('name = "long"\ngenerations = 200\nreplicates = 20000\nblock = 1000\n'
                          'metrics = ["mse_to_truth"]\n')
    command = [sys.executable, "-m", "modelcollapse", "run", str(experiment), "--workers", "1",
               "--quiet", "--out", str(tmp_path)]
    first = subprocess.Popen(command)
    units = tmp_path / "long" / "units"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(units.glob("*.json")):
        time.sleep(0.02)
    second = subprocess.run(command, capture_output=True, text=True)
    assert first.poll() is None, "the first run must still be running"
    assert second.returncode == 2
    assert f"in use by another run (pid {first.pid} on" in second.stderr
    assert first.wait(timeout=300) == 0  # the second run deleted nothing of the first's
    _, state = run_status(tmp_path / "long")
    assert len(state.done) == 20 and not state.broken


def _session_members(session):
    """Live processes of a session (what a killed driver's children would be left in)."""
    members = []
    for entry in os.listdir("/proc"):
        try:
            fields = open(f"/proc/{entry}/stat").read().rpartition(")")[2].split()
        except (OSError, ValueError):
            continue
        if entry.isdigit() and int(fields[3]) == session and fields[0] != "Z":
            members.append(int(entry))
    return members


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
@pytest.mark.parametrize("backend", [
    ["--workers", "2"],
    pytest.param(["--dask-local", "2"], marks=pytest.mark.skipif(
        importlib.util.find_spec("distributed") is None, reason="needs the [dask] extra")),
], ids=["pool", "dask-local"])
def test_sigkill_of_a_parallel_run_leaves_no_process_behind(tmp_path, backend):
    experiment = tmp_path / "long.toml"
    experiment.write_text('name = "long"\ngenerations = 200\nreplicates = 40000\nblock = 1000\n'
                          'metrics = ["mse_to_truth"]\n')
    driver = subprocess.Popen([sys.executable, "-m", "modelcollapse", "run", str(experiment),
                               *backend, "--quiet", "--out", str(tmp_path)],
                              start_new_session=True, stderr=subprocess.DEVNULL)
    units = tmp_path / "long" / "units"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(units.glob("*.json")):
        time.sleep(0.05)
    # The driver, its resource tracker, the fork server and two workers (both backends).
    assert len(_session_members(driver.pid)) >= 5
    os.kill(driver.pid, signal.SIGKILL)  # not reaped yet: a zombie driver must count as gone
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _session_members(driver.pid):
        time.sleep(0.1)
    left = _session_members(driver.pid)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    driver.wait()
    assert not left, f"{len(left)} processes outlived the driver"


def test_a_local_dask_cluster_listens_on_localhost_without_a_dashboard():
    import urllib.error
    import urllib.request

    from modelcollapse.experiment.backends import DaskBackend

    with DaskBackend(workers=1) as backend:
        scheduler = backend.cluster.scheduler
        assert scheduler.address.startswith("tcp://127.0.0.1:")
        (host, port), = [s.getsockname() for s in scheduler.http_server._sockets.values()]
        assert host == "127.0.0.1" and port != 8787
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=5)


@pytest.mark.parametrize("sql, refusal", [
    ("select * from read_csv('/etc/passwd')", "disabled by configuration"),
    ("select * from read_text('/etc/hostname')", "disabled by configuration"),
    ("select * from glob('/*')", "disabled by configuration"),
    ("select * from read_parquet('{outside}')", "disabled by configuration"),
    ("select * from 'http://127.0.0.1:9/x.parquet'", "disabled by configuration"),
    ("copy (select 1) to '{target}'", "COPY statement"),
    ("copy results to '{unit}' (format parquet, use_tmp_file false)", "COPY statement"),
    ("attach '{target}'", "ATTACH statement"),
    ("export database '{folder}'", "EXPORT statement"),
    ("install httpfs", "LOAD statement"),
    ("set enable_external_access = true", "SET statement"),
    ("select 1; select * from read_csv('/etc/passwd')", "2 statements"),
])
def test_query_reaches_nothing_but_the_run(finished, tmp_path, sql, refusal):
    outside = tmp_path / "outside.parquet"
    load(finished).to_parquet(outside)
    unit = sorted((finished / "units").glob("*.parquet"))[0]
    before = unit.read_bytes()
    sql = sql.format(outside=outside, target=tmp_path / "x.csv", unit=unit,
                     folder=tmp_path / "export")
    with pytest.raises(RunError, match=refusal):
        query(finished, sql)
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "export").exists()
    assert unit.read_bytes() == before
    assert query(finished, "select count(*) as n from results")["n"].item() == 120
    result = CliRunner().invoke(app, ["query", str(finished), sql])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1


def test_trusted_queries_reach_files_from_python(finished, tmp_path):
    outside = tmp_path / "outside.parquet"
    load(finished).to_parquet(outside)
    answer = query(finished, f"select count(*) as n from read_parquet('{outside}')",
                   trusted=True)
    assert answer["n"].item() == 120


def test_a_full_disk_at_the_last_write_is_one_line_and_leaves_no_partial_file(tmp_path,
                                                                               monkeypatch):
    import errno
    from pathlib import Path

    real = Path.write_bytes

    def full_at_the_record(self, data):
        if self.name.startswith(".run.json.partial") and b'"finished": null' not in data:
            real(self, data[:10])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_at_the_record)
    result = CliRunner().invoke(app, ["run", str(_toml(tmp_path)), "--out", str(tmp_path),
                                      "--workers", "1", "--quiet"])
    assert result.exit_code == 2 and "No space left on device" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not list((tmp_path / "faults").glob(".*partial*"))
    monkeypatch.setattr(Path, "write_bytes", real)
    assert _run(tmp_path).computed == 0  # every unit was kept; the record is finished now
