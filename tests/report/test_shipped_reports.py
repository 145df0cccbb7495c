"""Every shipped experiment, run at tiny size, gets a report that leads with a figure.

The report puts a figure before the first table, its headline figure is the
family's headline metric, and no heading, caption, table cell or figure text
(titles, axis labels, legend entries) reads as a Python dict.
"""

import os
import re
import shutil
from html.parser import HTMLParser

import pytest

from modelcollapse.experiment.backends import SerialBackend
from modelcollapse.experiment.runner import run_experiment
from modelcollapse.experiment.schema import load_experiment
from modelcollapse.report import RunView, literal_text, run_figure, write_report
from modelcollapse.report.display import HEADLINES
from tests.experiment.test_shipped import SHIPPED, SMALLER, tiny_checkpoint  # noqa: F401

LABELLED = {"h1", "h2", "h3", "h4", "summary", "caption", "figcaption", "th", "td"}
DICT = re.compile(r"\{['\"]")


class _Texts(HTMLParser):
    """Text inside headings, captions and table cells, and every image's alt text."""

    def __init__(self):
        super().__init__()
        self.open, self.texts = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.texts.append(dict(attrs).get("alt", ""))
        elif tag in LABELLED:
            self.open.append(tag)
            self.texts.append("")

    def handle_endtag(self, tag):
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data):
        if self.open:
            self.texts[-1] += data


def _tiny_run(path, tmp_path, request):
    text = path.read_text()
    if "sandbox-tests" in text and shutil.which("bwrap") is None:
        if os.environ.get("CI"):
            pytest.fail("bubblewrap is missing: CI installs it (apt-get install bubblewrap)")
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap)")
    local = []
    if path.stem.startswith("hf-"):
        checkpoint = request.getfixturevalue("tiny_checkpoint")
        local = [f"world.tokenizer=hf:{checkpoint}", f"model.path={checkpoint}"]
    if 'device = "cuda"' in text:
        local.append("model.device=cpu")  # the report is the same whichever device ran it
    tiny = load_experiment(path, [*local, "generations=3", "replicates=4",
                                  *SMALLER.get(path.stem, [])])
    run_experiment(tiny, tmp_path, backend=SerialBackend(), quiet=True, source=str(path))
    return tmp_path / tiny.name, load_experiment(path, local)


def _figure_texts(figure) -> list[str]:
    texts = [figure._suptitle.get_text()] if figure._suptitle else []
    for axes in figure.axes:
        texts += [axes.get_title(), axes.get_ylabel(), axes.get_xlabel()]
        texts += [t.get_text() for t in axes.get_yticklabels() + axes.get_xticklabels()]
    for legend in figure.legends + [a.get_legend() for a in figure.axes if a.get_legend()]:
        texts += [legend.get_title().get_text(), *(t.get_text() for t in legend.get_texts())]
    return texts


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_report_leads_with_a_figure_and_tidy_labels(path, tmp_path, request):
    run, full = _tiny_run(path, tmp_path, request)
    html = write_report([run], tmp_path / "report.html").read_text()

    first_table = html.find("<table")
    assert 0 < html.find("<figure") < (first_table if first_table >= 0 else len(html))
    view = RunView(run)
    declared = HEADLINES.get(view.point_experiment(0).model.name)
    if declared in view.metrics:
        assert view.headline == declared
    assert re.search(r"<figure id='metric-([^']+)'", html).group(1) == view.headline

    parser = _Texts()
    parser.feed(html)
    assert parser.texts and not [t for t in parser.texts if DICT.search(t)]
    with literal_text():
        figure_texts = _figure_texts(run_figure(run))
    assert not [t for t in figure_texts if DICT.search(t) or "$" in t]
    assert not [t for t in parser.texts if "independent chains" in t or "\u00b1 \u2013" in t]

    lead = html[html.index("<p class=\"lead\">"):]
    lead = lead[:lead.index("</p>")]
    if full.generations != 3:
        assert f"generations 3 (the file: {full.generations})" in lead
