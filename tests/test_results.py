import numpy as np

from modelcollapse.results import frame_from_arrays, write_parquet


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
