"""Where units run: in this process, in a local process pool, or on a Dask cluster.

Every backend hands finished units back to the driver process, which alone
writes the run directory; workers need no shared file system. Workers encode
a unit's results into its Parquet file themselves, so the driver only writes
bytes and a third of them travel. Units are pure functions of (config, unit),
so every backend gives the same values.

Backends that run units in other processes send along the registry entries
the experiment names (:func:`modelcollapse.core.registry.pack`), so
components registered in a notebook or script work there too, and start
their workers without telling them to run the user's script again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import multiprocessing
import multiprocessing.context
import os
import sys
import threading
import time
import types
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

import pandas as pd
import pyarrow as pa

from modelcollapse.core import registry
from modelcollapse.core.errors import UsageError
from modelcollapse.experiment.schema import Experiment
from modelcollapse.experiment.store import Unit, unit_parquet
from modelcollapse.experiment.units import UnitResult

__all__ = ["Backend", "DaskBackend", "PoolBackend", "SerialBackend"]

Task = Callable[[str, Unit], pd.DataFrame]


class Backend(ABC):
    """Runs ``task(config_json, unit)`` for many units, yielding results as they finish."""

    name = "backend"
    in_process = False
    """Whether tasks run in this process, where models' progress reports can reach it."""

    @abstractmethod
    def run(self, task: Task, config_json: str, units: list[Unit]
            ) -> Iterator[tuple[Unit, pd.DataFrame]]:
        """Yield ``(unit, frame)`` pairs in completion order."""

    def close(self) -> None:  # noqa: B027  (a serial backend has nothing to release)
        """Release workers."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SerialBackend(Backend):
    """Units one after another in this process."""

    name = "serial"
    in_process = True

    def run(self, task, config_json, units):  # noqa: D102
        for unit in units:
            yield unit, task(config_json, unit)


def with_components(task: Task, config_json: str) -> Task:
    """``task`` preceded, in the worker, by installing the registry entries the experiment names.

    A :class:`UnitResult` it returns comes back with its results already
    encoded (:func:`modelcollapse.experiment.store.unit_parquet`).

    Raises
    ------
    UsageError
        If an entry cannot be sent to another process (see
        :func:`modelcollapse.core.registry.pack`).
    """
    from modelcollapse.experiment.sweep import components_used

    experiment = Experiment.model_validate_json(config_json)
    packed = registry.pack(components_used(experiment))
    return functools.partial(_installed_then, packed, experiment.config_hash(), task)


def _installed_then(packed: dict[tuple[str, str], bytes], config_hash: str, task: Task,
                    config_json: str, unit: Unit):
    registry.install(packed)
    result = task(config_json, unit)
    if isinstance(result, UnitResult) and isinstance(result.table, pa.Table):
        result = dataclasses.replace(result, table=unit_parquet(result.table, unit, config_hash))
    return result


@contextlib.contextmanager
def main_left_behind() -> Iterator[None]:
    """While worker processes start, make ``__main__`` a bare module.

    multiprocessing's spawn and forkserver tell each new process to run the
    driver's main script (or module) again, so that whatever it defines can
    be unpickled there: every worker would repeat a user script's work and
    side effects. Units need nothing from ``__main__`` (registry entries
    travel by value, :func:`with_components`), so workers start without it.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class _WorkerProcess(multiprocessing.context.ForkServerProcess):
    """A forkserver process that starts without the driver's ``__main__``."""

    def start(self) -> None:
        with main_left_behind():
            super().start()


class _WorkerContext(multiprocessing.context.ForkServerContext):
    Process = _WorkerProcess


class PoolBackend(Backend):
    """A local pool of worker processes, started with ``forkserver``.

    forkserver rather than fork: forking a process whose BLAS threads are
    running can deadlock the child. Each worker watches this (the driver)
    process and exits once it is gone, so a driver killed by any signal,
    SIGKILL included, leaves nothing behind: with the workers gone, the fork
    server and the resource tracker see their pipes close and exit too.
    Workers start without the driver's main script (:func:`main_left_behind`).
    """

    name = "pool"

    def __init__(self, workers: int):
        self.workers = workers
        context = _WorkerContext()
        # Import the unit code once in the fork server, not again in every worker.
        context.set_forkserver_preload(["modelcollapse.experiment.units"])
        self.executor = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                            initializer=watch_driver, initargs=(os.getpid(),))

    def run(self, task, config_json, units):  # noqa: D102
        task = with_components(task, config_json)
        # Keep a bounded number of tasks in flight so an interrupt loses little.
        queue = list(reversed(units))
        running = {}
        while queue or running:
            while queue and len(running) < 2 * self.workers:
                unit = queue.pop()
                running[self.executor.submit(task, config_json, unit)] = unit
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                yield running.pop(future), future.result()

    def close(self) -> None:  # noqa: D102
        self.executor.shutdown(wait=True, cancel_futures=True)


