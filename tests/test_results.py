import io
import warnings

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modelcollapse.core.results import (
    encode,
    frame_from_arrays,
    frame_from_rows,
    tidy,
    wide_from_rows,
    write_parquet,
)


def test_arrays_become_rows_at_the_right_address(tmp_path):
    G, R, K = 3, 2, 2
    values = np.arange(G * R * K, dtype=float).reshape(G, R, K)
    degenerate = np.zeros((G, R), dtype=bool)
    degenerate[2, 1] = True
    frame = frame_from_arrays(values, ["a", "b"], np.array([7, 8]), degenerate)
    for g in range(G):
        for r, replicate in enumerate((7, 8)):
            for k, name in enumerate("ab"):
                row = frame[(frame.generation == g + 1) & (frame.replicate == replicate)
                            & (frame.metric == name)]
                assert row.value.item() == values[g, r, k]
                assert row.status.item() == ("degenerate" if (g, r) == (2, 1) else "ok")
    write_parquet(frame, tmp_path / "x.parquet")
    assert not list(tmp_path.glob(".*partial"))


def test_rows_missing_a_metric_stay_missing_and_recorded_nans_stay():
    rows = [(0, 1, "a", 1.0, "ok"), (0, 1, "b", np.nan, "ok"), (0, 2, "a", 2.0, "ok"),
            (1, 1, "b", 3.0, "degenerate")]
    table = wide_from_rows(rows)
    assert table.column_names == ["replicate", "generation", "status", "a", "b"]
    assert table.column("b").null_count == 1 and table.column("a").null_count == 1
    frame = tidy(table)
    assert list(frame.itertuples(index=False, name=None))[:1] == [(0, 1, "a", 1.0, "ok")]
    assert len(frame) == 4 and frame.value.isna().sum() == 1
    assert frame_from_rows(rows).equals(frame)


def test_rows_of_one_generation_must_agree_on_its_status():
    with pytest.raises(ValueError, match="disagree on the status"):
        wide_from_rows([(0, 1, "a", 1.0, "ok"), (0, 1, "b", 1.0, "degenerate")])


@pytest.mark.parametrize("name", ["replicate", "status"])
def test_a_metric_named_like_a_key_column_is_refused(name):
    with pytest.raises(ValueError, match="rename the metric"):
        wide_from_rows([(0, 1, name, 1.0, "ok")])


def _stored(values):
    table = wide_from_rows([(0, g + 1, "m", v, "ok") for g, v in enumerate(values)])
    return pq.read_table(io.BytesIO(encode(table))).column("m")


def test_values_are_stored_to_float32_precision_where_float32_holds_them():
    values = np.random.default_rng(0).lognormal(0, 3, 1000)
    column = _stored(values)
    assert column.type == pa.float32()
    assert np.array_equal(column.to_numpy(), values.astype(np.float32))
    assert np.max(np.abs(column.to_numpy() / values - 1)) <= 2.0 ** -24


@pytest.mark.parametrize("values", [[1.5, 1e39], [1.5, 1e-40], [1.0, 2.0 ** 24 + 1]])
def test_values_float32_would_change_beyond_its_precision_stay_float64(values):
    column = _stored(values)
    assert column.type == pa.float64() and column.to_pylist() == values


def test_a_column_of_nan_is_stored_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _stored([np.nan, np.nan]).type == pa.float32()


def test_counts_nan_and_infinity_survive_float32():
    values = [0.0, 3.0, 2.0 ** 24, np.inf, -np.inf]
    assert _stored(values).type == pa.float32() and _stored(values).to_pylist() == values
    assert np.isnan(_stored([np.nan, 1.0]).to_numpy()[0])
