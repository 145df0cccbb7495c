"""Per-generation figures of generated code: parsing, invented names, squattable names, staleness.

:func:`code_figures` measures a list of generated sources; :class:`CodeMetric`
is the chain metric that samples items from a fitted code model, decodes them
with the world and records the figures, keeping for replicate 0 the invented
names, the most frequent squattable names and sample sources with the
position of every invented name (for a report to highlight, escaped).

Hallucinated imports are counted as Spracklen et al. (2025) count hallucinated
packages: an import naming no real package or module, over all imports that
name one (relative imports excluded). Invented names are counted in all
checked code: whole items that parse, and the lines before the syntax error
of those that do not (:class:`~modelcollapse.families.code.verifier.Verdict`).
"""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from modelcollapse.core.metric import MeasureContext
from modelcollapse.families.code.real_names import normalize
from modelcollapse.families.code.squat import SquatIndex
from modelcollapse.families.code.verifier import LINE_BREAK, StaticVerifier, Verdict

__all__ = ["CODE_METRICS", "CodeMetric", "code_figures", "default_squat_index",
           "default_verifier", "keep_artifacts", "line_starts", "marked_samples", "used_names"]

CODE_METRICS = {
    "parse_rate": "share of generated items that parse as Python",
    "pass_rate": "share that parse and invent nothing (what a static verifier keeps)",
    "hallucinated_import_rate": "invented imports over all non-relative imports in checked "
                                "code (Spracklen)",
    "invented_attribute_rate": "invented attributes over checked stdlib attribute reads",
    "invented_keyword_rate": "invented keywords over checked stdlib-call keywords",
    "checked_line_share": "share of generated lines checked (all lines of items that parse, "
                          "the lines before the error of those that do not)",
    "invented_packages": "distinct invented top-level package names",
    "invented_names": "distinct invented names of every kind (imports, attributes, keywords)",
    "recurring_invented_share": "share of this generation's distinct invented names that the "
                                "previous generation's model also wrote",
    "squattable_names": "distinct invented package names within edit distance 2 of a top "
                        "package",
    "stale_name_rate": "uses of renamed-away API names over uses of API names (API drift)",
}
"""The figures :class:`CodeMetric` records, with what each means."""

SQUAT_TOP = 15_000
"""Packages an attacker would imitate: all ranked ones in the shipped snapshot."""


@cache
def default_verifier() -> StaticVerifier:
    """One verifier per process: its stdlib index caches every module it has read."""
    return StaticVerifier()


@cache
def default_squat_index(top: int = SQUAT_TOP) -> SquatIndex:
    """One squattable-name index per process over the shipped registry's ``top`` packages."""
    return SquatIndex(default_verifier().registry, top=top)


def used_names(source: str, lines: int | None = None) -> Counter:
    """How often each identifier appears in a parsable source (names, attributes, definitions).

    ``lines``: only the first ``lines`` lines (a broken source's checked prefix).
    """
    if lines is not None:
        source = "\n".join(LINE_BREAK.split(source)[:lines])
    counts: Counter = Counter()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            counts[node.id] += 1
        elif isinstance(node, ast.Attribute):
            counts[node.attr] += 1
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            counts[node.name] += 1
    return counts


def _line_count(source: str | bytes) -> int:
    """Lines of a source as the verifier counts them (trailing blank lines aside)."""
    if isinstance(source, bytes | bytearray):
        source = bytes(source).decode("utf-8", errors="replace")
    return len(LINE_BREAK.split(source.rstrip())) if source.strip() else 0


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else float("nan")


def _invented_packages(verdict: Verdict, verifier: StaticVerifier) -> list[str]:
    """Invented top-level package names (not stdlib submodule typos like ``os.pathx``)."""
    return [normalize(name.partition(".")[0]) for name in verdict.invented("import")
            if not verifier.registry.is_stdlib(name)]


@dataclass
class CodeFigures:
    """The figures of one generation and the details a report shows."""

    figures: dict[str, float]
    invented: Counter = field(default_factory=Counter)
    squattable: list[dict] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)


