"""The run directory: ``run.json`` plus one Parquet file per finished unit.

A unit whose metrics kept artifacts (sample texts, image grids) also has an
``<id>.artifacts.parquet`` beside it, written before the unit file itself, so
a unit file on disk always has its artifacts.

A unit file is written under a temporary name and renamed, so it either
exists whole or not at all. Its Parquet metadata names the unit, the config
hash and the row count, and its pages carry checksums, so a truncated or
corrupted file is recognised and recomputed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from modelcollapse.errors import UsageError
from modelcollapse.experiment.schema import Experiment, parse_experiment
from modelcollapse.provenance import environment, now

__all__ = ["RunDirectory", "RunError", "Unit", "UnitStatus"]

FORMAT_VERSION = 2
_META_UNIT = b"modelcollapse.unit"
_META_HASH = b"modelcollapse.config_hash"
_META_ROWS = b"modelcollapse.rows"


class RunError(UsageError):
    """A run directory that cannot be used as asked, with the way out in the message."""


@dataclass(frozen=True, order=True)
class Unit:
    """A sweep point × a block of replicates: the smallest piece of work that is saved."""

    point: int
    first_replicate: int
    n_replicates: int

    @property
    def id(self) -> str:
        """Stable name, also the file name."""
        return f"p{self.point:04d}-r{self.first_replicate:08d}-n{self.n_replicates}"


@dataclass(frozen=True)
class UnitStatus:
    """Units of a run, by state."""

    done: list[Unit]
    pending: list[Unit]
    broken: list[Unit]


class RunDirectory:
    """One experiment's results on disk.

    Parameters
    ----------
    path : Path
        The run directory (``runs/<experiment name>`` by default).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.units_dir = self.path / "units"
        self.record_path = self.path / "run.json"

    # -- the record ---------------------------------------------------------

    def read_record(self) -> dict:
        """The parsed ``run.json``.

        Raises
        ------
        RunError
            If the directory or its ``run.json`` is missing or unreadable.
        """
        if not self.path.is_dir():
            raise RunError(f"{self.path}: no such run directory; run an experiment first "
                           "(modelcollapse run EXPERIMENT.toml)")
        try:
            record = json.loads(self.record_path.read_text())
        except FileNotFoundError:
            raise RunError(f"{self.path}: not a run directory (no run.json)") from None
        except (OSError, json.JSONDecodeError) as error:
            raise RunError(f"{self.record_path}: unreadable ({error})") from None
        if record.get("format_version") != FORMAT_VERSION:
            raise RunError(f"{self.path}: written by an incompatible modelcollapse "
                           f"(format {record.get('format_version')}, this one reads "
                           f"{FORMAT_VERSION}); rerun the experiment into a new --out")
        return record

    def experiment(self) -> Experiment:
        """The resolved experiment recorded in ``run.json``."""
        return parse_experiment(self.read_record()["config"], source=str(self.record_path))

    def _write_record(self, record: dict) -> None:
        partial = self.path / ".run.json.partial"
        partial.write_text(json.dumps(record, indent=2) + "\n")
        partial.replace(self.record_path)

    def open(self, experiment: Experiment) -> None:
        """Create the directory for ``experiment``, or reopen it to resume.

        Raises
        ------
        RunError
            If it holds a run of a different configuration, or is not writable.
        """
        config_hash = experiment.config_hash()
        try:
            if self.record_path.exists():
                record = self.read_record()
                if record["config_hash"] != config_hash:
                    raise RunError(
                        f"{self.path} holds a run of a different configuration "
                        f"(hash {record['config_hash'][:12]}, this one {config_hash[:12]}); "
                        "choose another --out, or delete that folder to start over")
                record.setdefault("resumed", []).append(now())
                record["finished"] = None
            else:
                if self.path.exists() and any(self.path.iterdir()):
                    raise RunError(f"{self.path} exists and is not a run directory; "
                                   "choose another --out")
                record = {"format_version": FORMAT_VERSION, "config_hash": config_hash,
                          "config": experiment.model_dump(mode="json"), "started": now(),
                          "finished": None, **environment()}
            # The record first: a crash right after it leaves a run that resumes.
            self.path.mkdir(parents=True, exist_ok=True)
            self._write_record(record)
            self.units_dir.mkdir(exist_ok=True)
            for leftover in self.units_dir.glob(".*.partial*"):
                leftover.unlink()
        except OSError as error:
            raise RunError(f"{self.path}: cannot write there ({error.strerror}); "
                           "choose another --out") from None

    def finish(self) -> None:
        """Stamp the end time in ``run.json``."""
        record = self.read_record()
        record["finished"] = now()
        self._write_record(record)

    # -- units --------------------------------------------------------------

    def unit_path(self, unit: Unit) -> Path:
        """Where a unit's file lives."""
        return self.units_dir / f"{unit.id}.parquet"

    def artifacts_path(self, unit: Unit) -> Path:
        """Where a unit's artifacts live, if it kept any."""
        return self.units_dir / f"{unit.id}.artifacts.parquet"

    def write_unit(self, unit: Unit, frame: pd.DataFrame, config_hash: str, *,
                   artifacts: pd.DataFrame | None = None) -> None:
        """Write a finished unit atomically (temporary name, then rename), artifacts first."""
        if artifacts is not None and len(artifacts):
            self._write_table(self.artifacts_path(unit), artifacts, unit, config_hash)
        self._write_table(self.unit_path(unit), frame, unit, config_hash)

    def _write_table(self, path: Path, frame: pd.DataFrame, unit: Unit,
                     config_hash: str) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        metadata = {**(table.schema.metadata or {}), _META_UNIT: unit.id.encode(),
                    _META_HASH: config_hash.encode(), _META_ROWS: str(table.num_rows).encode()}
        table = table.replace_schema_metadata(metadata)
        partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
        try:
            # Dictionary-encode only the text columns: numbers encode faster as plain values.
            text = [f.name for f in table.schema
                    if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)
                    or pa.types.is_large_string(f.type)]
            pq.write_table(table, partial, write_page_checksum=True, use_dictionary=text)
            partial.replace(path)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise RunError(f"{path}: cannot write a unit ({error.strerror}); free space or "
                           "choose another --out, then run again to resume") from None

    def unit_is_valid(self, unit: Unit, config_hash: str, *, verify_data: bool) -> bool:
        """Whether a unit file exists whole and belongs to this configuration.

        ``verify_data`` also reads every page and checks its checksum.
        """
        path = self.unit_path(unit)
        try:
            metadata = pq.read_metadata(path)
            kv = metadata.metadata or {}
            if (kv.get(_META_UNIT) != unit.id.encode()
                    or kv.get(_META_HASH) != config_hash.encode()
                    or kv.get(_META_ROWS) != str(metadata.num_rows).encode()):
                return False
            if verify_data:
                pq.read_table(path, page_checksum_verification=True)
        except (OSError, pa.ArrowException):
            return False
        return True

    def status(self, units: list[Unit], config_hash: str, *,
               verify_data: bool = False) -> UnitStatus:
        """Sort ``units`` into done, pending (no file) and broken (a bad file)."""
        done, pending, broken = [], [], []
        for unit in units:
            if not self.unit_path(unit).exists():
                pending.append(unit)
            elif self.unit_is_valid(unit, config_hash, verify_data=verify_data):
                done.append(unit)
            else:
                broken.append(unit)
        return UnitStatus(done, pending, broken)

    def unit_files(self, units: list[Unit], config_hash: str) -> list[Path]:
        """Paths of the valid unit files among ``units``."""
        status = self.status(units, config_hash)
        return [self.unit_path(unit) for unit in status.done]

    def artifact_files(self, units: list[Unit], config_hash: str) -> list[Path]:
        """Paths of the artifact files of the finished units among ``units``."""
        status = self.status(units, config_hash)
        return [path for path in map(self.artifacts_path, status.done) if path.exists()]
