"""Every experiment in experiments/ validates and runs at tiny size."""

from pathlib import Path

import pytest

from modelcollapse.experiment.backends import SerialBackend
from modelcollapse.experiment.runner import load, run_experiment
from modelcollapse.experiment.schema import load_experiment
from modelcollapse.experiment.units import plan

SHIPPED = sorted((Path(__file__).parents[2] / "experiments").glob("*.toml"))

# Smaller settings for experiments whose models train for a while each generation, so the
# tiny run takes seconds; the files themselves keep laptop-sized settings.
CODE_TINY = ["samples=60", "world.max_units=200", "world.block_size=96",
             "world.measured_items=20", "model.temperature=1.0"]
SMALLER = {
    "code-web-scrape": CODE_TINY,
    "code-curation": CODE_TINY,
    "code-api-drift": CODE_TINY,
    "ngram-policies": ["samples=100"],
    "ngram-decoding": ["samples=100"],
    "ngram-long": ["samples=100"],
    "vae-digits": ["samples=100", "model.epochs=2"],
    "vae-fashion": ["samples=100", "model.epochs=1", "world.n_train=500", "world.n_held_out=200"],
}


def test_there_are_shipped_experiments():
    assert len(SHIPPED) >= 3


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_experiment_validates_and_runs_tiny(path, tmp_path):
    full = load_experiment(path)
    assert full.description, "every shipped experiment says what it shows"
    plan(full, str(path))
    tiny = load_experiment(path, ["generations=3", "replicates=4", *SMALLER.get(path.stem, [])])
    run_experiment(tiny, tmp_path, backend=SerialBackend(), quiet=True)
    frame = load(tmp_path / tiny.name)
    assert frame.generation.max() == 3 and frame.replicate.nunique() == 4
