"""Write a run's artifacts out as ordinary files: PNG images, text, JSON, ``.npy`` arrays."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from modelcollapse.core.artifacts import decode_array

__all__ = ["export_artifacts"]

_SUFFIX = {"image": ".png", "text": ".txt", "json": ".json", "array": ".npy"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _file_name(row) -> str:
    name = _UNSAFE.sub("_", str(row["name"])).strip("._") or "artifact"
    return (f"point{int(row['point']):04d}-replicate{int(row['replicate'])}-"
            f"generation{int(row['generation']):05d}-{name}{_SUFFIX[row['kind']]}")


def export_artifacts(artifacts: pd.DataFrame, out: str | Path) -> list[Path]:
    """Write every artifact row to ``out`` as a file named by point, replicate, generation, name.

    Images become PNG (grey scale for 2-D pixels), texts ``.txt``, JSON
    ``.json`` and arrays ``.npy`` (numeric, readable with ``allow_pickle=False``).
    Names are sanitised, so no artifact can write outside ``out``.

    Returns
    -------
    list of Path
        The files written, in the table's order.
    """
    from matplotlib.image import imsave

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for _, row in artifacts.iterrows():
        path = out / _file_name(row)
        if row["kind"] == "image":
            imsave(path, decode_array(row["data"]), cmap="gray", vmin=0, vmax=255)
        elif row["kind"] == "array":
            path.write_bytes(row["data"])
        elif row["kind"] == "json":
            path.write_text(json.dumps(json.loads(row["text"]), indent=1) + "\n",
                            encoding="utf-8")
        else:
            path.write_text(row["text"], encoding="utf-8")
        written.append(path)
    return written
