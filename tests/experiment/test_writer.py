"""The unit writer: units are written in order, off the driver's thread, errors come back."""

import threading

import pytest

from modelcollapse.core.results import wide_from_rows
from modelcollapse.experiment.store import RunError, Unit
from modelcollapse.experiment.units import UnitResult
from modelcollapse.experiment.writer import UnitWriter


class SlowRun:
    """A stand-in run directory whose writes wait for a signal, and may fail."""

    def __init__(self, fail_at: int | None = None):
        self.go = threading.Event()
        self.written: list[Unit] = []
        self.fail_at = fail_at

    def write_unit(self, unit, table, config_hash, *, artifacts=None, weights=None):
        self.go.wait(timeout=10)
        if len(self.written) == self.fail_at:
            raise RunError("cannot write a unit (No space left on device)")
        self.written.append(unit)


def _result() -> UnitResult:
    return UnitResult(wide_from_rows([(0, 1, "m", 1.0, "ok")]), None)


def test_the_driver_hands_a_unit_over_and_goes_on_while_it_is_written():
    run = SlowRun()
    writer = UnitWriter(run, "hash")
    units = [Unit(0, first, 1) for first in range(3)]
    writer.put(units[0], _result())  # returns while the write waits
    assert run.written == [] and writer.written == 0
    run.go.set()
    for unit in units[1:]:
        writer.put(unit, _result())
    writer.close()
    assert run.written == units and writer.written == 3


def test_a_failed_write_is_raised_in_the_driver_and_nothing_after_it_is_written():
    run = SlowRun(fail_at=1)
    run.go.set()
    writer = UnitWriter(run, "hash")
    with pytest.raises(RunError, match="No space left"):
        for first in range(4):
            writer.put(Unit(0, first, 1), _result())
        writer.close()
    writer.close()  # a second close has nothing more to say
    assert run.written == [Unit(0, 0, 1)] and writer.written == 1
