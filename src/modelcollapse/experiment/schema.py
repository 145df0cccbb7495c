"""Experiment files: TOML validated by a strict schema, with ``--set`` overrides.

Precedence: ``--set key=value`` on the command line > the file > the defaults
below. Every problem is reported as a :class:`ConfigError` whose one-line
message names the key (or file) and the fix.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from modelcollapse.core import registry
from modelcollapse.core.errors import UsageError
from modelcollapse.core.registry import did_you_mean
from modelcollapse.policies.training_sets import POLICY_LABELS, read_policy_label

__all__ = [
    "Component",
    "ConfigError",
    "Experiment",
    "apply_override",
    "load_experiment",
    "parse_experiment",
]


class ConfigError(UsageError):
    """An experiment file or override that cannot be run, with the fix in its message."""


LIMITS = {"generations": 100_000, "replicates": 1_000_000, "samples": 10_000_000,
          "block": 100_000}
"""Largest sizes one experiment may ask for: beyond them a run would not finish or not fit."""

MAX_UNIT_VALUES = 100_000_000
"""Largest ``block * samples`` (training points a unit holds at once, about 8 bytes each)."""

MAX_UNIT_CHAIN_GENERATIONS = 20_000_000
"""Largest ``block * generations``: a unit's rows (one per metric figure) are held in memory."""


class Component(BaseModel):
    """A registry name plus the settings its factory takes."""

    model_config = ConfigDict(extra="allow", frozen=True)
    name: str = Field(min_length=1)

    @property
    def params(self) -> dict[str, Any]:
        """Settings other than the name."""
        return dict(self.model_extra or {})

    def label(self) -> str:
        """``name`` alone, or ``name(k=v, …)`` with its settings."""
        inner = ", ".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.name}({inner})" if inner else self.name


def _component(value: Any) -> Any:
    """Accept a bare name (``"cosine"``) wherever a component table is expected."""
    return {"name": value} if isinstance(value, str) else value


def _policy(value: Any) -> Any:
    """Accept policy labels such as ``"fresh-real(0.1)"`` or ``"retrieval(10)"``.

    :func:`~modelcollapse.policies.training_sets.read_policy_label` reads
    them. A data policy given a setting is recorded with all its settings
    (so its record, and the experiment's hash, are those of the policy built).
    """
    if not isinstance(value, str):
        return value
    name, settings = read_policy_label(value)
    if settings and name in POLICY_LABELS:
        return {"name": name, **asdict(registry.policies.build(name, settings))}
    return {"name": name, **settings}


