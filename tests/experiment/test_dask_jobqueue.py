"""The cluster path of the README: workers started as batch jobs by dask-jobqueue.

dask-jobqueue's ``LocalCluster`` writes and runs the same job scripts a
``SLURMCluster`` submits, as local processes, so the path from a jobqueue
cluster's scheduler address to a finished run is exercised without a batch
system.
"""

import pandas as pd
import pytest

pytest.importorskip("dask_jobqueue")

from modelcollapse.experiment.backends import DaskBackend, SerialBackend
from modelcollapse.experiment.runner import load, run_experiment
from modelcollapse.experiment.schema import parse_experiment

EXPERIMENT = {"name": "jobs", "seed": 2, "generations": 5, "replicates": 4, "block": 1,
              "samples": 30, "sweep": {"policy": ["replace", "accumulate"]}}


def test_a_run_on_jobqueue_workers_gives_the_serial_rows(tmp_path):
    from dask_jobqueue.local import LocalCluster

    experiment = parse_experiment(EXPERIMENT)
    run_experiment(experiment, tmp_path / "serial", backend=SerialBackend(), quiet=True)
    cluster = LocalCluster(cores=1, processes=1, memory="1GB",
                           scheduler_options={"host": "127.0.0.1", "dashboard_address": None})
    try:
        cluster.scale(jobs=2)
        # run_experiment closes the backend (the client) however the run ends.
        run_experiment(experiment, tmp_path / "jobs",
                       backend=DaskBackend(address=cluster.scheduler_address), quiet=True)
    finally:
        cluster.close()
    pd.testing.assert_frame_equal(load(tmp_path / "jobs" / "jobs"),
                                  load(tmp_path / "serial" / "jobs"))
