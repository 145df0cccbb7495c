"""The run directory: ``run.json``, a lock, and the files of each finished unit.

A finished unit is up to three files in ``units/``: ``<id>.parquet`` (its
results, laid out as :mod:`modelcollapse.experiment.unitfile` says),
``<id>.artifacts.parquet`` when its metrics kept artifacts (sample texts,
image grids), and ``<id>.json``, its record: the unit, the config hash, the
row count (chain-generations) and the SHA-256 of each Parquet file's every byte
(footer and schema included). Each is written under a temporary name and
renamed, the record last, so a unit counts as finished only once all of it
is on disk. Every read first checks the record against the bytes: hashing is
cheaper than decoding the pages, and it catches any damage, including a flip
that still decodes (a renamed column, a changed value). With ``keep_weights``
a unit's model files go to ``weights/p<point>/replicate-R/generation-G/``
before its record, which lists their SHA-256 too; they are checked when read
(:mod:`modelcollapse.neural.checkpoints`), not by every status.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from modelcollapse.core.errors import UsageError
from modelcollapse.core.provenance import environment, now
from modelcollapse.core.results import encode
from modelcollapse.experiment.lock import RunLock
from modelcollapse.experiment.schema import Experiment, parse_experiment

__all__ = ["RunDirectory", "RunError", "Unit", "UnitStatus", "unit_parquet"]

FORMAT_VERSION = 4
"""Layout of a run directory. 4: a unit's results wide, a row per chain-generation and a
column per metric (float32 where exact to float32 precision); 3: a row per value."""
_LAYOUTS = {3: "a row per value", 4: "a row per chain-generation, a column per metric"}
_META_UNIT = b"modelcollapse.unit"
_META_HASH = b"modelcollapse.config_hash"
_META_ROWS = b"modelcollapse.rows"
_LOCK_NAME = ".lock"
VIEWS_NAME = "views.json"
"""What views of the run read instead of rebuilding its chains
(:mod:`modelcollapse.experiment.views`)."""


class RunError(UsageError):
    """A run directory that cannot be used as asked, with the way out in the message."""


class DamagedRecordError(RunError):
    """``run.json`` exists but cannot be parsed; ``modelcollapse run`` rebuilds it."""


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
    """Units of a run, by state; ``damage`` gives the reason each broken unit failed."""

    done: list[Unit]
    pending: list[Unit]
    broken: list[Unit]
    damage: dict[Unit, str] | None = None


def _canonical(record: dict) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":")).encode()


def _sealed(record: dict) -> bytes:
    """A unit record as written: canonical JSON carrying the SHA-256 of its other fields.

    The seal makes a change to any byte of the record show, even one that
    leaves valid JSON (a renamed key, a changed row count).
    """
    return _canonical({**record, "seal": hashlib.sha256(_canonical(record)).hexdigest()})


def _sha256(path: Path) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _replace_atomically(path: Path, data: bytes | pa.Buffer) -> None:
    """Write ``data`` to ``path`` under a temporary name, then rename; no partial file stays."""
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


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
        self.weights_dir = self.path / "weights"
        self.record_path = self.path / "run.json"
        self.views_path = self.path / VIEWS_NAME
        self._lock = RunLock(self.path / _LOCK_NAME, str(self.path))

    # -- the record ---------------------------------------------------------

    def read_record(self) -> dict:
        """The parsed ``run.json``.

        Raises
        ------
        RunError
            If the directory or its ``run.json`` is missing, unreadable or of
            another format version (:class:`DamagedRecordError` when damaged).
        """
        if not self.path.is_dir():
            raise RunError(f"{self.path}: no such run directory; run an experiment first "
                           "(modelcollapse run EXPERIMENT.toml)")
        rebuild = ("; run the same 'modelcollapse run' command again to rebuild it from the "
                   "experiment file and the units")
        try:
            record = json.loads(self.record_path.read_bytes())
        except FileNotFoundError:
            raise RunError(f"{self.path}: not a run directory (no run.json){rebuild}") from None
        except OSError as error:
            raise RunError(f"{self.record_path}: unreadable ({error.strerror})") from None
        except ValueError:  # bad JSON or bytes that are not UTF-8
            raise DamagedRecordError(f"{self.record_path}: damaged{rebuild}") from None
        if not isinstance(record, dict) or not isinstance(record.get("config"), dict) \
                or not isinstance(record.get("config_hash"), str):
            version = record.get("format_version") if isinstance(record, dict) else None
            if version is None or version == FORMAT_VERSION:
                raise DamagedRecordError(f"{self.record_path}: damaged{rebuild}")
        version = record.get("format_version")
        if version != FORMAT_VERSION:
            layout = f" ({_LAYOUTS[version]})" if version in _LAYOUTS else ""
            raise RunError(f"{self.path}: written by an incompatible modelcollapse (results "
                           f"layout {str(version)[:20]}{layout}; this one reads layout "
                           f"{FORMAT_VERSION}); rerun the experiment into a new --out")
        return record

    def experiment(self) -> Experiment:
        """The resolved experiment recorded in ``run.json``."""
        return parse_experiment(self.read_record()["config"], source=str(self.record_path))

    def repair_hint(self) -> str:
        """The command that recomputes what is missing or damaged, for messages."""
        try:
            source = self.read_record().get("source") or "EXPERIMENT.toml"
        except RunError:
            source = "EXPERIMENT.toml"
        return f"modelcollapse run {str(source)[:100]} --out {str(self.path.parent)[:100]}"

    def _write_record(self, record: dict) -> None:
        try:
            _replace_atomically(self.record_path, (json.dumps(record, indent=2) + "\n").encode())
        except OSError as error:
            raise RunError(f"{self.record_path}: cannot write it ({error.strerror}); free space "
                           "or choose another --out, then run again to resume") from None

    def write_views(self, views: dict) -> None:
        """Write ``views.json``, atomically (:mod:`modelcollapse.experiment.views`)."""
        try:
            _replace_atomically(self.views_path, (json.dumps(views) + "\n").encode())
        except OSError as error:
            raise RunError(f"{self.views_path}: cannot write it ({error.strerror}); free space "
                           "or choose another --out, then run again to resume") from None

    def open(self, experiment: Experiment, source: str | None = None) -> None:
        """Take the directory for ``experiment``: create it, or reopen it to resume.

        Holds the directory's lock until :meth:`close`. A lost or damaged
        ``run.json`` is rebuilt from ``experiment`` when the units on disk
        belong to it.

        Parameters
        ----------
        experiment : Experiment
        source : str or None
            The experiment file, named in messages that say how to repair the run.

        Raises
        ------
        RunError
            If another run holds it, it holds a run of a different
            configuration, or it is not writable.
        """
        config_hash = experiment.config_hash()
        try:
            if self.path.is_dir() and not self.record_path.exists():
                self._check_adoptable(config_hash)  # before the lock file touches it
            self.path.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()
        except OSError as error:
            raise RunError(f"{self.path}: cannot write there ({error.strerror}); "
                           "choose another --out") from None
        try:
            record = self._record_to_resume(experiment, config_hash)
            if source is not None:
                record["source"] = source
            # The record first: a crash right after it leaves a run that resumes.
            self._write_record(record)
            self.units_dir.mkdir(exist_ok=True)
            # Holding the lock, any temporary file left here is a dead writer's.
            for leftover in [*self.units_dir.glob(".*.partial-*"),
                             *self.weights_dir.glob("**/.*.partial-*")]:
                leftover.unlink(missing_ok=True)
        except OSError as error:
            self.close()
            raise RunError(f"{self.path}: cannot write there ({error.strerror}); "
                           "choose another --out") from None
        except BaseException:
            self.close()
            raise

    def _record_to_resume(self, experiment: Experiment, config_hash: str) -> dict:
        try:
            record = self.read_record()
        except DamagedRecordError:
            record = None
        except RunError:
            if self.record_path.exists():
                raise  # another format version: never overwrite it
            record = None
        if record is not None:
            if record["config_hash"] != config_hash:
                raise RunError(
                    f"{self.path} holds a run of a different configuration "
                    f"(hash {record['config_hash'][:12]}, this one {config_hash[:12]}); "
                    "choose another --out, or delete that folder to start over")
            record.setdefault("resumed", []).append(now())
            record["finished"] = None
            return record
        self._check_adoptable(config_hash)
        record = {"format_version": FORMAT_VERSION, "config_hash": config_hash,
                  "config": experiment.model_dump(mode="json"), "started": now(),
                  "finished": None, **environment()}
        if self.units_dir.is_dir():
            record["rebuilt"] = now()
        return record

    def _check_adoptable(self, config_hash: str) -> None:
        """Refuse a directory without a usable ``run.json`` unless it is this run's own."""
        own = {_LOCK_NAME, "run.json", VIEWS_NAME, "units", "weights"}
        foreign = [p.name for p in self.path.iterdir() if p.name not in own
                   and not p.name.startswith((".run.json.partial", f".{VIEWS_NAME}.partial"))]
        if foreign or (self.units_dir.exists() and not self.units_dir.is_dir()):
            raise RunError(f"{self.path} exists and is not a run directory; "
                           "choose another --out")
        if not self.units_dir.is_dir():
            return
        for path in self.units_dir.glob("p*.json"):
            record = _read_unit_record(path)
            if record is not None and record.get("config_hash") != config_hash:
                raise RunError(f"{self.path}: its run.json is lost and its units belong to "
                               "a different configuration; choose another --out, or run "
                               "the experiment that made them")

    def close(self) -> None:
        """Release the directory's lock."""
        self._lock.release()

    def finish(self) -> None:
        """Stamp the end time in ``run.json``."""
        record = self.read_record()
        record["finished"] = now()
        self._write_record(record)

    # -- units --------------------------------------------------------------

    def unit_path(self, unit: Unit) -> Path:
        """Where a unit's rows live."""
        return self.units_dir / f"{unit.id}.parquet"

    def artifacts_path(self, unit: Unit) -> Path:
        """Where a unit's artifacts live, if it kept any."""
        return self.units_dir / f"{unit.id}.artifacts.parquet"

    def unit_record_path(self, unit: Unit) -> Path:
        """Where a unit's record (its files' checksums) lives."""
        return self.units_dir / f"{unit.id}.json"

    def unit_record(self, unit: Unit) -> dict | None:
        """A unit's record as written (checksums included), or None if missing or altered."""
        return _read_unit_record(self.unit_record_path(unit))

    def weights_path(self, point: int, name: str) -> Path:
        """Where a kept model file lives: ``name`` is ``replicate-R/generation-G/<file>``."""
        return self.weights_dir / f"p{point:04d}" / name

    def write_unit(self, unit: Unit, table: pa.Table | pa.Buffer, config_hash: str, *,
                   artifacts: pd.DataFrame | None = None,
                   weights: dict[str, bytes] | None = None) -> None:
        """Write a finished unit: model files, artifacts, results, then the record vouching for all.

        Parameters
        ----------
        unit : Unit
        table : pyarrow.Table or pyarrow.Buffer
            The unit's wide results, or their Parquet file as :func:`unit_parquet`
            made it (in a worker).
        config_hash : str
        artifacts : pandas.DataFrame or None
        weights : dict of str to bytes or None

        Raises
        ------
        RunError
            If the disk is full or the folder not writable; no temporary file stays.
        """
        record = {"unit": unit.id, "config_hash": config_hash, "rows": None,
                  "sha256": None, "artifacts_sha256": None}
        try:
            if isinstance(table, pa.Table):
                table = unit_parquet(table, unit, config_hash)
            record["rows"] = pq.read_metadata(pa.BufferReader(table)).num_rows
            if weights:
                record["weights_sha256"] = {}
                for name, data in weights.items():
                    path = self.weights_path(unit.point, name)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    _replace_atomically(path, data)
                    record["weights_sha256"][name] = hashlib.sha256(data).hexdigest()
            if artifacts is not None and len(artifacts):
                record["artifacts_sha256"] = self._write_file(
                    self.artifacts_path(unit),
                    _plain_parquet(_stamped(pa.Table.from_pandas(artifacts, preserve_index=False),
                                            unit, config_hash)))
            record["sha256"] = self._write_file(self.unit_path(unit), table)
            _replace_atomically(self.unit_record_path(unit), _sealed(record))
        except OSError as error:
            raise RunError(f"{self.unit_path(unit)}: cannot write a unit ({error.strerror}); "
                           "free space or choose another --out, then run again to resume"
                           ) from None

    def _write_file(self, path: Path, data: pa.Buffer) -> str:
        """Write one file atomically; return the SHA-256 of its bytes."""
        _replace_atomically(path, data)
        return hashlib.sha256(data).hexdigest()

    def check_unit(self, unit: Unit, config_hash: str) -> str | None:
        """Why a unit's files cannot be trusted, or None when they are whole and this run's.

        Hashes the files' bytes against the unit's record; no page is decoded.
        """
        record = _read_unit_record(self.unit_record_path(unit))
        if record is None:
            return "no valid record of its checksums"
        if record.get("unit") != unit.id or record.get("config_hash") != config_hash:
            return "its record names another unit or configuration"
        expected = [(self.unit_path(unit), record.get("sha256"))]
        if record.get("artifacts_sha256") is not None:
            expected.append((self.artifacts_path(unit), record["artifacts_sha256"]))
        expected += [(self.weights_path(unit.point, name), digest)
                     for name, digest in (record.get("weights_sha256") or {}).items()]
        for path, digest in expected:
            try:
                if _sha256(path) != digest:
                    return f"{path.name} does not match its checksum"
            except OSError as error:
                return f"{path.name} unreadable ({error.strerror})"
        return None

    def unit_is_valid(self, unit: Unit, config_hash: str) -> bool:
        """Whether a unit's files exist whole and belong to this configuration."""
        return self.check_unit(unit, config_hash) is None

    def status(self, units: list[Unit], config_hash: str) -> UnitStatus:
        """Sort ``units`` into done, pending (no rows file) and broken (failed its checksums)."""
        done, pending, broken, damage = [], [], [], {}
        for unit in units:
            if not self.unit_path(unit).exists():
                pending.append(unit)
                continue
            reason = self.check_unit(unit, config_hash)
            if reason is None:
                done.append(unit)
            else:
                broken.append(unit)
                damage[unit] = reason
        return UnitStatus(done, pending, broken, damage)

    def verified_units(self, units: list[Unit], config_hash: str) -> list[Unit]:
        """The finished units among ``units``, all checked against their checksums.

        Raises
        ------
        RunError
            If any unit file is damaged: reading on would return wrong rows.
        """
        return self.refuse_damaged(self.status(units, config_hash))

    def refuse_damaged(self, status: UnitStatus) -> list[Unit]:
        """``status.done``, or a :class:`RunError` naming the first broken unit and the repair."""
        if status.broken:
            unit = status.broken[0]
            more = f" (and {len(status.broken) - 1} more)" if len(status.broken) > 1 else ""
            raise RunError(f"{self.path}: unit {unit.id} is damaged "
                           f"({status.damage[unit]}){more}; run '{self.repair_hint()}' "
                           "to recompute it")
        return status.done


