"""Shared helpers and fixtures for the test suite."""

import numpy as np
import pytest

from modelcollapse.core.registry import models
from modelcollapse.experiment.backends import SerialBackend
from modelcollapse.experiment.runner import run_experiment
from modelcollapse.experiment.schema import parse_experiment


def z_score(a: np.ndarray, b: np.ndarray) -> float:
    """Difference of two sample means in units of its standard error."""
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return float((a.mean() - b.mean()) / se)


def assert_same_rows(a, b) -> None:
    """Assert two frames hold identical columns and values (NaN equals NaN).

    Column by column on numpy arrays: pandas' assert_frame_equal takes minutes
    on millions of categorical rows.
    """
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for column in a.columns:
        x, y = a[column], b[column]
        if x.dtype.kind in "fiu" and y.dtype.kind in "fiu":
            assert np.array_equal(x.to_numpy(), y.to_numpy(), equal_nan=x.dtype.kind == "f"), column
        else:
            assert (x.astype(str).to_numpy() == y.astype(str).to_numpy()).all(), column


TRICKY = 'Escaping check: <script>window.pwned = 1</script> & "quotes" <b>not bold</b>'


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """A finished run with a sweep, coefficients, theory and a description full of HTML."""
    out = tmp_path_factory.mktemp("runs")
    experiment = parse_experiment({
        "name": "report-check", "description": TRICKY, "generations": 20, "replicates": 40,
        "block": 20, "seed": 5, "metrics": ["mse_to_truth", "coefficients"],
        "sweep": {"policy": ["replace", "accumulate"]}})
    run_experiment(experiment, out, backend=SerialBackend(), quiet=True)
    return out / "report-check"


@pytest.fixture(scope="session")
def examples(tmp_path_factory):
    """Each registered model's example settings, built once (the hf one builds a checkpoint)."""
    folder = tmp_path_factory.mktemp("examples")
    return {name: models.example(name, folder) for name in models.names()}