def watch_driver(pid: int, every: float = 0.5) -> None:
    """In a worker: start a thread that ends this process once process ``pid`` is gone.

    Polling, because the driver is not the worker's parent (the fork server
    is), so no parent-death signal reaches it.
    """
    def watch():
        while _alive(pid):
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="watch-driver", daemon=True).start()


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie (killed, not yet reaped by its parent) does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True  # no /proc (macOS): os.kill's answer stands
    return state != "Z"


class DaskBackend(Backend):
    """Dask distributed: a local cluster (``workers``) or an existing scheduler (``address``).

    Raises
    ------
    UsageError
        If dask is not installed or the scheduler cannot be reached.
    """

    name = "dask"

    def __init__(self, *, workers: int | None = None, address: str | None = None,
                 timeout: float = 10.0):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise UsageError("Dask is not installed: pip install 'modelcollapse[dask]'") from None
        self.cluster = None
        try:
            if address is None:
                self.cluster = _local_cluster(LocalCluster, workers)
                self.client = Client(self.cluster)
            else:
                self.client = Client(address, timeout=timeout)
        except (OSError, TimeoutError, ValueError) as error:
            if self.cluster is not None:
                self.cluster.close()
            raise UsageError(f"cannot reach the Dask scheduler at {address} ({error}); check "
                             "the address or start one with 'dask scheduler'") from None

    def run(self, task, config_json, units):  # noqa: D102
        from dask.distributed import as_completed

        task = with_components(task, config_json)
        futures = {self.client.submit(task, config_json, unit, pure=False): unit
                   for unit in units}
        for future in as_completed(futures):
            yield futures[future], future.result()

    def close(self) -> None:  # noqa: D102
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


WORKER_QUIET = {
    "distributed.worker.profile.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
}
"""Dask settings for the local cluster's workers: on a two-core machine they made a sweep 5%
faster (dask / pool 1.17 → 1.11). The memory monitor still pauses, spills and restarts a
worker past its limits, within a second instead of a tenth; the README gives the same
settings for clusters you start yourself."""


def _preload_unit_code() -> None:
    """Fork the local cluster's workers from a server that has imported the unit code.

    As for the pool's workers: each worker then starts in milliseconds with
    Dask, numpy, pandas, pyarrow and the unit code already imported, instead
    of a fresh interpreter importing them all. distributed sets its own list
    the first time it asks for its context, so the unit code is added after.
    """
    import multiprocessing

    from distributed.utils import get_mp_context

    get_mp_context()
    multiprocessing.get_context("forkserver").set_forkserver_preload(
        ["distributed", "modelcollapse.experiment.units"])


def _local_cluster(cluster_class, workers: int | None):
    """A LocalCluster listening on this machine only, with no dashboard.

    Its workers start without the driver's main script (:func:`main_left_behind`).

    ``dashboard_address=None`` alone still serves the scheduler's HTTP routes
    on port 8787; here they are none, on a port the system picks, on localhost.
    """
    import dask

    # Dask's nannies start workers with MALLOC_TRIM_THRESHOLD_=65536: glibc then hands every
    # freed block over 64 KiB back to the system at once, and a chain's large temporaries
    # are paged in afresh each generation (about 9x the page faults of a pool worker, which
    # made the same sweep 2x slower). None unsets it (distributed's own convention), so the
    # workers keep glibc's adaptive thresholds; the one-thread settings for BLAS stay.
    # WORKER_QUIET then spares the cores what a run never reads: the profiler's stack
    # samples every 10 ms, the memory monitor's every 100 ms, the system monitor's.
    with dask.config.set({"distributed.scheduler.http.routes": [],
                          "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                          "distributed.worker.multiprocessing-method": "forkserver",
                          **WORKER_QUIET}), \
            main_left_behind():
        _preload_unit_code()
        return cluster_class(n_workers=workers, threads_per_worker=1, processes=True,
                             host="127.0.0.1", dashboard_address=None,
                             scheduler_kwargs={"dashboard": False,
                                               "dashboard_address": "127.0.0.1:0"})
