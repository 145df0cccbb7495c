"""Every shipped experiment, mutated: `validate` and a tiny `run` end cleanly or in one line.

Hypothesis mutates keys and values of the files in experiments/ (hostile numbers, wrong
types, unknown names, huge strings, markup, duplicate metrics, missing keys) and checks
that each command exits 0, or exits 2 with one line of at most 300 characters: never a
traceback, never a hang.
"""

import copy
import itertools
import json
import math
import shutil
import time
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from modelcollapse.cli.main import app
from modelcollapse.experiment.schema import apply_override
from tests.experiment.test_shipped import SMALLER

EXPERIMENTS = Path(__file__).parents[2] / "experiments"
BASES = {path.stem: tomllib.loads(path.read_text()) for path in sorted(EXPERIMENTS.glob("*.toml"))}
# Families that train neural networks or build corpora take seconds even when tiny; their
# files are mutated for `validate` only.
SLOW = ("transformer-", "hf-", "vae-", "code-", "digits-")
FAST = sorted(stem for stem in BASES if not stem.startswith(SLOW))

HOSTILE = st.one_of(
    st.integers(-3, 6),
    st.sampled_from([0, -1, 2**31, 2**63 - 1, 2**63, 10**12]),
    st.sampled_from([0.0, -0.5, 0.5, 1.5, 1e308, -1e308, math.nan, math.inf, 5e-324]),
    st.booleans(),
    st.sampled_from(["", ".", "..", "../escape", "$x^2$", "[red]x[/red]", "x" * 3000,
                     "cosine", "polynomial", "gaussian", "replace", "accumulate",
                     "fresh-real(0.1)", "fresh-real(2)", "retrieval(-1)", "mse_to_truth",
                     "held_out_perplexity", "nope"]),
    st.text(max_size=12),
    st.lists(st.integers(-2, 5), max_size=3),
    st.sampled_from([[], ["mse_to_truth", "mse_to_truth"],
                     [{"name": "generated_text", "n_sequences": 0}],
                     [{"name": "held_out_perplexity", "max_blocks": 0}],
                     {"name": "cosine"}, {"name": "nope"}, {}, {"name": 3}]),
)

def _similar(current):
    """Values of the same kind as ``current``, so many tiny runs get past validation."""
    if isinstance(current, bool):
        return st.booleans()
    if isinstance(current, int):
        return st.integers(1, 4)
    if isinstance(current, float):
        return st.sampled_from([0.0, 0.1, 0.5, 0.9])
    if isinstance(current, list) and current:
        return st.sampled_from([current[:1], current[-1:], current[::-1]])
    return st.nothing() if current is None else st.just(current)


# Keys a file may not have yet, besides its own.
EXTRA_PATHS = [("samples",), ("generations",), ("replicates",), ("block",), ("seed",),
               ("world", "name"), ("model", "name"), ("policy", "name"), ("filters",),
               ("metrics",), ("sampling", "temperature"), ("sweep", "samples"),
               ("sweep", "policy"), ("sweep", "model.degree"), ("bogus",), ("model", "bogus")]


def _paths(data, prefix=()):
    for key, value in data.items():
        path = (*prefix, key)
        yield path
        if isinstance(value, dict) and not (prefix == () and key == "sweep"):
            yield from _paths(value, path)
        elif prefix == () and key == "sweep":
            yield from ((key, inner) for inner in value)


def _mutate(data, path, value):
    node = data
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {"name": child} if isinstance(child, str) else {}
        node = child
    if value is _DELETE:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value


_DELETE = object()


@st.composite
def mutated(draw, stems):
    stem = draw(st.sampled_from(stems))
    data = copy.deepcopy(BASES[stem])
    paths = [*_paths(data), *EXTRA_PATHS]
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        value = draw(st.one_of(HOSTILE, st.just(_DELETE)))
        _mutate(data, path, value)
    return stem, data


def _toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") \
            if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml_value, value)) + "]"
    return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}"
                           for k, v in value.items()) + "}"


def _toml(data):
    return "".join(f"{json.dumps(str(k))} = {_toml_value(v)}\n" for k, v in data.items())


def _assert_clean(result, seconds, limit):
    shown = f"exit {result.exit_code}: {result.output[-2000:]!r} {result.exception!r}"
    assert result.exit_code in (0, 2), shown
    assert "Traceback" not in result.output, shown
    lines = result.output.strip().splitlines()
    if result.exit_code == 2:
        assert len(lines) == 1 and len(lines[0]) <= 300, shown
    assert seconds < limit, f"took {seconds:.1f} s: {shown}"