def code_figures(sources: list[str | bytes], *, verifier: StaticVerifier | None = None,
                 squat_index: SquatIndex | None = None, previous: set[str] | None = None,
                 stale: frozenset[str] | None = None, current: frozenset[str] = frozenset()
                 ) -> CodeFigures:
    """Verify ``sources`` and compute every figure of :data:`CODE_METRICS`.

    Parameters
    ----------
    sources : list of str or bytes
        Generated items; bad ones (undecodable, empty, too large, not Python)
        count as not parsed and nothing is raised.
    verifier, squat_index : optional
        Defaults: the shipped registry and this interpreter's standard library.
    previous : set of str or None
        Distinct invented names of the previous generation (None: no previous).
    stale, current : frozenset of str
        Names the world's API renamed away, and its names today (API drift);
        ``stale=None`` (a world that does not drift) records NaN.

    Returns
    -------
    CodeFigures
    """
    verifier = verifier or default_verifier()
    verdicts = [verifier.verify(source) for source in sources]
    checked = [v for v in verdicts if v.checked]
    invented = Counter(f.name for v in checked for f in v.findings)
    packages = Counter(name for v in checked for name in _invented_packages(v, verifier))
    squattable = []
    if packages:
        squat_index = squat_index or default_squat_index()
        for name, matches in squat_index.squattable(packages).items():
            best = matches[0]
            squattable.append({"name": name, "count": packages[name], "package": best.package,
                               "distance": best.distance, "rank": best.rank})
        squattable.sort(key=lambda s: (-s["count"], s["rank"], s["name"]))

    def total(attribute: str) -> int:
        return sum(getattr(v, attribute) for v in checked)

    def found(kind: str) -> int:
        return sum(len(v.invented(kind)) for v in checked)

    n = len(verdicts)
    figures = {
        "parse_rate": _rate(sum(v.parsed for v in verdicts), n),
        "pass_rate": _rate(sum(v.passes for v in verdicts), n),
        "hallucinated_import_rate": _rate(found("import"), total("imports")),
        "invented_attribute_rate": _rate(found("attribute"), total("attributes")),
        "invented_keyword_rate": _rate(found("keyword"), total("keywords")),
        "checked_line_share": _rate(sum(v.checked_lines for v in verdicts),
                                    sum(_line_count(source) for source in sources)),
        "invented_packages": float(len(packages)),
        "invented_names": float(len(invented)),
        "recurring_invented_share": (_rate(len(set(invented) & previous), len(invented))
                                     if previous is not None else float("nan")),
        "squattable_names": float(len(squattable)),
        "stale_name_rate": float("nan"),
    }
    if stale is not None:
        uses = Counter()
        for source, verdict in zip(sources, verdicts, strict=True):
            if verdict.checked:
                text = source if isinstance(source, str) else source.decode()
                uses.update(used_names(text, None if verdict.parsed else verdict.checked_lines))
        n_stale = sum(uses[name] for name in stale)
        figures["stale_name_rate"] = _rate(n_stale, n_stale + sum(uses[n] for n in current))
    return CodeFigures(figures, invented, squattable, verdicts)


