"""Generated code is data: verifying it writes no file, opens no socket, spawns nothing."""

import builtins
import os
import socket
import subprocess
import sys

import pytest

from modelcollapse.families.code import StaticVerifier
from modelcollapse.families.code.metrics import code_figures, default_verifier


@pytest.fixture(scope="module")
def verifier() -> StaticVerifier:
    return default_verifier()


def hostile_source(marker) -> str:
    return f"""
import os, socket, subprocess, evil_helper
open({str(marker)!r}, "w").write("ran")
socket.create_connection(("127.0.0.1", 9))
subprocess.run(["touch", {str(marker) + ".spawned"!r}])
os.system("touch " + {str(marker) + ".system"!r})
exec("open({str(marker) + '.exec'!r}, 'w')")
__import__("evil_helper")

class Evil:
    def __del__(self):
        open({str(marker) + ".del"!r}, "w")

def __getattr__(name):
    open({str(marker) + ".getattr"!r}, "w")
"""


@pytest.fixture
def tripwires(monkeypatch, tmp_path):
    """Record any socket, process, exec or file-write attempt instead of making it."""
    calls = []

    def trap(name):
        def record(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f"{name} was called during verification")
        return record

    monkeypatch.setattr(socket, "socket", trap("socket.socket"))
    monkeypatch.setattr(socket, "create_connection", trap("socket.create_connection"))
    monkeypatch.setattr(subprocess, "Popen", trap("subprocess.Popen"))
    monkeypatch.setattr(os, "system", trap("os.system"))
    monkeypatch.setattr(os, "posix_spawn", trap("os.posix_spawn"))
    monkeypatch.setattr(os, "fork", trap("os.fork"))
    monkeypatch.setattr(builtins, "exec", trap("exec"))
    monkeypatch.setattr(builtins, "eval", trap("eval"))
    # A module that would leave a file if it were ever imported, on the import path.
    helper = tmp_path / "evil_helper.py"
    helper.write_text(f"open({str(tmp_path / 'imported')!r}, 'w').write('imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return calls


def test_verifying_hostile_code_does_nothing(verifier, tripwires, tmp_path):
    marker = tmp_path / "written"
    source = hostile_source(marker)
    verdict = verifier.verify(source)
    result = code_figures([source, source.encode()], verifier=verifier)
    assert verdict.parsed and result.figures["parse_rate"] == 1.0
    assert tripwires == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil_helper.py"]  # nothing else
    assert "evil_helper" not in sys.modules
    # It was really read: the unknown helper module counts as an invented import.
    assert [f.name for f in verdict.findings if f.kind == "import"] == ["evil_helper"]


def test_hostile_code_in_a_file_path_is_read_as_bytes(verifier, tripwires, tmp_path):
    marker = tmp_path / "written"
    path = tmp_path / "generated.py"
    path.write_text(hostile_source(marker))
    verdict = verifier.verify(path.read_bytes())
    assert verdict.parsed and tripwires == []
    assert not marker.exists() and "generated" not in sys.modules


def test_modules_named_by_generated_code_are_never_imported_from_the_current_directory(
        tmp_path):
    """With the current directory on sys.path (python -c), a _sha256.py lying there never runs."""
    script = """
import importlib, sys
from modelcollapse.families.code.metrics import default_verifier
from modelcollapse.families.code.stdlib import COMPILED_ALLOWED
# Shadow every allow-listed C module this process has not loaded yet, as files in the
# current directory (first on sys.path under python -c), each leaving a trace if it runs.
shadowed = sorted(m for m in COMPILED_ALLOWED if m not in sys.modules)
for name in shadowed:
    open(name + ".py", "w").write("open('ran', 'a').write(__name__ + ' ')\\n")
importlib.invalidate_caches()
source = "".join(f"import {name}\\n" for name in shadowed)
verdict = default_verifier().verify(source + "_sha256.sha256(b'')\\n_sha256.no_such_name()\\n")
print("_sha256" in shadowed, sorted(verdict.invented("attribute")))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, check=True, timeout=120)
    assert not (tmp_path / "ran").exists(), (tmp_path / "ran").read_text()
    assert done.stdout.startswith("True") and "no_such_name" in done.stdout, done.stdout
