"""What produced a result: versions, git commit, host and times."""

from __future__ import annotations

import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

__all__ = ["environment", "now"]

_LIBRARIES = ("numpy", "scipy", "pandas", "pyarrow", "scikit-learn", "matplotlib")


def now() -> str:
    """The current time in ISO 8601, UTC."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True,
                              cwd=Path(__file__).parent, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def _git_commit() -> str | None:
    """The checkout's commit (``-dirty`` if modified), only if it is modelcollapse's own."""
    top = _git("rev-parse", "--show-toplevel")
    if top is None or not (Path(top) / "src" / "modelcollapse").is_dir():
        return None  # installed inside some other repository
    return _git("describe", "--always", "--dirty", "--abbrev=40")


def environment() -> dict:
    """Package, Python and library versions, the git commit and the host."""
    versions = {}
    for name in ("modelcollapse", *_LIBRARIES):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "versions": versions,
        "python": sys.version.split()[0],
        "git_commit": _git_commit(),
        "host": platform.node(),
        "platform": platform.platform(),
    }
