"""Generated code runs only in the sandbox, and hostile code does none of what it tries."""

import os
import shutil
import socket
import threading

import numpy as np
import pytest
from typer.testing import CliRunner

from modelcollapse.cli.main import app
from modelcollapse.core.data import Dataset
from modelcollapse.families.code.sandbox import Sandbox, SandboxLimits, SandboxUnavailable
from modelcollapse.families.code.sandbox.filter import SandboxTests
from modelcollapse.families.code.sandbox.seccomp import refusing_program


def needs_bubblewrap():
    """Skip where bubblewrap is missing, except under CI, which installs it."""
    if shutil.which("bwrap") is None:
        if os.environ.get("CI"):
            pytest.fail("bubblewrap is missing: CI installs it (apt-get install bubblewrap)")
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap)")


@pytest.fixture(scope="module")
def sandbox():
    needs_bubblewrap()
    return Sandbox(SandboxLimits(timeout=3.0, memory_mb=256))


def test_code_that_writes_outside_its_scratch_folder_writes_nothing(sandbox, tmp_path):
    target = tmp_path / "escaped"
    result = sandbox.run(f"open({str(target)!r}, 'w').write('x')")
    assert result.status == "error" and not target.exists()
    result = sandbox.run("open('/etc/escaped', 'w')")
    assert result.status == "error"
    # Its own scratch folder is writable, and gone afterwards.
    assert sandbox.run("open('inside', 'w').write('fine')").status == "ran"


def test_code_that_opens_a_socket_reaches_nobody(sandbox):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    server.settimeout(3.0)
    reached = []
    waiter = threading.Thread(target=lambda: reached.append(_accept(server)))
    waiter.start()
    result = sandbox.run(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), 1)")
    waiter.join()
    server.close()
    assert result.status == "error" and "PermissionError" in result.reason
    assert reached == [False]


def _accept(server) -> bool:
    try:
        server.accept()[0].close()
        return True
    except OSError:
        return False


@pytest.mark.parametrize("spawn", [
    "os.fork()",
    "subprocess.run(['touch', 'spawned'])",
    "os.system('touch spawned')",
    "multiprocessing.Process(target=open, args=('spawned', 'w')).start()",
])
def test_code_that_spawns_processes_starts_none(sandbox, spawn):
    code = ("import multiprocessing, os, subprocess\n\ndef probe():\n"
            f"    try:\n        {spawn}\n    except OSError:\n        pass\n"
            "    return os.path.exists('spawned')\n")
    result = sandbox.run(code, "probe", ["()"])
    assert result.status == "ran", result.reason
    assert result.outcomes == [["value", "False"]]      # no child ever ran


def test_exhausting_memory_or_time_fails_the_item_and_the_run_goes_on(sandbox):
    assert sandbox.run("x = bytearray(2 * 1024 ** 3)").reason.startswith("MemoryError")
    assert sandbox.run("x = [0] * (10 ** 10)").status == "error"
    looping = sandbox.run("while True:\n    pass")
    assert looping.status == "error" and "timed out" in looping.reason
    stubborn = sandbox.run("import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
                           "while True:\n    pass")
    assert stubborn.status == "error"           # killed from outside after the wall clock
    died = sandbox.run("import os\nos._exit(0)")
    assert died.status == "error" and "without a result" in died.reason
    after = sandbox.run("def double(x):\n    return 2 * x", "double", ["(21,)"])
    assert after.status == "ran" and after.outcomes == [["value", "42"]]


def test_forged_result_lines_claim_nothing_but_their_own_outcomes(sandbox):
    forged = ('import json, sys\nsys.stdout.write(json.dumps({"status": "ran", "reason": "", '
              '"outcomes": [["value", "42"]]}) + "\\n")\nimport os\nos._exit(0)')
    result = sandbox.run(forged, "double", ["(21,)"])
    # The verdict compares outcomes; code that prints the right outcome for the tested
    # input is indistinguishable from code that computes it, and that is all it gains.
    assert result.outcomes in (None, [["value", "42"]])


def test_the_filter_keeps_code_that_runs_and_agrees_with_what_it_imitates():
    needs_bubblewrap()
    tests = SandboxTests(timeout=3.0)

    class World:
        @staticmethod
        def decode_item(item):
            return str(item)

    items = np.array([
        "def dedent(text):\n    import textwrap\n    return textwrap.dedent(text)",
        "def dedent(text):\n    return text.upper()",          # wrong behaviour
        "import reqeusts\n\ndef get(url):\n    return reqeusts.get(url)",   # invented package
        "def helper(x):\n    return x + 1",                     # imitates nothing: runs
    ], dtype=object)
    kept, figures = tests.apply(Dataset(items, None, np.array([1, 1, 1, 0])), world=World(),
                                rng=np.random.default_rng(0))
    assert list(kept.X) == [items[0], items[3]]
    assert figures["sandbox_passed_synthetic"] == pytest.approx(1 / 3)
    assert figures["sandbox_passed_real"] == 1.0


def test_the_filter_refuses_to_run_without_bubblewrap(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
        SandboxTests()


def test_the_seccomp_program_is_whole_instructions_for_known_machines():
    for machine in ("x86_64", "aarch64"):
        assert len(refusing_program(machine)) % 8 == 0
    with pytest.raises(OSError, match="no seccomp table"):
        refusing_program("sparc")


@pytest.mark.parametrize("setting", ["timeout = -1", "memory_mb = 0", "cpu_seconds = 'a lot'",
                                     "n_cases = 0"])
def test_bad_sandbox_limits_are_one_line_and_exit_2(tmp_path, setting):
    needs_bubblewrap()
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\ngenerations = 2\nreplicates = 1\nsamples = 50\n'
                    'world = { name = "package-names", n_packages = 150 }\n'
                    'model = "package-writer"\n'
                    f'filters = [{{ name = "sandbox-tests", {setting} }}]\n')
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1
