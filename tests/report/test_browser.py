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
