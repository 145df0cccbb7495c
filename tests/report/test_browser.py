"""The report in a real browser: Debian's headless Chromium, driven by playwright."""

import io
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from modelcollapse.report import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("MODELCOLLAPSE_ARTIFACTS",
                                Path(__file__).parents[2] / "test-artifacts"))
# Flags for a closed network: no background connections, no first-run or sync traffic.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if CHROMIUM is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium (see .ci/run)")
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)


def _non_blank(png: bytes) -> bool:
    image = Image.open(io.BytesIO(png)).convert("L")
    low, high = image.getextrema()
    return high - low > 50


def test_report_in_headless_chromium(small_run, tmp_path):
    from playwright.sync_api import sync_playwright

    report = write_report([small_run], tmp_path / "report.html")
    console, requests, page_errors = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda message: console.append((message.type, message.text)))
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        page.on("request", lambda request: requests.append(request.url))
        page.goto(report.as_uri())
        page.wait_for_load_state("load")

        images = page.locator("img")
        assert images.count() >= 6
        for i in range(images.count()):
            image = images.nth(i)
            assert image.evaluate("img => img.complete && img.naturalWidth > 100"), i
            assert _non_blank(image.screenshot()), f"figure {i} is blank"

        text = page.inner_text("body")
        assert '<script>window.pwned = 1</script> & "quotes" <b>not bold</b>' in text
        assert page.evaluate("window.pwned === undefined")
        assert page.locator("b", has_text="not bold").count() == 0

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        assert _non_blank(shot)
        page.emulate_media(media="print")
        assert page.evaluate("getComputedStyle(document.body).maxWidth") == "none"
        browser.close()

    assert [m for m in console if m[0] in ("error", "warning")] == []
    assert page_errors == []
    assert all(url.startswith(("file:", "data:")) for url in requests), requests


# Every visible block that could collide with another; cells are checked through their tables.
_OVERLAPS = """() => {
  const blocks = [...document.querySelectorAll(
      "h1, h2, h3, h4, p, figure, figcaption, img, table, pre, summary, li")]
    .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; });
  const name = e => e.tagName.toLowerCase() + ":" + (e.id || e.textContent.slice(0, 40));
  const boxes = blocks.map(e => e.getBoundingClientRect());
  const overlaps = [];
  for (let i = 0; i < blocks.length; i++) {
    for (let j = i + 1; j < blocks.length; j++) {
      if (blocks[i].contains(blocks[j]) || blocks[j].contains(blocks[i])) continue;
      const a = boxes[i], b = boxes[j];
      const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (x > 1 && y > 1) overlaps.push([name(blocks[i]), name(blocks[j])]);
    }
  }
  const top = s => document.querySelector(s).getBoundingClientRect().top;
  return {overlaps, figureFirst: top("figure") < top("table"),
          sideways: document.documentElement.scrollWidth > window.innerWidth + 1};
}"""


@pytest.fixture(scope="module")
def shipped_reports(tmp_path_factory):
    """Reports of tiny runs that stress the layout: keepsake tables, a phase diagram, panels."""
    from modelcollapse.experiment.backends import SerialBackend
    from modelcollapse.experiment.runner import run_experiment
    from modelcollapse.experiment.schema import load_experiment
    from tests.experiment.test_shipped import SHIPPED, SMALLER

    out = tmp_path_factory.mktemp("layout")
    reports = {}
    for path in SHIPPED:
        if path.stem in ("code-curation", "staleness-phase", "samples-by-policy"):
            tiny = load_experiment(path, ["generations=3", "replicates=2",
                                          *SMALLER.get(path.stem, [])])
            run_experiment(tiny, out, backend=SerialBackend(), quiet=True, source=str(path))
            reports[path.stem] = write_report([out / tiny.name], out / f"{path.stem}.html")
    return reports


@pytest.mark.parametrize("name", ["small", "code-curation", "staleness-phase",
                                  "samples-by-policy"])
def test_report_layout_at_desktop_and_print_widths(name, small_run, shipped_reports, tmp_path):
    from playwright.sync_api import sync_playwright

    report = (write_report([small_run], tmp_path / "small.html") if name == "small"
              else shipped_reports[name])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for media, width in (("screen", 1280), ("print", 794)):  # 794 px: A4 at 96 dpi
            page = browser.new_page(viewport={"width": width, "height": 1000})
            page.emulate_media(media=media)
            page.goto(report.as_uri())
            page.wait_for_load_state("load")
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            layout = page.evaluate(_OVERLAPS)
            page.screenshot(path=str(ARTIFACTS / f"layout-{name}-{media}.png"), full_page=True)
            assert layout["overlaps"] == [], (media, layout["overlaps"][:5])
            assert layout["figureFirst"], media
            assert not layout["sideways"], f"{media}: the page scrolls sideways"
            page.close()
        browser.close()
