"""Results layout 4: unit files are wide and compact, every reader sees the same tidy rows."""

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from modelcollapse.experiment.backends import PoolBackend, SerialBackend
from modelcollapse.experiment.runner import load, query, run_experiment
from modelcollapse.experiment.schema import parse_experiment
from modelcollapse.experiment.sweep import build_chain, point_at

SWEPT = {"name": "wide", "generations": 7, "replicates": 12, "block": 5, "seed": 4,
         "sweep": {"policy": ["replace", "accumulate"]}}


@pytest.fixture(scope="module")
def wide_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    experiment = parse_experiment(SWEPT)
    run_experiment(experiment, out, backend=SerialBackend(), quiet=True)
    return experiment, out / "wide"


def test_load_gives_chain_runs_rows_with_values_to_float32_precision(wide_run):
    experiment, path = wide_run
    frame = load(path)
    assert list(frame.columns) == ["point", "policy", "replicate", "generation", "metric",
                                   "value", "status"]
    for index in (0, 1):
        point = point_at(experiment, index).experiment
        chain = build_chain(point)
        direct = pd.concat([chain.run(min(5, 12 - first), seed=point.seed, first_replicate=first)
                            for first in (0, 5, 10)], ignore_index=True)  # the units' blocks
        mine = frame[frame.point == index].reset_index(drop=True)
        for column in ("replicate", "generation"):
            assert np.array_equal(mine[column].to_numpy(), direct[column].to_numpy())
        assert list(mine.metric.astype(str)) == list(direct.metric.astype(str))
        assert np.array_equal(mine.value.to_numpy(),
                              direct.value.to_numpy().astype(np.float32).astype(np.float64))


def test_the_duckdb_view_and_load_hold_the_same_rows(wide_run):
    _, path = wide_run
    keys = ["point", "replicate", "generation", "metric"]
    viewed = query(path, "SELECT * FROM results").sort_values(keys, ignore_index=True)
    loaded = load(path)
    loaded["metric"] = loaded.metric.astype(str)
    loaded = loaded.sort_values(keys, ignore_index=True)
    assert list(viewed.columns) == list(loaded.columns)
    assert np.array_equal(viewed.value.to_numpy(), loaded.value.to_numpy())
    assert (viewed.status.astype(str) == loaded.status.astype(str)).all()


def test_a_unit_file_costs_under_four_bytes_a_value(tmp_path):
    experiment = parse_experiment({"name": "size", "generations": 100, "replicates": 1000,
                                   "block": 1000})
    run_experiment(experiment, tmp_path, backend=SerialBackend(), quiet=True)
    (unit,) = (tmp_path / "size" / "units").glob("*.parquet")
    values = 1000 * 100 * 5  # mse_to_truth and four coefficients
    assert pq.read_metadata(unit).num_rows == 1000 * 100
    assert unit.stat().st_size / values < 4


def test_units_encoded_in_pool_workers_are_the_serial_runs_files_byte_for_byte(tmp_path):
    experiment = parse_experiment({**SWEPT, "replicates": 6, "block": 3})
    run_experiment(experiment, tmp_path / "serial", backend=SerialBackend(), quiet=True)
    run_experiment(experiment, tmp_path / "pool", backend=PoolBackend(2), quiet=True)
    records = {}
    for name in ("serial", "pool"):
        units = sorted((tmp_path / name / "wide" / "units").glob("*.json"))
        records[name] = [json.loads(u.read_text())["sha256"] for u in units]
    assert len(records["serial"]) == 4 and records["serial"] == records["pool"]