class Experiment(BaseModel):
    """One experiment: a chain configuration, replicates, and an optional sweep.

    Attributes
    ----------
    name : str
        Names the run directory: letters, digits, ``.``, ``_`` and ``-``.
    description : str
        One or two sentences for people reading results and reports.
    seed : int
        Root of the seed tree.
    generations : int
        Generations per chain (0 or more).
    replicates : int
        Independent chains per sweep point.
    samples : int
        Training-set size per generation.
    block : int or None
        Replicates per unit of work; ``None`` picks ``min(replicates, 1000)``.
        Part of the configuration: the batched kernels draw one stream per block.
    world, model, policy : Component
        Registry names and settings.
    filters : list of Component
        Curation steps applied to synthetic candidates, in order.
    metrics : list of str or Component, or None
        The metrics measured every generation: registry names, or tables with
        a name and settings (``{name = "code", n_items = 20}``); ``None`` uses
        the model's defaults.
    sweep : dict
        Dotted keys (``samples``, ``model.degree``, ``policy``) mapped to lists
        of values; the lists expand to their cartesian product, scalars broadcast.
    engine : {"auto", "loop", "batched"}
        How replicates are computed. ``"auto"``: a family's batched kernel
        where every sweep point has one, else the per-replicate loop for all
        points, so that the points of one experiment are always compared on
        the same random numbers (the two engines draw differently).
        ``"loop"`` or ``"batched"`` force one for every point.
    keep_weights : bool
        Save every generation's fitted model (safetensors weights and a JSON
        config) for replicate 0 of each sweep point into the run directory's
        ``weights/`` folder, for ``modelcollapse sample``; models that can save
        themselves only (transformer, vae).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9._-]+$", max_length=100)
    description: str = ""
    seed: int = Field(default=0, ge=0)
    generations: int = Field(default=100, ge=0)
    replicates: int = Field(default=100, ge=1)
    samples: int = Field(default=30, ge=1)
    block: int | None = Field(default=None, ge=1)
    world: Component = Component(name="cosine")
    model: Component = Component(name="polynomial")
    policy: Component = Component(name="replace")
    filters: list[Component] = []
    metrics: list[str | Component] | None = None
    sweep: dict[str, Any] = {}
    engine: Literal["auto", "loop", "batched"] = "auto"
    keep_weights: bool = False

    _to_component = field_validator("world", "model", mode="before")(_component)
    _to_policy = field_validator("policy", mode="before")(_policy)

    @field_validator("name")
    @classmethod
    def _folder_name(cls, value: str) -> str:
        # The name becomes a folder inside --out: "." and ".." would be --out or its parent.
        if value in (".", ".."):
            raise ValueError("'.' and '..' are not names; use letters, digits, '.', '_' and '-'")
        return value

    @model_validator(mode="after")
    def _within_limits(self) -> Experiment:
        for key, limit in LIMITS.items():
            value = getattr(self, key)
            if value is not None and value > limit:
                raise ValueError(f"{key} = {value:,} is over the limit of {limit:,}; ask for "
                                 "less, or split the work into several experiments")
        if self.block_size * self.samples > MAX_UNIT_VALUES:
            raise ValueError(f"a unit would hold block * samples = "
                             f"{self.block_size * self.samples:,} points, over the limit of "
                             f"{MAX_UNIT_VALUES:,} (about 0.8 GB); set a smaller block "
                             "(replicates per unit) or fewer samples")
        if self.block_size * self.generations > MAX_UNIT_CHAIN_GENERATIONS:
            raise ValueError(f"a unit would record block * generations = "
                             f"{self.block_size * self.generations:,} chain-generations, over "
                             f"the limit of {MAX_UNIT_CHAIN_GENERATIONS:,} (gigabytes of rows); "
                             "set a smaller block (replicates per unit) or fewer generations")
        return self

    @field_validator("filters", mode="before")
    @classmethod
    def _filters(cls, value: Any) -> Any:
        return [_component(v) for v in value] if isinstance(value, list) else value

    @property
    def block_size(self) -> int:
        """Replicates per unit."""
        return self.block or min(self.replicates, 1000)

    def config_hash(self) -> str:
        """SHA-256 of the canonical JSON of everything that shapes the results.

        The description is left out, so rewording it does not orphan a run;
        so are ``keep_weights`` while off and ``engine`` while ``"auto"``, so
        runs made before they existed keep their hash. Switched on, each makes
        another run. (An experiment whose points would mix engines is run
        with ``engine = "loop"`` written into its configuration, which gives
        it a hash of its own: see :func:`~modelcollapse.experiment.units.common_engine`.)
        """
        left_out = {"description"}
        if not self.keep_weights:
            left_out.add("keep_weights")
        if self.engine == "auto":
            left_out.add("engine")
        settings = self.model_dump(mode="json", exclude=left_out)
        # Removed keys stay in the hash with the value every run had, so runs made before
        # their removal keep their hash.
        settings.update({key: value for key, (value, _) in REMOVED_KEYS.items()})
        canonical = json.dumps(settings, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


REMOVED_KEYS: dict[str, tuple[Any, str]] = {
    "sampling": ({}, "decoding settings (temperature, top_k, top_p, ...) go in the [model] table"),
}
"""Keys experiment files no longer take: the value every run had, and where their job went."""


def _first_error(error: ValidationError, source: str) -> ConfigError:
    """Turn pydantic's first complaint into one line that names the key and the fix."""
    detail = error.errors()[0]
    where = ".".join(str(part) for part in detail["loc"])[:60]
    if detail["type"] == "extra_forbidden":
        key = str(detail["loc"][-1])[:60]
        if where in REMOVED_KEYS:  # a key older files may have: say where its job went
            return ConfigError(f"{source}: unknown key {where!r}; {REMOVED_KEYS[where][1]}")
        hint = did_you_mean(key, Experiment.model_fields)
        return ConfigError(f"{source}: unknown key {where!r}{hint}; "
                           f"remove it or use one of: {', '.join(Experiment.model_fields)}")
    message = detail["msg"].removeprefix("Value error, ")
    if not detail["loc"]:  # a check across keys names them itself
        return ConfigError(f"{source}: {message}")
    got = detail.get("input")
    shown = "" if isinstance(got, dict) else f" (got {_short(got)})"
    return ConfigError(f"{source}: key {where!r}: {message}{shown}")


