"""What the standard library really defines, read from its source, never by importing it.

:class:`StdlibIndex` answers three questions the verifier asks: does module
``a.b`` exist, does it define ``name``, and which keyword arguments does the
callable ``a.b.name`` accept. Pure-Python modules are parsed with :mod:`ast`
from the interpreter's own ``Lib/`` folder. Modules written in C have no
source; a short allow-list of them (compiled into the interpreter or pure
computation, such as ``math`` and ``itertools``) is listed with ``dir()`` in
a separate, isolated interpreter (``python -I``: no current directory, no
``PYTHONPATH``, no user site on its path), once per process. Never in this
process: with the current directory on ``sys.path`` (``python -c``,
``python -m``, notebooks), ``import _sha256`` would run a ``_sha256.py``
lying there. Every other C module is *open*: its names are not checked.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = ["Definition", "ModuleInfo", "StdlibIndex"]

COMPILED_ALLOWED = frozenset(sys.builtin_module_names) | {
    "array", "binascii", "cmath", "math", "unicodedata", "zlib", "select", "fcntl", "grp",
    "resource", "_bisect", "_heapq", "_random", "_struct", "_json", "_datetime", "_statistics",
    "_contextvars", "_queue", "_csv", "_socket", "_posixsubprocess", "_md5", "_sha1",
    "_sha256", "_sha512", "_sha3", "_blake2", "_decimal", "_pickle", "_bz2", "_lzma",
}
"""C modules whose names are listed with ``dir()``: no Python runs when they load."""

SOMETIMES_DEFINED = {
    "sys": frozenset({"last_exc", "last_traceback", "last_type", "last_value", "ps1", "ps2",
                      "tracebacklimit"}),
}
"""Documented names a C module defines only in some situations (after an error, interactively)."""

_MODULE_DUNDERS = frozenset({
    "__all__", "__builtins__", "__cached__", "__dict__", "__doc__", "__file__", "__loader__",
    "__name__", "__package__", "__path__", "__spec__",
})
_SAFE_DECORATORS = frozenset({
    "asynccontextmanager", "cache", "cached_property", "classmethod", "contextmanager",
    "lru_cache", "staticmethod", "total_ordering", "wraps",
})
_MAX_ALIAS_DEPTH = 12


@dataclass(frozen=True)
class Definition:
    """One name a module defines.

    Parameters
    ----------
    kind : {"function", "class", "module", "value", "alias"}
        What the name is bound to; an alias points at ``target``.
    keywords : frozenset of str or None
        Keyword arguments a call accepts; ``None`` when unknown or unlimited.
    target : tuple of (str, str or None) or None
        For aliases: (module, name) re-exported; name ``None`` means the module itself.
    """

    kind: str
    keywords: frozenset[str] | None = None
    target: tuple[str, str | None] | None = None


@dataclass
class ModuleInfo:
    """The names one module defines; ``open`` if they cannot all be known statically."""

    name: str
    names: dict[str, Definition] = field(default_factory=dict)
    open: bool = False
    is_package: bool = False

    def defines(self, attribute: str) -> bool:
        """Whether ``attribute`` is defined (always True for an open module)."""
        return self.open or attribute in self.names or attribute in _MODULE_DUNDERS


def _keywords(arguments: ast.arguments, skip_first: bool) -> frozenset[str] | None:
    if arguments.kwarg is not None:
        return None
    named = [a.arg for a in arguments.args] + [a.arg for a in arguments.kwonlyargs]
    return frozenset(named[1:] if skip_first and arguments.args else named)


def _decorator_name(node: ast.expr) -> str:
    node = node.func if isinstance(node, ast.Call) else node
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def _function(node: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> Definition:
    decorators = {_decorator_name(d) for d in node.decorator_list}
    if not decorators <= _SAFE_DECORATORS:
        return Definition("function")
    skip = method and "staticmethod" not in decorators
    return Definition("function", _keywords(node.args, skip_first=skip))


def _class(node: ast.ClassDef) -> Definition:
    decorators = {_decorator_name(d) for d in node.decorator_list}
    constructors = [s for s in node.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)
                    and s.name in ("__init__", "__new__")]
    plain_bases = all(isinstance(b, ast.Name) and b.id == "object" for b in node.bases)
    if decorators - _SAFE_DECORATORS or node.keywords:
        if decorators == {"dataclass"} and plain_bases and not node.keywords:
            fields = {s.target.id for s in node.body
                      if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)}
            return Definition("class", frozenset(fields))
        return Definition("class")
    if constructors:
        keywords = [_function(c, method=True).keywords for c in constructors]
        if any(k is None for k in keywords):
            return Definition("class")
        return Definition("class", frozenset().union(*keywords))
    return Definition("class", frozenset() if plain_bases else None)


def _merge(old: Definition | None, new: Definition) -> Definition:
    """Names bound in several branches (``if``/``try``): accept what any branch accepts."""
    if old is None or old == new:
        return new
    if old.kind == "alias" or new.kind == "alias":  # e.g. os.path: this platform's comes first
        return old
    if old.kind == new.kind and old.keywords is not None and new.keywords is not None:
        return Definition(old.kind, old.keywords | new.keywords)
    return Definition(new.kind if old.kind == new.kind else "value")


def _module_level(body: list[ast.stmt]):
    """Nodes executed when the module loads (not inside function or class bodies)."""
    stack = list(body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))


def _is_globals_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) == "globals"


def _writes_globals(tree: ast.Module) -> bool:
    """Whether loading the module adds names dynamically (``globals().update``, enum exports)."""
    for node in _module_level(tree.body):
        if isinstance(node, ast.Call):
            func = node.func
            if getattr(func, "id", None) == "exec":
                return True
            if isinstance(func, ast.Attribute) and (
                    func.attr == "_convert_" or (func.attr in ("update", "setdefault")
                                                 and _is_globals_call(func.value))):
                return True
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) \
                and _is_globals_call(node.value):
            return True
    return False


# Run by ``python -I``: prints {module: {name: [kind, keywords or null]}} as JSON.
_FACTS_SCRIPT = """
import importlib, inspect, json, sys
facts = {}
for module in sys.argv[1:]:
    try:
        loaded = importlib.import_module(module)
    except ImportError:
        continue
    names = {}
    for name in dir(loaded):
        value = getattr(loaded, name, None)
        keywords = None
        if callable(value):
            try:
                parameters = list(inspect.signature(value).parameters.values())
            except (TypeError, ValueError):
                parameters = None
            if parameters is not None and all(p.kind != p.VAR_KEYWORD for p in parameters):
                keywords = [p.name for p in parameters
                            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        names[name] = ["function" if callable(value) else "value", keywords]
    facts[module] = names
print(json.dumps(facts))
"""


@lru_cache(maxsize=1)
def compiled_facts() -> dict[str, dict[str, list]]:
    """Names and keyword arguments of the allow-listed C modules, read in an isolated interpreter.

    Empty if that interpreter cannot run: every C module is then open (unchecked).
    """
    try:
        done = subprocess.run([sys.executable, "-I", "-c", _FACTS_SCRIPT,
                               *sorted(COMPILED_ALLOWED)],
                              capture_output=True, text=True, timeout=60, check=True,
                              cwd=sysconfig.get_paths()["stdlib"])
        return json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return {}


class StdlibIndex:
    """Modules, names and signatures of the running interpreter's standard library.

    Parameters
    ----------
    stdlib_dir : path-like or None
        The ``Lib/`` folder to read; defaults to the running interpreter's.
    """

    def __init__(self, stdlib_dir: str | Path | None = None):
        self.root = Path(stdlib_dir or sysconfig.get_paths()["stdlib"])
        self.top_level = frozenset(sys.stdlib_module_names) | {"__main__"}
        self._info = lru_cache(maxsize=None)(self._read)

    def source_path(self, module: str) -> Path | None:
        """The ``.py`` file of ``module`` (``__init__.py`` for a package), or None."""
        parts = module.split(".")
        if parts[0] not in self.top_level or not all(p.isidentifier() for p in parts):
            return None
        base = self.root.joinpath(*parts)
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if candidate.is_file():
                return candidate
        return None

    def exists(self, module: str) -> bool:
        """Whether ``module`` (dotted) is a real standard-library module or package.

        A submodule may also be a module-valued name of its parent, like
        ``os.path``.
        """
        parent, _, last = module.rpartition(".")
        if not parent:
            return module in self.top_level
        if not self.exists(parent):
            return False
        if self.source_path(module) is not None:
            return True
        info = self.module(parent)
        definition = self.resolve(parent, last) if info is not None else None
        return definition is not None and definition.kind == "module"

    def module(self, module: str) -> ModuleInfo | None:
        """The names ``module`` defines, or None where they cannot be known (C modules).

        ``module`` may name a module-valued attribute of its parent (``os.path``).
        """
        info = self._info(module)
        parent, _, last = module.rpartition(".")
        if info is None and parent and self.source_path(module) is None:
            target = self.module_target(parent, last)
            if target is not None and target != module:
                return self._info(target)
        return info

    def resolve(self, module: str, name: str) -> Definition | None:
        """Follow re-exports of ``module.name`` to its definition; None if not defined.

        A name re-exported from a module whose names are unknown resolves to an
        opaque ``Definition("value")``.
        """
        for _ in range(_MAX_ALIAS_DEPTH):
            info = self.module(module)
            if info is None:
                return Definition("value")
            definition = info.names.get(name)
            if definition is None:
                return Definition("value") if info.defines(name) else None
            if definition.kind != "alias":
                return definition
            module, target = definition.target
            if target is None:
                return Definition("module", target=(module, None))
            name = target
        return Definition("value")  # a cycle of re-exports: give up, accept the name

    def module_target(self, module: str, name: str) -> str | None:
        """The dotted module that ``module.name`` is bound to, if it is a module."""
        for _ in range(_MAX_ALIAS_DEPTH):
            if self.source_path(f"{module}.{name}") is not None:
                return f"{module}.{name}"
            info = self.module(module)
            definition = info.names.get(name) if info is not None else None
            if definition is None or definition.kind not in ("alias", "module"):
                return None
            module, target = definition.target
            if target is None:
                return module
            name = target
        return None

    def _read(self, module: str) -> ModuleInfo | None:
        path = self.source_path(module)
        if path is None:
            return self._compiled(module)
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
        except (SyntaxError, ValueError, OSError):
            return None
        info = ModuleInfo(module, is_package=path.name == "__init__.py")
        if info.is_package:
            for child in path.parent.iterdir():
                stem = child.stem if child.suffix == ".py" else child.name
                if stem.isidentifier() and (child.suffix == ".py"
                                            or (child / "__init__.py").is_file()):
                    info.names.setdefault(stem, Definition("alias", target=(
                        f"{module}.{stem}", None)))
        info.open = _writes_globals(tree)
        package = module if info.is_package else module.rpartition(".")[0]
        self._bind(tree.body, info, package)
        return info

    def _compiled(self, module: str) -> ModuleInfo | None:
        names = compiled_facts().get(module) if module in COMPILED_ALLOWED else None
        if names is None:
            return None
        info = ModuleInfo(module)
        for name, (kind, keywords) in names.items():
            info.names[name] = Definition(kind, None if keywords is None else frozenset(keywords))
        for name in SOMETIMES_DEFINED.get(module, ()):
            info.names.setdefault(name, Definition("value"))
        return info

    def _bind(self, body: list[ast.stmt], info: ModuleInfo, package: str) -> None:
        """Record every name a block of module-level statements binds."""
        names = info.names
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if node.name == "__getattr__":
                    info.open = True
                names[node.name] = _merge(names.get(node.name), _function(node, method=False))
            elif isinstance(node, ast.ClassDef):
                names[node.name] = _merge(names.get(node.name), _class(node))
                if "global_enum" in {_decorator_name(d) for d in node.decorator_list}:
                    self._bind([s for s in node.body if isinstance(s, ast.Assign)], info,
                               package)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    bound = alias.asname or alias.name.partition(".")[0]
                    target = alias.name if alias.asname else bound
                    names[bound] = _merge(names.get(bound),
                                          Definition("alias", target=(target, None)))
            elif isinstance(node, ast.ImportFrom):
                self._bind_from(node, info, package)
            elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for leaf in ast.walk(target):
                        if isinstance(leaf, ast.Name) and isinstance(leaf.ctx, ast.Store):
                            value = getattr(node, "value", None)
                            if isinstance(value, ast.Name) and value.id in names \
                                    and isinstance(target, ast.Name):
                                names[leaf.id] = Definition("alias", target=(info.name,
                                                                             value.id))
                            else:
                                names.setdefault(leaf.id, Definition("value"))
            elif isinstance(node, ast.If | ast.Try | ast.With | ast.For | ast.While):
                for block in ("body", "orelse", "finalbody"):
                    self._bind(getattr(node, block, []), info, package)
                for handler in getattr(node, "handlers", []):
                    self._bind(handler.body, info, package)

    def _bind_from(self, node: ast.ImportFrom, info: ModuleInfo, package: str) -> None:
        source = node.module or ""
        if node.level:
            base = package.split(".")
            base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
            source = ".".join(base + ([source] if source else []))
        for alias in node.names:
            if alias.name == "*":
                self._bind_star(source, info)
            else:
                bound = alias.asname or alias.name
                info.names[bound] = _merge(info.names.get(bound),
                                           Definition("alias", target=(source, alias.name)))

    def available(self, module: str) -> bool:
        """Whether ``module`` can load on this platform (``nt`` cannot on Linux)."""
        top = module.partition(".")[0]
        return (self.source_path(module) is not None or top in sys.builtin_module_names
                or any((self.root / "lib-dynload").glob(f"{top}.*")))

    def _bind_star(self, source: str, info: ModuleInfo) -> None:
        if not self.available(source):  # another platform's branch, e.g. ``from nt import *``
            return
        other = self.module(source) if source != info.name else None
        if other is None:
            info.open = True
            return
        # Every public name, a superset of most ``__all__`` lists: generous, so a real
        # name is never reported as invented.
        for name in [n for n in other.names if not n.startswith("_")]:
            info.names.setdefault(name, Definition("alias", target=(source, name)))
        info.open = info.open or other.open
