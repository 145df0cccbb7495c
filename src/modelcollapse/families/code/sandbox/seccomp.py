"""A classic-BPF seccomp program that refuses sockets and new processes.

bubblewrap loads it (``--seccomp FD``) just before it starts the sandboxed
interpreter, so it binds everything that interpreter does. ``socket``,
``socketpair``, ``fork``, ``vfork`` and ``clone`` fail with EPERM; ``clone3``
fails with ENOSYS so the C library falls back to ``clone`` (and is refused
there). Any other architecture than the one the program was built for is
killed outright, as are x32 system calls on x86-64.
"""

from __future__ import annotations

import errno
import platform
import struct

__all__ = ["refusing_program"]

# Linux's <linux/filter.h> and <linux/seccomp.h>.
_LOAD_WORD = 0x20       # BPF_LD | BPF_W | BPF_ABS
_JUMP_EQUAL = 0x15      # BPF_JMP | BPF_JEQ | BPF_K
_JUMP_AT_LEAST = 0x35   # BPF_JMP | BPF_JGE | BPF_K
_RETURN = 0x06          # BPF_RET | BPF_K
_ALLOW = 0x7FFF0000
_KILL = 0x80000000
_ERRNO = 0x00050000
_X32_BIT = 0x40000000

# (audit architecture, {system call: number}) per machine.
_TABLES = {
    "x86_64": (0xC000003E, {"socket": 41, "socketpair": 53, "clone": 56, "fork": 57,
                            "vfork": 58, "clone3": 435}),
    "aarch64": (0xC00000B7, {"socket": 198, "socketpair": 199, "clone": 220, "clone3": 435}),
}


def _instruction(code: int, jump_true: int, jump_false: int, k: int) -> bytes:
    return struct.pack("HBBI", code, jump_true, jump_false, k)


def refusing_program(machine: str | None = None) -> bytes:
    """The compiled filter for ``machine`` (this one by default), as bubblewrap reads it.

    Raises
    ------
    OSError
        On a machine this module has no system-call table for.
    """
    machine = machine or platform.machine()
    if machine not in _TABLES:
        raise OSError(f"no seccomp table for {machine}; the sandbox supports "
                      f"{', '.join(_TABLES)}")
    arch, calls = _TABLES[machine]
    refused = [(number, errno.ENOSYS if name == "clone3" else errno.EPERM)
               for name, number in calls.items()]
    program = [_instruction(_LOAD_WORD, 0, 0, 4),              # seccomp_data.arch
               _instruction(_JUMP_EQUAL, 1, 0, arch),
               _instruction(_RETURN, 0, 0, _KILL),
               _instruction(_LOAD_WORD, 0, 0, 0)]              # seccomp_data.nr
    if machine == "x86_64":
        program += [_instruction(_JUMP_AT_LEAST, 0, 1, _X32_BIT),
                    _instruction(_RETURN, 0, 0, _KILL)]
    for number, error in refused:
        program += [_instruction(_JUMP_EQUAL, 0, 1, number),
                    _instruction(_RETURN, 0, 0, _ERRNO | error)]
    program.append(_instruction(_RETURN, 0, 0, _ALLOW))
    return b"".join(program)
