"""The web as measured: model-written shares with their sources and dates, and detector rates.

``web_shares.csv`` holds published measurements of the share of new content
written by language models (one row per series and month: share, source,
note). Each series starts at 0 in November 2022 (ChatGPT's release) and
:func:`share_at` interpolates linearly between measurements and stays flat
after the last one: the schedules claim nothing beyond what was measured.
The numbers are the ones the papers' abstracts and summaries give (the papers
themselves could not be read here); check them before relying on them.
A user's own file (``path=``) has the same columns; ``source`` and ``note`` may
be empty but every row needs a ``YYYY-MM`` date and a share in [0, 1].
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

__all__ = ["DETECTORS", "MeasuredSeries", "load_series", "month_number", "share_at"]

DETECTORS = {
    # name: (true-positive rate, false-positive rate, source)
    "commercial-reported": (0.994, 0.042, "a commercial detector's reported error rates: "
                                          "4.2% false positives, 0.6% false negatives "
                                          "(as quoted in the project's science brief)"),
}
"""Synthetic-data detectors with the error rates reported for real ones."""


class MeasuredSeries(tuple):
    """Points ``(month number, share)`` of one series, in date order, with their sources."""

    sources: tuple[str, ...] = ()


def month_number(text: str) -> int:
    """``"YYYY-MM"`` as a count of months, for interpolation.

    Raises
    ------
    ValueError
        For anything that is not a year and a month.
    """
    year, dash, month = str(text).strip().partition("-")
    if not (dash and year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
        raise ValueError(f"date {text!r} is not YYYY-MM")
    return int(year) * 12 + int(month) - 1


@lru_cache(maxsize=16)
def load_series(series: str, path: str | None = None) -> MeasuredSeries:
    """The points of ``series`` from the shipped measurements or from ``path``.

    Raises
    ------
    ValueError
        For an unknown series, a missing or malformed date, or a share outside
        [0, 1]; the message names the file and row.
    """
    where = path or "the shipped web_shares.csv"
    if path is None:
        text = resources.files(__package__).joinpath("web_shares.csv").read_text("utf-8")
    else:
        try:
            text = Path(path).expanduser().read_text("utf-8")
        except OSError as error:
            raise ValueError(f"schedule file {path}: cannot be read ({error.strerror})") from None
    rows = list(csv.DictReader(text.splitlines()))
    if rows and not {"series", "date", "share"} <= set(rows[0]):
        raise ValueError(f"{where}: needs the columns series, date, share (and source, note)")
    points, sources, known = [], [], set()
    for number, row in enumerate(rows, start=2):
        known.add(row["series"])
        if row["series"] != series:
            continue
        if not (row.get("date") or "").strip():
            raise ValueError(f"{where}, row {number}: the date is missing; give it as YYYY-MM")
        try:
            month, share = month_number(row["date"]), float(row["share"])
        except (TypeError, ValueError) as error:
            raise ValueError(f"{where}, row {number}: {error}") from None
        if not 0 <= share <= 1:
            raise ValueError(f"{where}, row {number}: share {share} is not in [0, 1]")
        points.append((month, share))
        sources.append((row.get("source") or "").strip())
    if not points:
        raise ValueError(f"{where} has no series {series!r}; known: {', '.join(sorted(known))}")
    order = sorted(range(len(points)), key=lambda i: points[i][0])
    result = MeasuredSeries(points[i] for i in order)
    result.sources = tuple(sources[i] for i in order)
    return result


def share_at(points: MeasuredSeries, month: float) -> float:
    """The share at ``month`` (a month number): linear between points, flat outside them."""
    return float(np.interp(month, [m for m, _ in points], [s for _, s in points]))
