import pytest

from modelcollapse.experiment.backends import SerialBackend
from modelcollapse.experiment.runner import run_experiment
from modelcollapse.experiment.schema import parse_experiment

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
