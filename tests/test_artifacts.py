"""Artifacts: kept for replicate 0, stored beside the unit, read back without pickle."""

import numpy as np
import pandas as pd
import pytest

from modelcollapse import Chain
from modelcollapse.core.artifacts import ArtifactLog, ArtifactSink, decode_array
from modelcollapse.core.results import wide_from_rows
from modelcollapse.experiment.store import RunDirectory, Unit
from modelcollapse.families.gaussian.model import GaussianModel
from modelcollapse.families.gaussian.world import gaussian_world


class SampleKeeper:
    """Draws a few points from each fitted model and keeps them (a test metric)."""

    name = "keeper"

    def names(self, model):
        return ("first_draw",)

    def applies(self, model, world):
        return True

    def measure(self, model, world, context):
        rng, artifacts = context.rng, context.artifacts
        draws = model.sample(5, rng=rng).X[:, 0]
        if artifacts is not None:
            artifacts.array("draws", draws)
            artifacts.text("summary", f"mean {draws.mean():.3f}")
            artifacts.json("stats", {"max": float(draws.max())})
            artifacts.image("strip", np.tile(np.linspace(0, 1, 8), (2, 1)))
        return {"first_draw": float(draws[0])}


def _chain():
    return Chain(gaussian_world(), GaussianModel(), n_samples=20, n_generations=3,
                 metrics=(SampleKeeper(),))


def test_sink_round_trips_every_kind():
    sink = ArtifactSink(replicate=0, generation=2)
    sink.array("a", np.arange(6).reshape(2, 3))
    sink.image("img", np.array([[0.0, 0.5], [1.0, 2.0]]))
    sink.json("j", {"names": ["reqeusts"]})
    sink.text("t", "<b>kept as text</b>")
    kinds = {record[2]: record[3] for record in sink.records}
    assert kinds == {"a": "array", "img": "image", "j": "json", "t": "text"}
    np.testing.assert_array_equal(decode_array(sink.records[0][5]), np.arange(6).reshape(2, 3))
    image = decode_array(sink.records[1][5])
    assert image.dtype == np.uint8 and image.tolist() == [[0, 128], [255, 255]]


def test_sink_refuses_objects_and_bad_images():
    sink = ArtifactSink(0, 1)
    with pytest.raises(TypeError, match="numeric"):
        sink.array("bad", np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="image"):
        sink.image("bad", np.zeros((2, 2, 5)))


def test_chain_keeps_artifacts_for_the_first_replicate_only():
    log = ArtifactLog(replicates=1)
    frame = _chain().run(3, seed=4, engine="loop", artifacts=log)
    kept = log.frame()
    assert set(kept.replicate) == {0}
    assert sorted(set(kept.generation)) == [1, 2, 3]
    assert len(kept) == 3 * 4
    # The metric's number is the first of the draws it kept: same stream, same values.
    draws = decode_array(kept[(kept.name == "draws") & (kept.generation == 2)].data.iloc[0])
    value = frame[(frame.replicate == 0) & (frame.generation == 2)].value.iloc[0]
    assert draws[0] == value


def test_metric_streams_are_reproducible_and_distinct_per_generation():
    a = _chain().run(2, seed=4, engine="loop")
    b = _chain().run(2, seed=4, engine="loop")
    pd.testing.assert_frame_equal(a, b)
    assert a.value.nunique() == len(a)


def test_store_writes_artifacts_beside_the_unit(tmp_path):
    log = ArtifactLog()
    _chain().run(1, seed=0, engine="loop", artifacts=log)
    kept = log.frame()
    kept.insert(0, "point", 0)
    run = RunDirectory(tmp_path / "run")
    run.units_dir.mkdir(parents=True)
    unit = Unit(0, 0, 1)
    run.write_unit(unit, wide_from_rows([(0, 1, "m", 1.0, "ok")]), "hash", artifacts=kept)
    back = pd.read_parquet(run.artifacts_path(unit))
    assert list(back.columns) == list(kept.columns) and len(back) == len(kept)
    assert back.text.dropna().str.startswith(("mean", "{")).all()
    assert run.unit_is_valid(unit, "hash")
