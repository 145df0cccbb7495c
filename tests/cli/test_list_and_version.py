"""modelcollapse --version and modelcollapse list."""

import pytest
from typer.testing import CliRunner

import modelcollapse
from modelcollapse.cli.main import app
from modelcollapse.core import registry

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"modelcollapse {modelcollapse.__version__}\n"


def test_list_shows_every_registered_name_with_settings_and_summary():
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for kind, plural in [("world", "worlds"), ("model", "models"), ("policy", "policies"),
                         ("filter", "filters"), ("metric", "metrics")]:
        assert f"{plural}:" in lines
        for name in getattr(registry, plural).names():
            assert any(line.startswith(f"  {name} — ") or line == f"  {name}"
                       for line in lines), (kind, name)
    polynomial = lines.index("  polynomial — Least-squares polynomial; noise defaults to the "
                             "world's.")
    assert lines[polynomial + 1] == "      degree = 3, noise (optional)"
    replace = next(i for i, line in enumerate(lines) if line.startswith("  replace — "))
    assert lines[replace + 1] == "      no settings"
    assert "<factory>" not in result.output and ":data:" not in result.output
    transformer = next(i for i, line in enumerate(lines) if line.startswith("  transformer — "))
    settings = lines[transformer + 1:transformer + 5]
    assert all(line.startswith("      ") and len(line) <= 100 for line in settings)
    assert all(line.endswith(",") for line in settings[:-1])  # long lists wrap between settings


def test_list_one_kind_shows_a_component_registered_here(monkeypatch):
    def bespoke(width: int, label: str = "wide", exact: bool = True, cut: float | None = None):
        """A world made for this test.

        More text that the listing leaves out.
        """

    monkeypatch.setitem(registry.worlds._factories, "bespoke", bespoke)
    result = runner.invoke(app, ["list", "worlds"])
    assert result.exit_code == 0 and "models:" not in result.output
    lines = result.output.splitlines()
    at = lines.index("  bespoke — A world made for this test.")
    assert lines[at + 1] == '      width (required), label = "wide", exact = true, cut (optional)'


def test_a_kind_may_be_named_in_the_singular():
    result = runner.invoke(app, ["list", "metric"])
    assert result.exit_code == 0 and result.output.startswith("metrics:\n")


@pytest.mark.parametrize("kind, message", [
    ("metrik", "cannot list 'metrik' (did you mean 'metrics'?); choose one of: worlds, models"),
    ("everything", "cannot list 'everything'; choose one of"),
])
def test_an_unknown_kind_is_one_line_and_exit_2(kind, message):
    result = runner.invoke(app, ["list", kind])
    assert result.exit_code == 2 and result.output == f"error: {message}" + result.output[
        len(f"error: {message}"):]
    assert len(result.output.splitlines()) == 1 and "Traceback" not in result.output
