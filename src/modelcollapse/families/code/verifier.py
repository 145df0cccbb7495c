"""Static verification of generated Python: parse, resolve imports, check attributes and keywords.

Generated code is data. The verifier reads it with :func:`ast.parse` and
never executes, compiles to bytecode or imports it. What it checks:

- every import names a standard-library module (submodules included) or a
  package in the registry snapshot (:mod:`modelcollapse.families.code.real_names`);
- every attribute read from a standard-library module (``os.path.joinn``,
  ``from json import dumpz``) is a name that module really defines
  (:mod:`modelcollapse.families.code.stdlib` reads them from the library's source);
- every keyword argument of a call to a standard-library function or class
  is one of its real parameters, where the signature can be read.

Relative imports (``from . import x``) name no package and are counted apart.
Third-party packages are checked by name only: their source is not read.

A source with a syntax error is not *parsed*, but the complete lines before
the error usually are (generated code often breaks off mid-function): those
lines are checked too and reported as ``checked_lines``, so an invented
import at the top of a broken item still counts, as Spracklen et al. count
package names in code whether or not it runs.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field, replace
from functools import cached_property

from modelcollapse.families.code.real_names import PackageRegistry, default_registry
from modelcollapse.families.code.stdlib import StdlibIndex

__all__ = ["LINE_BREAK", "Finding", "StaticVerifier", "Verdict"]

MAX_CHARS = 200_000
"""Longest source the verifier parses (a generated item is a function or class, not a file)."""

STATUSES = ("ok", "empty", "undecodable", "too-large", "syntax-error")
"""How a source ended: parsed (``ok``), or why it could not be."""

SALVAGE_ATTEMPTS = 8
"""Shorter prefixes tried before a broken source is given up (each one a parse)."""

LINE_BREAK = re.compile(r"\r\n|\r|\n")
"""Line ends as Python's tokenizer counts them (``str.splitlines`` also splits on \\x0c …)."""


@dataclass(frozen=True)
class Finding:
    """One invented name in one source.

    Parameters
    ----------
    kind : {"import", "attribute", "keyword"}
        What was invented: a package or module, a module attribute, a keyword argument.
    name : str
        As it reads: ``"reqeusts"``, ``"os.pathh"``, ``"json.dumps(indnt=)"``.
    line, column, end_column : int
        Where the invented part stands, for highlighting: 1-based line and
        0-based *character* columns in that line (``ast`` counts UTF-8 bytes;
        the verifier converts), so ``source_line[column:end_column]`` is the name.
    """

    kind: str
    name: str
    line: int
    column: int
    end_column: int


@dataclass(frozen=True)
class Verdict:
    """What static verification found in one source.

    Parameters
    ----------
    status : str
        One of :data:`STATUSES`; ``"ok"`` sources were checked whole.
    imports : int
        Imports naming a package or module (``import a, b`` counts two;
        ``from a import b`` one); relative imports are not counted.
    relative_imports : int
        ``from . import x`` and the like.
    attributes : int
        Attributes read from standard-library modules whose names are known.
    keywords : int
        Keyword arguments passed to standard-library callables with readable signatures.
    findings : tuple of Finding
        Every invented import, attribute and keyword.
    message : str
        Why a source did not parse (empty when it did).
    checked_lines : int
        Lines checked: all of a parsed source; of a ``"syntax-error"`` one, the
        longest prefix of whole lines that parses (0 if none does). The counts
        and findings above cover these lines.
    """

    status: str
    imports: int = 0
    relative_imports: int = 0
    attributes: int = 0
    keywords: int = 0
    findings: tuple[Finding, ...] = ()
    message: str = ""
    checked_lines: int = 0

    @property
    def checked(self) -> bool:
        """Whether any of the source was checked (parsed whole, or a prefix of it)."""
        return self.checked_lines > 0

    @property
    def parsed(self) -> bool:
        """Whether the source parsed."""
        return self.status == "ok"

    @property
    def passes(self) -> bool:
        """Parsed, and nothing invented: what a static-verifier filter keeps."""
        return self.parsed and not self.findings

    def invented(self, kind: str) -> list[str]:
        """The invented names of one kind, in order of appearance."""
        return [f.name for f in self.findings if f.kind == kind]


@dataclass
class _Scope:
    """Names bound to standard-library modules and objects in one source."""

    modules: dict[str, str] = field(default_factory=dict)     # local name -> dotted module
    objects: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (module, attr)


