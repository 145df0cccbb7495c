"""The local Dask cluster's workers run with the memory settings the project chose."""

import os

import pytest

pytest.importorskip("dask.distributed")

from modelcollapse.experiment.backends import DaskBackend


def test_local_workers_keep_glibcs_adaptive_trim_threshold_and_one_blas_thread():
    # Dask's nannies would set MALLOC_TRIM_THRESHOLD_=65536, under which numpy's large
    # temporaries page-fault about nine times as often (a sweep ran twice as slow).
    backend = DaskBackend(workers=1)
    try:
        trim = backend.client.submit(os.environ.get, "MALLOC_TRIM_THRESHOLD_", pure=False)
        threads = backend.client.submit(os.environ.get, "OMP_NUM_THREADS", pure=False)
        assert trim.result() is None
        assert threads.result() == "1"
    finally:
        backend.close()
