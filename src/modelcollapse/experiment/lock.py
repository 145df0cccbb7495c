"""One run at a time per run directory: an OS file lock that dies with its holder.

``flock`` is held by the open file, so the kernel releases it the moment the
holding process ends, however it ends (SIGKILL included): a lock left by a
killed run is never mistaken for a live one, and nothing needs cleaning up.
The file also says who holds it, for the message a second run prints.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from pathlib import Path

from modelcollapse.core.errors import UsageError
from modelcollapse.core.provenance import now

__all__ = ["RunLock", "RunLockedError"]


class RunLockedError(UsageError):
    """Another live process holds the run directory."""


class RunLock:
    """An exclusive, non-blocking lock on ``path`` (created if missing).

    Parameters
    ----------
    path : Path
        The lock file, inside the directory it guards.
    what : str
        Names the guarded directory in messages.
    """

    def __init__(self, path: str | Path, what: str):
        self.path = Path(path)
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`RunLockedError` naming the holder.

        Raises
        ------
        RunLockedError
            If another process holds it.
        OSError
            If the lock file cannot be created.
        """
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe(os.pread(fd, 4096, 0))
            os.close(fd)
            raise RunLockedError(f"{self.what} is in use by another run ({holder}); wait for "
                                 "it to finish, or choose another --out") from None
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "since": now()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Let the lock go (closing the file releases it); the file stays, harmlessly."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _describe(content: bytes) -> str:
    """``pid 123 on host h since t`` from the lock file, or a plain phrase if unreadable."""
    try:
        holder = json.loads(content)
        return f"pid {int(holder['pid'])} on {str(holder['host'])[:64]} since " \
               f"{str(holder['since'])[:32]}"
    except (ValueError, KeyError, TypeError):
        return "holder unknown"
