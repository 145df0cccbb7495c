"""Run generated code only inside a real sandbox, against tests.

:mod:`.seccomp` builds the system-call filter, :mod:`.runner` starts
bubblewrap with it (no network, no new processes, a read-only view of the
interpreter, one writable scratch folder, CPU, memory, file-size and wall-time
limits), :mod:`.harness` is what runs inside, and :mod:`.filter` is the
``sandbox-tests`` curation filter built on them.
"""

from modelcollapse.families.code.sandbox.runner import (
    ItemResult,
    Sandbox,
    SandboxLimits,
    SandboxUnavailable,
)

__all__ = ["ItemResult", "Sandbox", "SandboxLimits", "SandboxUnavailable"]