class StaticVerifier:
    r"""Checks generated Python against a package registry and the standard library.

    Parameters
    ----------
    registry : PackageRegistry or None
        Real package names; the shipped PyPI snapshot by default.
    stdlib : StdlibIndex or None
        What the standard library defines; the running interpreter's by default.
    max_chars : int, default MAX_CHARS
        Longer sources are reported as ``"too-large"`` without being parsed.

    Examples
    --------
    >>> verifier = StaticVerifier()
    >>> verdict = verifier.verify("import reqeusts\nimport os\nos.path.joinn('a')")
    >>> [(f.kind, f.name) for f in verdict.findings]
    [('import', 'reqeusts'), ('attribute', 'os.path.joinn')]
    """

    def __init__(self, registry: PackageRegistry | None = None,
                 stdlib: StdlibIndex | None = None, max_chars: int = MAX_CHARS):
        if int(max_chars) != max_chars or max_chars < 1:
            raise ValueError(f"max_chars must be an integer >= 1, got {max_chars!r}")
        self._registry = registry
        self.stdlib = stdlib if stdlib is not None else StdlibIndex()
        self.max_chars = max_chars

    @cached_property
    def registry(self) -> PackageRegistry:
        """The package registry (the shipped snapshot is read on first use)."""
        return self._registry if self._registry is not None else default_registry()

    def verify(self, source: str | bytes) -> Verdict:
        """Verify one source (text, or bytes decoded as UTF-8); never raises on bad input."""
        if isinstance(source, bytes | bytearray):
            try:
                source = bytes(source).decode("utf-8")
            except UnicodeDecodeError as error:
                return Verdict("undecodable", message=str(error))
        if not source.strip():
            return Verdict("empty", message="nothing but white space")
        if len(source) > self.max_chars:
            return Verdict("too-large", message=f"{len(source)} characters, more than the "
                                                f"{self.max_chars} the verifier parses")
        tree = _parse(source)
        if isinstance(tree, ast.Module):
            return replace(self._check(tree, source),
                           checked_lines=len(LINE_BREAK.split(source.rstrip())))
        message = f"{type(tree).__name__}: {tree}"
        prefix, lines = _parsable_prefix(source, tree)
        if prefix is None:
            return Verdict("syntax-error", message=message)
        return replace(self._check(prefix, source), status="syntax-error", message=message,
                       checked_lines=lines)

    def _check(self, tree: ast.Module, source: str) -> Verdict:
        scope = _Scope()
        findings: list[Finding] = []
        counts = {"imports": 0, "relative_imports": 0, "attributes": 0, "keywords": 0}
        rebound = _rebound_names(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    counts["imports"] += 1
                    self._check_module(alias.name, alias, findings, source)
                    if self.stdlib.exists(alias.name):
                        local = alias.asname or alias.name.partition(".")[0]
                        scope.modules[local] = alias.name if alias.asname else local
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    counts["relative_imports"] += 1
                    continue
                counts["imports"] += 1
                if self._check_module(node.module, node, findings, source):
                    for alias in node.names:
                        self._check_from(node.module, alias, node, scope, findings, counts)
        for name in rebound:
            scope.modules.pop(name, None)
            scope.objects.pop(name, None)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                self._check_attribute(node, scope, findings, counts)
            elif isinstance(node, ast.Call):
                self._check_keywords(node, scope, findings, counts)
        findings = _in_characters(findings, source)
        findings.sort(key=lambda f: (f.line, f.column))
        return Verdict("ok", findings=tuple(findings), **counts)

    def _check_module(self, module: str, node: ast.alias | ast.ImportFrom,
                      findings: list[Finding], source: str) -> bool:
        """Record an invented import; return whether ``module`` is a stdlib module."""
        if self.stdlib.exists(module):
            return True
        if not self.registry.is_stdlib(module) and self.registry.is_real(module):
            return False  # a real package: its own submodules are not checked
        if isinstance(node, ast.alias):
            where = (node.lineno, node.col_offset, node.col_offset + _width(module))
        else:
            where = _module_span(node, source)
        findings.append(Finding("import", module, *where))
        return False

    def _check_from(self, module: str, alias: ast.alias, node: ast.ImportFrom, scope: _Scope,
                    findings: list[Finding], counts: dict[str, int]) -> None:
        if alias.name == "*":
            return
        local = alias.asname or alias.name
        submodule = f"{module}.{alias.name}"
        if self.stdlib.exists(submodule):
            scope.modules[local] = submodule
            return
        info = self.stdlib.module(module)
        if info is None or info.open:
            return
        counts["attributes"] += 1
        if self.stdlib.resolve(module, alias.name) is None:
            findings.append(Finding("attribute", submodule, alias.lineno, alias.col_offset,
                                    alias.col_offset + _width(alias.name)))
        else:
            scope.objects[local] = (module, alias.name)

    def _module_of(self, node: ast.expr, scope: _Scope) -> tuple[str, str] | None:
        """The stdlib module an expression denotes, as written and as defined.

        ``os.path`` gives ``("os.path", "posixpath")``; None if not a stdlib module.
        """
        if isinstance(node, ast.Name):
            module = scope.modules.get(node.id)
            return None if module is None else (module, module)
        if isinstance(node, ast.Attribute):
            parent = self._module_of(node.value, scope)
            if parent is not None:
                real = self.stdlib.module_target(parent[1], node.attr)
                return None if real is None else (f"{parent[0]}.{node.attr}", real)
        return None

    def _check_attribute(self, node: ast.Attribute, scope: _Scope, findings: list[Finding],
                         counts: dict[str, int]) -> None:
        module = self._module_of(node.value, scope)
        if module is None:
            return
        written, real = module
        info = self.stdlib.module(real)
        if info is None or info.open:
            return
        counts["attributes"] += 1
        if self.stdlib.resolve(real, node.attr) is None and \
                not self.stdlib.exists(f"{real}.{node.attr}"):
            end = node.end_col_offset or node.col_offset
            findings.append(Finding("attribute", f"{written}.{node.attr}",
                                    node.end_lineno or node.lineno,
                                    max(end - _width(node.attr), 0), end))

    def _callee(self, func: ast.expr, scope: _Scope) -> tuple[str, str, str] | None:
        """(name as written, defining module, attribute) of a stdlib callable, or None."""
        if isinstance(func, ast.Name):
            found = scope.objects.get(func.id)
            return None if found is None else (f"{found[0]}.{found[1]}", *found)
        if isinstance(func, ast.Attribute):
            module = self._module_of(func.value, scope)
            if module is not None:
                return f"{module[0]}.{func.attr}", module[1], func.attr
        return None

    def _check_keywords(self, node: ast.Call, scope: _Scope, findings: list[Finding],
                        counts: dict[str, int]) -> None:
        callee = self._callee(node.func, scope)
        if callee is None:
            return
        written, module, attribute = callee
        definition = self.stdlib.resolve(module, attribute)
        if definition is None or definition.keywords is None:
            return
        for keyword in node.keywords:
            if keyword.arg is None:  # **mapping: unknown keys
                continue
            counts["keywords"] += 1
            if keyword.arg not in definition.keywords:
                findings.append(Finding(
                    "keyword", f"{written}({keyword.arg}=)", keyword.lineno,
                    keyword.col_offset, keyword.col_offset + _width(keyword.arg)))


def _parse(source: str) -> ast.Module | Exception:
    """The syntax tree of ``source``, or the error that stopped the parser."""
    try:
        with warnings.catch_warnings():  # generated code's odd literals are not our warnings
            warnings.simplefilter("ignore")
            return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        # ValueError: NUL bytes; RecursionError/MemoryError: absurdly deep nesting.
        return error


def _parsable_prefix(source: str, error: Exception) -> tuple[ast.Module | None, int]:
    """The tree of the longest prefix of whole lines before ``error`` that parses, and its lines.

    Cuts before the error's line, then before each new error's line (a block
    opened just before the cut fails too), at most :data:`SALVAGE_ATTEMPTS` times.
    """
    lines = LINE_BREAK.split(source)
    for _ in range(SALVAGE_ATTEMPTS):
        lineno = getattr(error, "lineno", None)
        if not lineno or lineno <= 1:
            return None, 0
        cut = min(lineno - 1, len(lines))
        while cut and not lines[cut - 1].strip():
            cut -= 1
        if not cut:
            return None, 0
        lines = lines[:cut]
        tree = _parse("\n".join(lines))
        if isinstance(tree, ast.Module):
            return tree, cut
        error = tree
    return None, 0


def _width(name: str) -> int:
    """Bytes ``name`` takes in UTF-8, the unit of ``ast`` column offsets."""
    return len(name.encode("utf-8"))


def _module_span(node: ast.ImportFrom, source: str) -> tuple[int, int, int]:
    """(line, start, end) in UTF-8 bytes of the module named by ``from module import …``.

    ``ast`` gives only the statement's position; the name follows ``from``.
    """
    line = LINE_BREAK.split(source)[node.lineno - 1].encode("utf-8")
    start = line.find(node.module.encode("utf-8"), node.col_offset)
    if start < 0:  # written across lines or with spaces around dots: mark the statement
        return node.lineno, node.col_offset, len(line)
    return node.lineno, start, start + _width(node.module)


def _in_characters(findings: list[Finding], source: str) -> list[Finding]:
    """Findings with ``ast``'s UTF-8 byte columns turned into character columns."""
    if not findings or source.isascii():
        return findings
    lines = LINE_BREAK.split(source)

    def characters(line: int, column: int) -> int:
        encoded = lines[line - 1].encode("utf-8") if 0 < line <= len(lines) else b""
        return len(encoded[:column].decode("utf-8", errors="ignore"))

    return [Finding(f.kind, f.name, f.line, characters(f.line, f.column),
                    characters(f.line, f.end_column)) for f in findings]


def _rebound_names(tree: ast.Module) -> set[str]:
    """Names the source binds itself (assignments, definitions, parameters)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names
