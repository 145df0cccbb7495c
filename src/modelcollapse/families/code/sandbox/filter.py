"""The ``sandbox-tests`` filter: keep code that runs, and behaves like what it imitates.

Each item is decoded by the world and run in a fresh sandbox
(:class:`~.runner.Sandbox`). An item passes when it runs to the end (its
imports resolve, so an invented package fails) and, where it defines a
function that exactly one standard-library module also defines at top level,
that function agrees with the real one on sampled inputs: the same ``repr``
of the result wherever the real function returns. The real function runs in
the sandbox too (stdlib functions may delete files or open sockets when fed
arbitrary arguments). Inputs are literals drawn from a small pool, as many as
the generated function has required positional parameters, from a stream
seeded by the function's name, so the same function meets the same inputs in
every generation and its real outcomes are computed once.
"""

from __future__ import annotations

import ast
import re
import sysconfig
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from modelcollapse.core.data import REAL
from modelcollapse.families.code.sandbox.runner import Sandbox, SandboxLimits
from modelcollapse.filters.curation import Filter
from modelcollapse.text.corpora import stdlib_files

__all__ = ["SandboxTests", "reference_modules"]

_POOL = ("0", "1", "-3", "7", "2.5", "''", "'abc'", "'a b\\nc'", "'  x\\n  y'", "' pad '",
         "'/tmp/x'", "[1, 2, 3]", "[]", "(1, 'a')", "{'k': 1}", "None", "True", "b'xy'")
_DEFINITION = re.compile(r"^def ([A-Za-z_]\w*)\(", re.MULTILINE)


@cache
def reference_modules() -> dict[str, str]:
    """Top-level function name -> the one stdlib module defining it (names defined once)."""
    root = Path(sysconfig.get_path("stdlib"))
    found: dict[str, set[str]] = defaultdict(set)
    for path in stdlib_files(root):
        parts = path.relative_to(root).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if any(part.startswith("_") or part == "__main__" for part in module.split(".")):
            continue   # private modules and scripts are not what code imitates
        text = path.read_text(encoding="utf-8", errors="replace")
        for name in _DEFINITION.findall(text):
            if not name.startswith("_"):
                found[name].add(module)
    return {name: next(iter(modules)) for name, modules in found.items() if len(modules) == 1}


def _function_and_arity(code: str) -> tuple[str, int] | None:
    """The first top-level function the code defines and its required positional arity."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            arguments = node.args
            positional = len(arguments.posonlyargs) + len(arguments.args)
            return node.name, positional - len(arguments.defaults)
    return None


def _cases(name: str, arity: int, n_cases: int) -> tuple[str, ...]:
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    cases = []
    for _ in range(n_cases):
        values = [_POOL[i] for i in rng.integers(len(_POOL), size=arity)]
        cases.append("(" + "".join(value + ", " for value in values) + ")")
    return tuple(cases)


@dataclass(frozen=True)
class SandboxTests(Filter):
    """Keeps the items that run in a sandbox and agree with the function they imitate.

    Parameters
    ----------
    timeout : float, default 5.0
        Wall-clock seconds an item may run.
    cpu_seconds : int, default 5
    memory_mb : int, default 512
    n_cases : int, default 6
        Inputs each imitated function is tested on.

    Raises
    ------
    SandboxUnavailable
        When bubblewrap is missing (when the experiment is built).
    """

    timeout: float = 5.0
    cpu_seconds: int = 5
    memory_mb: int = 512
    n_cases: int = 6
    name = "sandbox-tests"
    world_needs = ("decode_item",)  # runs items as code: a code world only
    _expected: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.n_cases, bool) or int(self.n_cases) != self.n_cases \
                or self.n_cases < 1:
            raise ValueError(f"n_cases must be an integer >= 1, got {self.n_cases!r}")
        object.__setattr__(self, "_sandbox", Sandbox(SandboxLimits(
            timeout=self.timeout, cpu_seconds=self.cpu_seconds, memory_mb=self.memory_mb)))

    def names(self) -> tuple[str, ...]:  # noqa: D102
        return ("sandbox_passed_synthetic", "sandbox_passed_real", "sandbox_tested_functions")

    def passes(self, code: str) -> tuple[bool, bool]:
        """Whether ``code`` passes, and whether it was tested against a real function."""
        found = _function_and_arity(code)
        module = reference_modules().get(found[0]) if found else None
        if module is None:
            return self._sandbox.run(code).status == "ran", False
        name, arity = found
        cases = _cases(name, arity, self.n_cases)
        key = (module, name, cases)
        if key not in self._expected:
            self._expected[key] = self._sandbox.run(f"from {module} import {name}", name,
                                                   cases)
        expected = self._expected[key]
        result = self._sandbox.run(code, name, cases)
        if result.status != "ran":
            return False, True
        if expected.status != "ran":   # the real one cannot be called this way: runs is enough
            return True, True
        agree = all(want[0] != "value" or got == want
                    for want, got in zip(expected.outcomes, result.outcomes, strict=True))
        return agree, True

    def apply(self, data, *, world, rng):  # noqa: D102
        verdicts = [self.passes(world.decode_item(item)) for item in data.X]
        keep = np.array([passed for passed, _ in verdicts], dtype=bool)
        tested = np.array([against for _, against in verdicts], dtype=bool)
        synthetic = data.origin != REAL

        def share(part, whole):
            return float(part.sum() / whole.sum()) if whole.sum() else float("nan")

        return data.take(keep), {
            "sandbox_passed_synthetic": share(keep & synthetic, synthetic),
            "sandbox_passed_real": share(keep & ~synthetic, ~synthetic),
            "sandbox_tested_functions": share(tested, np.ones(len(data), dtype=bool)),
        }
