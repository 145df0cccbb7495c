"""Bad input is counted and reported, never a crash."""

import gzip

import numpy as np
import pytest

from modelcollapse.families.code import RegistryError, StaticVerifier, load_registry
from modelcollapse.families.code.metrics import code_figures, default_verifier


@pytest.fixture(scope="module")
def verifier() -> StaticVerifier:
    return default_verifier()


@pytest.mark.parametrize("source, status", [
    (b"\xff\xfe\x00import os", "undecodable"),
    ("", "empty"),
    ("   \n\t\n", "empty"),
    ("def f(:\n    pass", "syntax-error"),
    ("x = 1\x00", "syntax-error"),                # NUL byte
    ("(" * 5000 + ")" * 5000, "syntax-error"),    # nesting too deep for the parser
    ("x = '" + "a" * 300_000 + "'", "too-large"),
])
def test_bad_sources_get_a_status(verifier, source, status):
    verdict = verifier.verify(source)
    assert verdict.status == status and not verdict.passes
    assert verdict.message


def test_a_long_line_within_the_limit_is_verified(verifier):
    source = "import os\nx = [" + ", ".join(["os.sep"] * 20_000) + ", os.sepp]"
    verdict = verifier.verify(source)
    assert verdict.parsed
    assert [f.name for f in verdict.findings] == ["os.sepp"]


def test_figures_count_bad_items_and_go_on(verifier):
    sources = [b"\xff", "", "def (", "import reqeusts", "import os\nos.getcwd()"]
    result = code_figures(sources, verifier=verifier)
    assert result.figures["parse_rate"] == pytest.approx(2 / 5)
    assert result.figures["pass_rate"] == pytest.approx(1 / 5)
    assert result.figures["hallucinated_import_rate"] == pytest.approx(1 / 2)
    assert [v.status for v in result.verdicts] == [
        "undecodable", "empty", "syntax-error", "ok", "ok"]


def test_an_empty_generation_has_undefined_rates(verifier):
    figures = code_figures([], verifier=verifier).figures
    assert all(np.isnan(figures[k]) for k in ("parse_rate", "hallucinated_import_rate"))
    assert figures["invented_names"] == 0


def test_missing_registry_names_the_file(tmp_path):
    with pytest.raises(RegistryError, match="does not exist"):
        load_registry(tmp_path / "nope.tsv")


@pytest.mark.parametrize("content, message", [
    ("requests\t6\nnumpy 20\n", "line 2"),          # space instead of a tab
    ("requests\tsix\n", "line 1"),                  # a rank that is no number
    ("requests\t0\n", "line 1"),                    # ranks start at 1
    ("Requests\t6\n", "line 1"),                    # not normalised
    ("requests\t6\textra\n", "line 1"),
    ("", "lists no packages"),
    ("requests\t\nnumpy\t\n", "ranks no package"),
])
def test_malformed_registry_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "names.tsv"
    path.write_text(content)
    with pytest.raises(RegistryError, match=message):
        load_registry(path)


def test_registry_that_is_not_gzip_or_not_text(tmp_path):
    fake = tmp_path / "names.tsv.gz"
    fake.write_bytes(b"not gzip at all")
    with pytest.raises(RegistryError, match="cannot be read"):
        load_registry(fake)
    binary = tmp_path / "names.tsv"
    binary.write_bytes(gzip.compress(b"x") + b"\xff\xfe")
    with pytest.raises(RegistryError, match="cannot be read"):
        load_registry(binary)


def test_own_registry_snapshot(tmp_path):
    path = tmp_path / "names.tsv.gz"
    path.write_bytes(gzip.compress(b"alpha\t1\nbeta-pkg\t2\ngamma\t\n"))
    registry = load_registry(path)
    assert registry.top(5) == ["alpha", "beta-pkg"]
    assert registry.is_real("beta_pkg") and registry.is_real("gamma")
    assert not registry.is_real("requests") and registry.is_real("os")
    verdict = StaticVerifier(registry=registry).verify("import gamma, requests")
    assert [f.name for f in verdict.findings] == ["requests"]


def test_broken_items_count_their_checked_lines(verifier):
    sources = ["import numpyy\nimport os\nx = (", "import os\nos.getcwd()", "def (\n"]
    figures = code_figures(sources, verifier=verifier).figures
    assert figures["parse_rate"] == pytest.approx(1 / 3)
    assert figures["pass_rate"] == pytest.approx(1 / 3)
    assert figures["hallucinated_import_rate"] == pytest.approx(1 / 3)   # numpyy of 3 imports
    assert figures["checked_line_share"] == pytest.approx(4 / 6)
    assert figures["invented_packages"] == 1
