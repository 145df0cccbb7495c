"""Write finished units in a background thread while the next ones compute.

Encoding and checksumming a unit costs about as much as a tenth of computing
it; on the driver's own thread that time adds to every unit. Here the driver
hands each result over and goes on; the thread writes units in the order
received, each file under a temporary name and renamed, the unit's record
last (:meth:`RunDirectory.write_unit`), so a unit still counts as finished
only once all of it is on disk. At most ``depth`` results wait, so memory
holds a bounded number of units, and a unit is never copied on the way.
"""

from __future__ import annotations

import queue
import threading

from modelcollapse.experiment.store import RunDirectory, Unit
from modelcollapse.experiment.units import UnitResult

__all__ = ["UnitWriter"]

_STOP = object()


class UnitWriter:
    """A thread writing units into a run directory, in the order they are handed over.

    Parameters
    ----------
    run : RunDirectory
    config_hash : str
    depth : int, default 1
        Results that may wait while one is being written.

    Notes
    -----
    The first error the thread meets (a full disk: :class:`RunError`) is
    raised by the next :meth:`put` or by :meth:`close`; nothing after it is written.
    """

    def __init__(self, run: RunDirectory, config_hash: str, depth: int = 1):
        self.run = run
        self.config_hash = config_hash
        self.written = 0
        self._error: BaseException | None = None
        self._failed = False  # stays set once a write failed: nothing after it is written
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._thread = threading.Thread(target=self._loop, name="unit-writer", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while (item := self._queue.get()) is not _STOP:
            if not self._failed:
                self._write(*item)
            item = None  # the unit's memory goes now, not when the next one arrives

    def _write(self, unit: Unit, result: UnitResult) -> None:
        try:
            self.run.write_unit(unit, result.table, self.config_hash,
                                artifacts=result.artifacts, weights=result.weights)
            self.written += 1
        except BaseException as error:  # raised again in the driver's thread
            self._error, self._failed = error, True

    def put(self, unit: Unit, result: UnitResult) -> None:
        """Hand a finished unit over; waits while ``depth`` others wait."""
        self._raise()
        self._queue.put((unit, result))

    def close(self) -> None:
        """Write what was handed over, stop the thread, and raise the thread's error if any."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
        self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
