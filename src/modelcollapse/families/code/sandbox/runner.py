"""Start bubblewrap around one item of generated code, with limits, and read what it did.

The sandbox sees the interpreter's own folders and the system libraries read
only, and one scratch folder (its working directory and ``TMPDIR``) read and
write; it has no network (a namespace of its own with no interfaces, and
sockets refused by :mod:`.seccomp`), cannot start processes, and runs under
limits on address space, CPU time, file size and open files, and a wall-clock
timeout after which its whole process group is killed. ``--die-with-parent``
ends it if the run that started it dies.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import resources as package_files
from pathlib import Path

from modelcollapse.core.errors import UsageError
from modelcollapse.families.code.sandbox.seccomp import refusing_program

__all__ = ["ItemResult", "Sandbox", "SandboxLimits", "SandboxUnavailable"]


class SandboxUnavailable(UsageError):
    """No sandbox tool on this machine; the message names what to install."""


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one sandboxed item.

    Parameters
    ----------
    timeout : float, default 5.0
        Wall-clock seconds before the sandbox is killed.
    cpu_seconds : int, default 5
        CPU seconds (RLIMIT_CPU).
    memory_mb : int, default 512
        Address space in MiB (RLIMIT_AS): an allocation beyond it fails.
    file_mb : int, default 16
        Largest file it may write, in MiB (RLIMIT_FSIZE).
    """

    timeout: float = 5.0
    cpu_seconds: int = 5
    memory_mb: int = 512
    file_mb: int = 16

    def __post_init__(self) -> None:
        for name in ("timeout", "cpu_seconds", "memory_mb", "file_mb"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"sandbox limit {name} must be a positive number, got "
                                 f"{value!r}")


@dataclass(frozen=True)
class ItemResult:
    """What one item did: ``ran`` (with its outcomes) or ``error`` (with the reason)."""

    status: str
    reason: str
    outcomes: list | None


def _read_only_roots() -> list[str]:
    """Folders the interpreter and its libraries need, read only."""
    roots = {"/usr", "/lib", "/lib64", "/bin", "/etc/alternatives", sys.base_prefix,
             sys.prefix, str(Path(sys.executable).resolve().parent.parent)}
    return sorted(root for root in roots if os.path.exists(root))


class Sandbox:
    """Runs items of generated code in bubblewrap, one fresh sandbox per item.

    Raises
    ------
    SandboxUnavailable
        When bubblewrap is not installed (the message names the Debian package).
    """

    def __init__(self, limits: SandboxLimits | None = None):
        self.limits = limits or SandboxLimits()
        self.bwrap = shutil.which("bwrap")
        if self.bwrap is None:
            raise SandboxUnavailable("the sandbox needs bubblewrap, which is not installed: "
                                     "apt-get install bubblewrap (Debian/Ubuntu), then run again")
        self.program = refusing_program()
        self.harness = (package_files.files("modelcollapse.families.code.sandbox")
                        / "harness.py").read_text(encoding="utf-8")

    def _limit(self) -> None:
        """In the child, before bubblewrap starts: the limits its whole tree inherits."""
        limits = self.limits
        mib = 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_mb * mib,) * 2)
        resource.setrlimit(resource.RLIMIT_CPU, (int(limits.cpu_seconds),) * 2)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_mb * mib,) * 2)
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def command(self, scratch: str, filter_fd: int) -> list[str]:
        """The bubblewrap command line for one item whose files lie in ``scratch``.

        The sandbox's root is a fresh file system holding only the read-only
        binds; it is itself made read only, so the scratch bind is the one
        writable place.
        """
        binds = [argument for root in _read_only_roots()
                 for argument in ("--ro-bind", root, root)]
        return [self.bwrap, "--unshare-all", "--die-with-parent", "--new-session",
                *binds, "--proc", "/proc", "--dev", "/dev",
                "--bind", scratch, "/scratch", "--remount-ro", "/", "--chdir", "/scratch",
                "--setenv", "TMPDIR", "/scratch", "--setenv", "HOME", "/scratch",
                "--seccomp", str(filter_fd),
                "--", sys.executable, "-I", "harness.py",
                str(self.limits.timeout)]

    def run(self, code: str, function: str | None = None, cases: list[str] = ()) -> ItemResult:
        """Run ``code`` (and ``function`` on ``cases``) in a fresh sandbox."""
        with tempfile.TemporaryDirectory(prefix="modelcollapse-sandbox-") as scratch:
            Path(scratch, "harness.py").write_text(self.harness, encoding="utf-8")
            Path(scratch, "item.json").write_text(json.dumps(
                {"code": code, "function": function, "cases": list(cases)}), encoding="utf-8")
            read, write = os.pipe()
            os.write(write, self.program)
            os.close(write)
            try:
                process = subprocess.Popen(
                    self.command(scratch, read), pass_fds=(read,), stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=self._limit,
                    start_new_session=True)
            finally:
                os.close(read)
            try:
                stdout, _ = process.communicate(timeout=self.limits.timeout + 2)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                return ItemResult("error", "killed after the wall-clock timeout", None)
        return _result(stdout, process.returncode)


def _result(stdout: bytes, returncode: int) -> ItemResult:
    lines = stdout.decode("utf-8", errors="replace").strip().splitlines()
    try:
        found = json.loads(lines[-1]) if lines else None
        if isinstance(found, dict) and found.get("status") in ("ran", "error"):
            return ItemResult(found["status"], str(found.get("reason", ""))[:300],
                              found.get("outcomes"))
    except (json.JSONDecodeError, TypeError):
        pass
    why = f"signal {-returncode}" if returncode < 0 else f"exit status {returncode}"
    return ItemResult("error", f"the sandboxed interpreter ended without a result ({why})", None)