def _short(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters: messages name the input, never repeat it."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def parse_experiment(data: dict[str, Any], source: str = "experiment") -> Experiment:
    """Validate a configuration mapping.

    Raises
    ------
    ConfigError
        Naming the first offending key.
    """
    try:
        return Experiment.model_validate(data)
    except ValidationError as error:
        raise _first_error(error, source) from None
    except ValueError as error:  # a policy label that does not parse
        raise ConfigError(f"{source}: {error}") from None


def _literal(text: str) -> Any:
    """Read an override value as a TOML literal; anything else is a string."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def apply_override(data: dict[str, Any], assignment: str,
                   notes: list[str] | None = None) -> dict[str, Any]:
    """Return a copy of ``data`` with ``key.path=value`` applied.

    The key is a dotted TOML key: a part with dots in it is quoted
    (``sweep."model.top_k"=[0]``), and ``sweep.model.top_k`` means the same.
    An override never loses to the sweep: on a swept key it replaces that
    axis with its one value; inside a swept table it applies to every value
    of the axis; and a table that gives a key the sweep varies is refused.

    Parameters
    ----------
    data : dict
        An experiment as read from TOML.
    assignment : str
        ``key=value``; the value is a TOML literal, anything else a string.
    notes : list of str, optional
        Receives one line for each sweep axis the override replaced or
        reached into, for the command line to print.

    Raises
    ------
    ConfigError
        If the assignment has no ``=``, its key does not parse, it walks
        through a non-table, or it would be overwritten by the sweep.
    """
    key, sep, text = assignment.partition("=")
    key, text = key.strip(), text.strip()
    if not sep or not key:
        raise ConfigError(f"--set {assignment!r}: write it as key=value, e.g. --set replicates=50")
    parts = _key_parts(key)
    if parts[0] == "sweep" and len(parts) > 1:  # sweep keys are dotted themselves
        parts = ["sweep", ".".join(parts[1:])]
    data = copy.deepcopy(data)
    value = _literal(text)
    _assign(data, parts, value, key, top=True)
    sweep = data.get("sweep")
    if parts[0] != "sweep" and isinstance(sweep, dict):
        for note in _meet_sweep(sweep, parts, value, f"{key}={text}"):
            if notes is not None:
                notes.append(note)
    return data


def _key_parts(key: str) -> list[str]:
    """The parts of a dotted key; with quotes in it, read as a TOML key (quotes removed).

    Without quotes the key is split at its dots as it stands, so an odd
    setting name reaches the registry, whose message names the settings.

    Raises
    ------
    ConfigError
        If a quoted key is not one dotted TOML key.
    """
    if '"' not in key and "'" not in key:
        return key.split(".")
    node: Any = None
    if "\n" not in key:
        try:
            node = tomllib.loads(f"{key} = 0")
        except tomllib.TOMLDecodeError:
            node = None
    parts = []
    while isinstance(node, dict) and len(node) == 1:
        (part, node), = node.items()
        parts.append(part)
    if node != 0 or not parts:
        raise ConfigError(f"--set {key[:60]!r}: not a key; quote a part with dots in it "
                          'as TOML does: sweep."model.top_k"=[0]')
    return parts


def _assign(node: dict[str, Any], parts: list[str], value: Any, key: str,
            top: bool = False) -> None:
    """Set ``node[parts[0]][parts[1]]… = value``, making bare names and labels tables.

    ``top`` marks the experiment's own table, where a missing component
    starts from its default (e.g. the default model).
    """
    for depth, part in enumerate(parts[:-1]):
        if top and depth == 0 and part not in node and part in Experiment.model_fields:
            default = Experiment.model_fields[part].default
            if isinstance(default, Component):
                node[part] = {"name": default.name}
        child = node.setdefault(part, {})
        if isinstance(child, str):  # a bare name or a policy label becomes a table
            child = node[part] = _as_table(child, policy=top and depth == 0 and part == "policy")
        if not isinstance(child, dict):
            raise ConfigError(f"--set {key}: {part!r} is not a table")
        node = child
    node[parts[-1]] = value


def _as_table(name: str, policy: bool) -> dict[str, Any]:
    """A component given by name (or policy label) as a table, for a key to go inside."""
    if not policy:
        return {"name": name}
    try:
        return _policy(name)
    except ValueError as error:
        raise ConfigError(str(error)) from None


def _given_table(parts: list[str], value: Any) -> dict[str, Any]:
    """The settings an override of a whole component gives (none for other overrides)."""
    if parts in (["world"], ["model"], ["policy"]) and isinstance(value, str):
        return _as_table(value, policy=parts == ["policy"])
    return value if isinstance(value, dict) else {}


def _meet_sweep(sweep: dict[str, Any], parts: list[str], value: Any,
                assignment: str) -> list[str]:
    """Make the override at ``parts`` hold at every sweep point; a line per axis it touched.

    Sweep keys are ``head`` or ``head.rest``, so they compare with the
    override's parts as one or two parts.
    """
    notes = []
    for swept in list(sweep):
        head, _, rest = swept.partition(".")
        axis = [head, rest] if rest else [head]
        values = sweep[swept]
        count = f"{len(values)} swept values" if isinstance(values, list) else "swept value"
        if parts == axis:
            del sweep[swept]
            notes.append(f"{assignment} replaces the {count} of {swept}")
        elif parts[:len(axis)] == axis:
            tables = []
            for item in values if isinstance(values, list) else [values]:
                if isinstance(item, str) and not rest:
                    item = _as_table(item, policy=head == "policy")
                if not isinstance(item, dict):
                    raise ConfigError(f"--set {assignment}: the sweep gives {swept} values that "
                                      f"are not tables; set sweep.{swept} instead")
                _assign(item, parts[len(axis):], value, assignment)
                tables.append(item)
            sweep[swept] = tables if isinstance(values, list) else tables[0]
            notes.append(f"{assignment} applies to each of the {count} of {swept}")
        elif axis[:len(parts)] == parts and rest in _given_table(parts, value):
            raise ConfigError(f"--set {assignment}: the sweep varies {swept}, which would "
                              f"overwrite the {rest!r} given here; leave it out, or replace "
                              f"the axis with --set {swept}=VALUE")
    return notes


def load_experiment(path: str | Path, overrides: list[str] = (),
                    notes: list[str] | None = None) -> Experiment:
    """Read, override and validate an experiment file.

    Parameters
    ----------
    path : str or Path
        A TOML file.
    overrides : list of str
        ``key=value`` assignments applied on top of the file, in order
        (see :func:`apply_override`).
    notes : list of str, optional
        Receives a line for each sweep axis an override replaced or reached into.

    Raises
    ------
    ConfigError
        For a missing or unreadable file, bad TOML, or an invalid configuration.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; check the path "
                          "(ready experiments are in experiments/)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read ({error})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    data.setdefault("name", path.stem)
    for assignment in overrides:
        data = apply_override(data, assignment, notes)
    return parse_experiment(data, source=str(path))