@dataclass(eq=False)
class CodeMetric:
    """Samples generated code from a fitted model and records :data:`CODE_METRICS`.

    The recurring share compares a generation's invented names with those of
    the same replicate's previous generation, which the metric remembers per
    replicate (the chain passes ``replicate`` and ``generation``), so
    replicates may run in any order and the metric may serve several chains.

    Parameters
    ----------
    n_items : int, default 100
        Items sampled from the model per generation (in experiment files:
        ``metrics = [{name = "code", n_items = 20}]``).
    names_kept : tuple of str
        Figures to record (all of :data:`CODE_METRICS` by default).
    """

    n_items: int = 100
    names_kept: tuple[str, ...] = tuple(CODE_METRICS)
    name = "code"
    _previous: dict[int, tuple[int, set[str]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if int(self.n_items) != self.n_items or self.n_items < 1:
            raise ValueError(f"n_items must be an integer >= 1, got {self.n_items!r}")
        unknown = set(self.names_kept) - set(CODE_METRICS)
        if unknown:
            raise ValueError(f"unknown code metrics {sorted(unknown)}; known: "
                             f"{', '.join(CODE_METRICS)}")

    def names(self, model) -> tuple[str, ...]:  # noqa: D102
        return self.names_kept

    def applies(self, model, world) -> bool:  # noqa: D102
        return hasattr(world, "decode_item") and hasattr(model, "sample")

    def measure(self, model, world, context: MeasureContext) -> dict[str, float]:
        """Sample ``n_items`` items, verify them, record the figures (and artifacts).

        Outside a chain (no ``replicate`` and ``generation`` in ``context``) the
        recurring share is NaN.
        """
        rng, artifacts = context.stream(), context.artifacts
        replicate, generation = context.replicate, context.generation
        n_items = self.n_items
        X = world.draw_inputs(n_items, rng=rng) if getattr(model, "conditional", False) else None
        written = model.sample(n_items, rng=rng, X=X)
        # A prompted model writes continuations: the item is the real prompt and what follows.
        items = written.X if X is None else np.concatenate([X, written.X], axis=1)
        sources = [world.decode_item(block) for block in items]
        previous = None
        if replicate is not None and generation is not None:
            last = self._previous.get(replicate)
            # Only the generation just before counts; an entry left by another chain's
            # replicate of the same number is overwritten at generation 1.
            if last is not None and last[0] == generation - 1:
                previous = last[1]
        result = code_figures(sources, previous=previous,
                              stale=(world.stale_names if getattr(world, "drift", 0)
                                     else None),
                              current=getattr(world, "api_names", frozenset()))
        if replicate is not None and generation is not None:
            self._previous[replicate] = (generation, set(result.invented))
        if artifacts is not None:
            keep_artifacts(artifacts, sources, result, previous or set())
        return {name: result.figures[name] for name in self.names_kept}


SQUATTABLE_HEADER = ["invented name", "times written", "resembles", "distance",
                     "download rank"]
INVENTED_HEADER = ["invented name", "kind", "times written", "also last generation"]
_SAMPLE_CHARACTERS = 2800  # the report shows the first 3,000 characters of a text


def line_starts(source: str) -> list[int]:
    """Character offset of each line's start, lines numbered as ``ast`` numbers them."""
    return [0] + [match.end() for match in LINE_BREAK.finditer(source)]


def marked_samples(sources: list[str], verdicts: list[Verdict],
                   limit: int = _SAMPLE_CHARACTERS) -> tuple[str, list[tuple[int, int, str]]]:
    """Samples joined into one text with each invented name as a (start, end, label) mark.

    Samples with findings come first; each is headed by a comment with its
    number and status, and samples are added while the text stays within
    ``limit`` characters (at least one is always shown).
    """
    order = sorted(range(len(sources)), key=lambda i: not verdicts[i].findings)
    text, marks = "", []
    for shown, i in enumerate(order):
        verdict = verdicts[i]
        source = sources[i] if isinstance(sources[i], str) else \
            sources[i].decode("utf-8", errors="replace")
        header = f"# --- sample {i + 1}: {verdict.status}, {len(verdict.findings)} invented\n"
        if shown and len(text) + len(header) + len(source) > limit:
            break
        offset = len(text) + len(header)
        starts = line_starts(source)
        for finding in verdict.findings:
            base = offset + starts[finding.line - 1]
            marks.append((base + finding.column, base + finding.end_column,
                          f"invented {finding.kind}: {finding.name}"))
        text += header + source + "\n\n"
    return text, marks


def keep_artifacts(artifacts, sources: list[str], result: CodeFigures,
                   previous: set[str]) -> None:
    """Tables of invented and squattable names; sample code with invented names marked."""
    kinds = {f.name: f.kind for v in result.verdicts for f in v.findings}
    artifacts.json("invented_names", [INVENTED_HEADER] + [
        [name, kinds[name], count, "yes" if name in previous else "no"]
        for name, count in result.invented.most_common(50)])
    artifacts.json("squattable_names", [SQUATTABLE_HEADER] + [
        [s["name"], s["count"], s["package"], s["distance"], s["rank"]]
        for s in result.squattable[:20]])
    if sources:
        artifacts.marked_text("code_samples", *marked_samples(sources, result.verdicts))