def _stamped(table: pa.Table, unit: Unit, config_hash: str) -> pa.Table:
    """``table`` with the unit, its configuration's hash and its row count in the schema."""
    return table.replace_schema_metadata({
        **(table.schema.metadata or {}), _META_UNIT: unit.id.encode(),
        _META_HASH: config_hash.encode(), _META_ROWS: str(table.num_rows).encode()})


def unit_parquet(table: pa.Table, unit: Unit, config_hash: str) -> pa.Buffer:
    """The Parquet file of a unit's wide results (:func:`modelcollapse.core.results.encode`).

    Made where the unit ran, so that workers, not the driver, spend the time
    and only a third of the bytes travel.
    """
    return encode(_stamped(table, unit, config_hash))


def _plain_parquet(table: pa.Table) -> pa.Buffer:
    # Dictionary-encode only the text columns: numbers encode faster as plain values.
    text = [f.name for f in table.schema
            if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)
            or pa.types.is_large_string(f.type)]
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, write_page_checksum=True, use_dictionary=text)
    return sink.getvalue()


def _read_unit_record(path: Path) -> dict | None:
    """A unit record, or None unless it is byte for byte as written."""
    try:
        data = path.read_bytes()
        record = json.loads(data)
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    record.pop("seal", None)
    return record if _sealed(record) == data else None
