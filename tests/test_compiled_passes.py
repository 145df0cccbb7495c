"""Loading optional compiled passes: None without numba, a warning where numba cannot cache."""

import sys

import pytest

from modelcollapse.core import compiled


@pytest.fixture
def fresh_cache(monkeypatch):
    monkeypatch.delenv("MODELCOLLAPSE_NUMBA", raising=False)
    compiled.load.cache_clear()
    yield
    compiled.load.cache_clear()


def test_without_numba_there_are_no_compiled_passes(monkeypatch, fresh_cache):
    monkeypatch.setitem(sys.modules, "numba", None)      # import numba raises ImportError
    assert compiled.load("modelcollapse.families.regression.numba_passes") is None


def test_where_numba_cannot_cache_a_warning_says_so_and_numpy_runs(monkeypatch, fresh_cache):
    pytest.importorskip("numba")

    def no_locator(name):
        raise RuntimeError(f"cannot cache function 'measure' in {name}: no locator available")

    monkeypatch.setattr(compiled.importlib, "import_module", no_locator)
    with pytest.warns(RuntimeWarning, match="NUMBA_CACHE_DIR"):
        assert compiled.load("modelcollapse.families.code.packages.numba_passes") is None


def test_modelcollapse_numba_0_keeps_the_numpy_passes(monkeypatch, fresh_cache):
    monkeypatch.setenv("MODELCOLLAPSE_NUMBA", "0")
    assert compiled.load("modelcollapse.families.regression.numba_passes") is None


def test_a_modelcollapse_numba_value_other_than_0_or_1_is_refused(monkeypatch, fresh_cache):
    monkeypatch.setenv("MODELCOLLAPSE_NUMBA", "off")
    with pytest.raises(compiled.UsageError, match="MODELCOLLAPSE_NUMBA='off': set it to 1"):
        compiled.load("modelcollapse.families.regression.numba_passes")
