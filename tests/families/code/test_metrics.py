"""The code metric: recurrence per replicate, invented names marked in kept samples."""

import json
import math

import numpy as np
import pytest

from modelcollapse.core.artifacts import ArtifactSink
from modelcollapse.core.data import Dataset
from modelcollapse.core.metric import MeasureContext
from modelcollapse.families.code.metrics import (
    CodeMetric,
    code_figures,
    default_verifier,
    marked_samples,
)
from modelcollapse.report.artifacts import marked_html


class ScriptWorld:
    """A world whose items are indices into a list of sources."""

    def __init__(self, sources):
        self.sources = list(sources)

    def decode_item(self, block) -> str:
        return self.sources[int(block[0])]


class ScriptModel:
    """Writes the same items every time: ``sample`` returns their indices."""

    conditional = False

    def __init__(self, items):
        self.items = items

    def sample(self, n, *, rng, X=None):
        return Dataset.real(np.array([[self.items[i % len(self.items)]] for i in range(n)]))


SOURCES = ["import alpha_pkg_zz", "import beta_pkg_zz", "import gamma_pkg_zz",
           "import alpha_pkg_zz\nimport beta_pkg_zz", "import os\nos.getcwd()"]
WORLD = ScriptWorld(SOURCES)


def share(metric, items, replicate, generation):
    figures = metric.measure(ScriptModel(items), WORLD, MeasureContext(
        rng=np.random.default_rng(0), replicate=replicate, generation=generation))
    return figures["recurring_invented_share"]


def test_recurrence_is_kept_per_replicate_in_any_order():
    metric = CodeMetric(n_items=4)
    # Replicate 1 runs before replicate 0, and their generations interleave.
    assert math.isnan(share(metric, [0], replicate=1, generation=1))     # {alpha}
    assert math.isnan(share(metric, [1], replicate=0, generation=1))     # {beta}
    assert share(metric, [3], replicate=1, generation=2) == 0.5          # alpha of {alpha, beta}
    assert share(metric, [2], replicate=0, generation=2) == 0.0          # gamma: new
    assert share(metric, [2, 0], replicate=0, generation=3) == 0.5       # gamma again, alpha new


def test_recurrence_across_chains_and_gaps():
    metric = CodeMetric(n_items=2)
    share(metric, [0], replicate=0, generation=1)
    share(metric, [0], replicate=0, generation=2)
    # A second chain reusing the metric: its generation 1 has no previous one,
    # and its generation 2 compares with its own generation 1, not the first chain's.
    assert math.isnan(share(metric, [1], replicate=0, generation=1))
    assert share(metric, [1], replicate=0, generation=2) == 1.0
    # A generation that was not measured breaks the comparison.
    assert math.isnan(share(metric, [1], replicate=0, generation=4))
    # Outside a chain (no position) the share is undefined.
    figures = metric.measure(ScriptModel([1]), WORLD, MeasureContext(rng=np.random.default_rng(0)))
    assert math.isnan(figures["recurring_invented_share"])


NON_ASCII = ("import os\n"
             "café = 'naïve — ☃ — 漢字'; p = os.pathh.join(café)\r\n"
             "from ünïcode_pkg_zz import thing\n"
             "s = '<script>alert(1)</script>'\n"
             "def f():\n    return os.makedirs('d', exst_ok=True)\n")


def test_marks_land_on_the_invented_names_in_non_ascii_text():
    verdict = default_verifier().verify(NON_ASCII)
    assert [f.kind for f in verdict.findings] == ["attribute", "import", "keyword"]
    text, marks = marked_samples([NON_ASCII, "import os"],
                                 [verdict, default_verifier().verify("import os")])
    assert [text[start:end] for start, end, _ in marks] == ["pathh", "ünïcode_pkg_zz",
                                                            "exst_ok"]
    assert [label for *_, label in marks] == [
        "invented attribute: os.pathh", "invented import: ünïcode_pkg_zz",
        "invented keyword: os.makedirs(exst_ok=)"]
    assert text.index("sample 1") < text.index("sample 2")   # the one with findings first


def test_kept_artifacts_are_tables_and_marked_text():
    sources = [NON_ASCII, "import reqeusts\nimport reqeusts", "import numpyy"]
    result = code_figures(sources)
    sink = ArtifactSink(0, 1)
    metric = CodeMetric(n_items=3)
    metric.measure(ScriptModel([0, 1, 2]), ScriptWorld(sources), MeasureContext(
        rng=np.random.default_rng(0), artifacts=sink, replicate=0, generation=1))
    kept = {name: json.loads(text) for _, _, name, _, text, _ in sink.records}
    squattable = kept["squattable_names"]
    assert squattable[0] == ["invented name", "times written", "resembles", "distance",
                             "download rank"]
    assert squattable[1][:4] == ["reqeusts", 2, "requests", 1]        # the most written first
    assert ["numpyy", 1, "numpy", 1] == squattable[2][:4]
    assert kept["invented_names"][0][0] == "invented name"
    assert len(kept["invented_names"]) == 1 + len(result.invented)
    sample = kept["code_samples"]
    assert {sample["text"][a:b] for a, b, _ in sample["marks"]} >= {"pathh", "reqeusts",
                                                                    "numpyy"}
    html = marked_html(sample["text"], sample["marks"])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<mark title='invented import: reqeusts'>reqeusts</mark>" in html


def test_empty_generation_keeps_no_sample():
    sink = ArtifactSink(0, 1)
    from modelcollapse.families.code.metrics import keep_artifacts

    keep_artifacts(sink, [], code_figures([]), set())
    assert [name for _, _, name, *_ in sink.records] == ["invented_names", "squattable_names"]


@pytest.mark.parametrize("n_items", [0, 1.5, -2])
def test_bad_item_counts_are_refused(n_items):
    with pytest.raises(ValueError, match="n_items"):
        CodeMetric(n_items=n_items)
