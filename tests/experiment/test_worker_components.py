"""Components registered in a script, notebook or test module reach every backend's workers."""

import subprocess
import sys
import textwrap
import threading

import pytest

from modelcollapse.core import registry
from modelcollapse.core.errors import UsageError
from modelcollapse.experiment.backends import PoolBackend, SerialBackend
from modelcollapse.experiment.runner import load, run_experiment
from modelcollapse.experiment.schema import parse_experiment
from modelcollapse.families.regression.model import PolynomialRegression

EXPERIMENT = {"name": "own", "generations": 3, "replicates": 4, "block": 1,
              "metrics": ["mse_to_truth"]}


def quadratic_from_a_test_module(noise: float | None = None):
    """A quadratic registered by a test, not by modelcollapse."""
    return PolynomialRegression(degree=2, noise=noise)


@pytest.fixture
def own_model(monkeypatch):
    monkeypatch.setitem(registry.models._factories, "own-quadratic",
                        quadratic_from_a_test_module)
    return parse_experiment({**EXPERIMENT, "model": "own-quadratic"})


def test_a_pool_runs_a_model_registered_in_a_test_module(own_model, tmp_path):
    run_experiment(own_model, tmp_path / "serial", backend=SerialBackend(), quiet=True)
    run_experiment(own_model, tmp_path / "pool", backend=PoolBackend(2), quiet=True)
    serial, pool = load(tmp_path / "serial" / "own"), load(tmp_path / "pool" / "own")
    assert set(pool.status) == {"ok"} and len(pool) == 4 * 3
    assert serial.equals(pool)


def test_what_cannot_be_pickled_is_refused_before_any_unit_runs(monkeypatch, tmp_path):
    lock = threading.Lock()

    def holds_a_lock(noise: float | None = None):
        with lock:
            return PolynomialRegression(degree=2, noise=noise)

    monkeypatch.setitem(registry.models._factories, "locked", holds_a_lock)
    experiment = parse_experiment({**EXPERIMENT, "model": "locked"})
    with pytest.raises(UsageError) as caught:
        run_experiment(experiment, tmp_path, backend=PoolBackend(2), quiet=True)
    message = str(caught.value)
    assert message.startswith("the model 'locked' cannot be sent to worker processes (")
    assert message.endswith("run in this process (--workers 1, backend=SerialBackend())")
    assert "\n" not in message and not list((tmp_path / "own").glob("units/*"))
    # In this process it runs.
    run_experiment(experiment, tmp_path / "serial", backend=SerialBackend(), quiet=True)


def test_without_cloudpickle_a_main_module_component_says_what_to_do(monkeypatch):
    def from_main():
        return PolynomialRegression()

    from_main.__module__ = "__main__"
    monkeypatch.setitem(registry.models._factories, "from-main", from_main)
    monkeypatch.setitem(sys.modules, "cloudpickle", None)  # import cloudpickle fails
    with pytest.raises(UsageError, match=r"the model 'from-main' was registered in a notebook "
                                         r"or script.*pip install cloudpickle, or run in this "
                                         r"process"):
        registry.pack([("model", "from-main"), ("model", "polynomial")])
    assert set(registry.pack([("model", "polynomial")])) == {("model", "polynomial")}


def test_install_keeps_what_a_worker_has_and_replaces_what_it_was_sent(monkeypatch):
    monkeypatch.setattr(registry, "_installed", {})
    monkeypatch.setitem(registry.models._factories, "sent", quadratic_from_a_test_module)
    packed = registry.pack([("model", "sent"), ("model", "polynomial")])
    polynomial = registry.models.get("polynomial")
    del registry.models._factories["sent"]  # as in a fresh worker

    registry.install(packed)
    assert registry.models.get("sent") is quadratic_from_a_test_module
    assert registry.models.get("polynomial") is polynomial  # built-ins stay as they are

    # A long-lived worker sent a changed definition under the same name takes it.
    monkeypatch.setitem(registry.models._factories, "sent", PolynomialRegression)
    changed = registry.pack([("model", "sent")])
    monkeypatch.setitem(registry.models._factories, "sent", quadratic_from_a_test_module)
    registry.install(changed)
    assert registry.models.get("sent") is PolynomialRegression


SCRIPT = """
import sys
print("the user's script ran", file=sys.stderr)

from modelcollapse.core import registry
from modelcollapse.experiment.backends import {backend}
from modelcollapse.experiment.runner import load, run_experiment
from modelcollapse.experiment.schema import parse_experiment
from modelcollapse.families.regression.model import PolynomialRegression


@registry.models.register("scripted")
def scripted(noise: float | None = None):
    return PolynomialRegression(degree=2, noise=noise)


if __name__ == "__main__":
    experiment = parse_experiment({{"name": "own", "generations": 2, "replicates": 4,
                                   "block": 1, "model": "scripted",
                                   "metrics": ["mse_to_truth"]}})
    run_experiment(experiment, sys.argv[1], backend={backend}(**{arguments}), quiet=True)
    frame = load(sys.argv[1] + "/own")
    print(len(frame), sorted(set(frame.status)))
"""


@pytest.mark.parametrize("backend, arguments, how", [
    ("PoolBackend", {"workers": 2}, "file"),
    ("PoolBackend", {"workers": 2}, "stdin"),
    ("DaskBackend", {"workers": 2}, "file"),
], ids=["pool-script", "pool-notebook-like", "dask-script"])
def test_a_script_registers_a_model_its_workers_use_without_running_it(tmp_path, backend,
                                                                       arguments, how):
    """From a file, workers used to run the script again; from stdin (like a notebook, with
    no file to run) they did not know the model at all."""
    if backend == "DaskBackend":
        pytest.importorskip("dask.distributed")
    script = textwrap.dedent(SCRIPT.format(backend=backend, arguments=arguments))
    out = str(tmp_path / "runs")
    if how == "file":
        path = tmp_path / "user_script.py"
        path.write_text(script)
        command, stdin = [sys.executable, str(path), out], None
    else:
        command, stdin = [sys.executable, "-", out], script
    result = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=180,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines()[-1] == "8 ['ok']"
    assert result.stderr.count("the user's script ran") == 1, result.stderr[-2000:]