def test_mutated_shipped_experiments_validate_cleanly(tmp_path):
    runner = CliRunner()
    configs = set()

    @settings(max_examples=640, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(mutated(sorted(BASES)))
    def check(case):
        stem, data = case
        text = _toml(data)
        configs.add(text)
        path = tmp_path / f"{stem}.toml"
        path.write_text(text)
        start = time.perf_counter()
        result = runner.invoke(app, ["validate", str(path)])
        _assert_clean(result, time.perf_counter() - start, limit=120)

    check()
    assert len(configs) >= 500


def _tiny(data):
    """Clamp sizes so a run that validates finishes in seconds; leave bad values as they are."""
    for key, cap in (("generations", 2), ("replicates", 2), ("samples", 100)):
        value = data.get(key, cap + 1)
        if isinstance(value, int) and not isinstance(value, bool) and value > cap:
            data[key] = cap
    sweep = data.get("sweep")
    if isinstance(sweep, dict):
        for key, values in sweep.items():
            if isinstance(values, list) and len(values) > 2:
                sweep[key] = values[:2]
    return data


@st.composite
def tiny_mutated(draw, stems):
    """Like :func:`mutated`, from each file made tiny the way the shipped-experiment test does."""
    stem = draw(st.sampled_from(stems))
    data = copy.deepcopy(BASES[stem])
    for assignment in SMALLER.get(stem, []):
        data = apply_override(data, assignment)
    paths = [*_paths(data), *EXTRA_PATHS]
    for _ in range(draw(st.integers(1, 2))):
        path = draw(st.sampled_from(paths))
        similar = _similar(_get(data, path))
        value = draw(st.one_of(similar, similar, similar, HOSTILE, st.just(_DELETE)))
        _mutate(data, path, value)
    return stem, _tiny(data)


def _get(data, path):
    for part in path:
        data = data.get(part) if isinstance(data, dict) else None
    return data


def test_mutated_fast_experiments_run_tiny_cleanly(tmp_path):
    runner = CliRunner()
    counter = itertools.count()
    configs, finished = set(), []

    @settings(max_examples=80, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(tiny_mutated(FAST))
    def check(case):
        stem, data = case
        text = _toml(data)
        configs.add(text)
        path = tmp_path / f"{stem}.toml"
        path.write_text(text)
        out = tmp_path / f"out{next(counter)}"
        start = time.perf_counter()
        result = runner.invoke(app, ["run", str(path), "--out", str(out), "--workers", "1",
                                     "--quiet"])
        _assert_clean(result, time.perf_counter() - start, limit=120)
        finished.append(result.exit_code == 0)
        shutil.rmtree(out, ignore_errors=True)

    check()
    assert len(configs) >= 60
    assert sum(finished) >= 10, "most mutations should still leave a runnable experiment"


NGRAM_TINY = ["generations=1", "replicates=1", "samples=50", "world.max_chars=20000"]


@pytest.mark.parametrize("experiment, settings, message", [
    ("post-demo", ["replicates=1000000000000"], "over the limit of 1,000,000"),
    ("post-demo", ["generations=9223372036854775808"], "over the limit of 100,000"),
    ("post-demo", ["samples=9223372036854775807"], "over the limit of 10,000,000"),
    ("post-demo", ["block=10000000"], "over the limit of 100,000"),
    ("post-demo", ["samples=1000000"], "set a smaller block"),
    ("post-demo", ["generations=50000"], "block * generations = 50,000,000"),
    ("post-demo", ["sweep.seed=" + str(list(range(101))), "sweep.samples=" +
                   str(list(range(2, 102)))], "the sweep has 10,100 points"),
    ("post-demo", ["name='..'"], "'.' and '..' are not names"),
    ("post-demo", ["metrics=['mse_to_truth', 'mse_to_truth']"], "recorded twice"),
    ("post-demo", ["world.noise='" + "x" * 5000 + "'"], "post-demo"),
    ("post-demo", ["world.x[/bold]$y$=1"], "no setting 'x[/bold]$y$'"),
    ("post-demo", ["filters=['static-verifier']"], "needs decode_item"),
    ("post-demo", ["filters=['sandbox-tests']"], "needs decode_item"),
    ("post-demo", ["filters=['registry-check']"], "needs universe"),
    ("ngram-policies", ["world=cosine"], "do not fit together"),
    ("ngram-policies", ["world.tokenizer=1.5"], "do not fit together"),
    ("ngram-policies", ["metrics=[{name='generated_text', n_sequences=0}]", *NGRAM_TINY],
     "n_sequences = 0"),
    ("ngram-policies", ["metrics=[{name='held_out_perplexity', max_blocks=0}]", *NGRAM_TINY],
     "max_blocks = 0"),
])
def test_mistakes_found_by_probing_are_one_line_for_validate_and_run(tmp_path, experiment,
                                                                     settings, message):
    runner = CliRunner()
    sets = [f"--set={s}" for s in settings]
    path = str(EXPERIMENTS / f"{experiment}.toml")
    for args in (["validate", path, *sets],
                 ["run", path, *sets, "--out", str(tmp_path), "--workers", "1", "--quiet"]):
        start = time.perf_counter()
        result = runner.invoke(app, args)
        _assert_clean(result, time.perf_counter() - start, limit=30)
        assert result.exit_code == 2 and message in result.output, result.output
    assert not any(tmp_path.iterdir()), "a refused run writes nothing"
