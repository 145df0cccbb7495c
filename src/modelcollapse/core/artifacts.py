"""Things a person looks at beside the numbers: sample texts, histograms, image grids.

A metric's context (:class:`~modelcollapse.core.metric.MeasureContext`)
carries an :class:`ArtifactSink` for the replicates an :class:`ArtifactLog`
keeps (the first one by default) and ``None`` for the rest. The log turns
into one tidy table, stored next to the unit's results as Parquet: text and
JSON as strings, arrays and images as ``.npy`` bytes that load with
``allow_pickle=False``. A log given a ``save_model`` function also keeps each
generation's fitted model as the files that function writes (safetensors
weights and a JSON config), as bytes the driver process writes into the run
directory.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["ARTIFACT_COLUMNS", "ArtifactLog", "ArtifactSink", "decode_array"]

ARTIFACT_COLUMNS = ["replicate", "generation", "name", "kind", "text", "data"]
"""Columns of the artifact table; ``text`` holds text and JSON, ``data`` arrays and images."""

def encode_array(array: np.ndarray) -> bytes:
    """An array as ``.npy`` bytes (numeric dtypes only, so no pickle is ever involved)."""
    array = np.asarray(array)
    if array.dtype.hasobject:
        raise TypeError("artifacts hold numeric arrays only, not objects")
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def decode_array(data: bytes) -> np.ndarray:
    """Read an array written by :func:`encode_array`."""
    return np.load(io.BytesIO(data), allow_pickle=False)


@dataclass
class ArtifactSink:
    """Where one replicate's metrics put what they keep in one generation."""

    replicate: int
    generation: int
    records: list[tuple] = field(default_factory=list)

    def _add(self, name: str, kind: str, text: str | None, data: bytes | None) -> None:
        self.records.append((self.replicate, self.generation, name, kind, text, data))

    def text(self, name: str, text: str) -> None:
        """Keep a piece of text (a generated sample, say)."""
        self._add(name, "text", str(text), None)

    def json(self, name: str, value) -> None:
        """Keep a JSON-serialisable value (lists of names, small tables)."""
        self._add(name, "json", json.dumps(value), None)

    def marked_text(self, name: str, text: str, marks: list[tuple[int, int, str]]) -> None:
        """Keep text with spans to highlight: ``(start, end, label)`` character offsets.

        Stored as JSON ``{"text": …, "marks": [[start, end, label], …]}``; the
        report shows the spans highlighted, with the label on hover.
        """
        spans = [[int(start), int(end), str(label)] for start, end, label in marks]
        for start, end, _ in spans:
            if not 0 <= start <= end <= len(text):
                raise ValueError(f"mark ({start}, {end}) is outside a text of {len(text)} "
                                 "characters")
        self.json(name, {"text": str(text), "marks": spans})

    def array(self, name: str, values: np.ndarray) -> None:
        """Keep a numeric array (per-sequence perplexities for a histogram, say)."""
        self._add(name, "array", None, encode_array(values))

    def image(self, name: str, pixels: np.ndarray) -> None:
        """Keep an image: (H, W) or (H, W, 3), floats in [0, 1] or uint8."""
        pixels = np.asarray(pixels)
        if pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[2] not in (3, 4)):
            raise ValueError(f"an image is (H, W) or (H, W, 3|4), got shape {pixels.shape}")
        if pixels.dtype != np.uint8:
            pixels = np.round(np.clip(pixels, 0.0, 1.0) * 255).astype(np.uint8)
        self._add(name, "image", None, encode_array(pixels))


@dataclass
class ArtifactLog:
    """Collects the artifacts of a run's first ``replicates`` replicates.

    Parameters
    ----------
    replicates : int, default 1
        Replicates 0 … replicates − 1 keep artifacts; the others get ``None``.
    save_model : callable or None, default None
        ``save_model(model, folder)`` writes a fitted model's files into
        ``folder``; ``None`` keeps no models.

    Attributes
    ----------
    weights : dict of str to bytes
        The kept models' files by ``replicate-R/generation-G/<file name>``.
    """

    replicates: int = 1
    save_model: Callable[[object, Path], None] | None = None
    sinks: list[ArtifactSink] = field(default_factory=list)
    weights: dict[str, bytes] = field(default_factory=dict)

    def sink(self, replicate: int, generation: int) -> ArtifactSink | None:
        """A sink for one replicate and generation, or ``None`` if it keeps nothing."""
        if replicate >= self.replicates:
            return None
        sink = ArtifactSink(replicate, generation)
        self.sinks.append(sink)
        return sink

    def keep_model(self, replicate: int, generation: int, model) -> None:
        """Keep the files of one generation's fitted model, if this log saves models."""
        if self.save_model is None or replicate >= self.replicates:
            return
        with tempfile.TemporaryDirectory(prefix="modelcollapse-weights-") as folder:
            self.save_model(model, Path(folder))
            for path in sorted(Path(folder).iterdir()):
                self.weights[f"replicate-{replicate}/generation-{generation}/{path.name}"] = \
                    path.read_bytes()

    def frame(self) -> pd.DataFrame:
        """Everything kept, one row per artifact (columns :data:`ARTIFACT_COLUMNS`)."""
        rows = [record for sink in self.sinks for record in sink.records]
        frame = pd.DataFrame(rows, columns=ARTIFACT_COLUMNS)
        return frame.astype({"replicate": "int64", "generation": "int64"})
