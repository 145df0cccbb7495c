"""Low-background words: English word frequencies collected before language models wrote the web.

The ``wordfreq`` package (PyPI, an optional extra here) froze its data at
sources from 2021 and earlier; its author stopped updating it in 2024 because
generative AI had polluted the text it was built from. Like steel smelted
before 1945, it is a reference that no model wrote. This module reads the
package's English list straight from its data file (msgpack, the "cB" format:
bucket i holds the words of frequency 10^(−i/100)), without importing
wordfreq itself, and offers the top words as a categorical world.
"""

from __future__ import annotations

import gzip
import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np

from modelcollapse.core.drift import check_drift
from modelcollapse.families.categorical.world import CategoricalWorld, _zipf

__all__ = ["low_background_frequencies", "low_background_world"]


@lru_cache(maxsize=4)
def low_background_frequencies(vocabulary: int) -> tuple[tuple[str, ...], np.ndarray]:
    """The ``vocabulary`` most frequent English words of wordfreq's small list, renormalised.

    Raises
    ------
    ImportError
        When wordfreq (or msgpack) is not installed, naming the extra to install.
    """
    spec = importlib.util.find_spec("wordfreq")
    try:
        import msgpack
    except ImportError:
        msgpack = None
    if spec is None or spec.origin is None or msgpack is None:
        raise ImportError("the low-background world reads the wordfreq package's data: "
                          "pip install 'modelcollapse[lowbackground]'")
    path = Path(spec.origin).parent / "data" / "small_en.msgpack.gz"
    with gzip.open(path) as handle:
        header, *buckets = msgpack.load(handle, raw=False)
    if header.get("format") != "cB":
        raise ImportError(f"{path}: unknown wordfreq data format {header!r}")
    words, frequencies = [], []
    for centibels, bucket in enumerate(buckets):
        for word in bucket:
            words.append(word)
            frequencies.append(10 ** (-centibels / 100))
            if len(words) == vocabulary:
                p = np.asarray(frequencies)
                return tuple(words), p / p.sum()
    raise ValueError(f"wordfreq's list holds only {len(words)} words, fewer than {vocabulary}")


def low_background_world(vocabulary: int = 1000, drift: float = 0.0,
                         new_words: int | None = None) -> CategoricalWorld:
    """Categories = the top English words before 2021, with their frequencies.

    With ``drift`` > 0 usage moves, a share ``drift`` of what remains each
    generation, to ``new_words`` new words (Zipf-ranked, exponent 1): the
    vocabulary changes after the reference was frozen, which is what makes a
    frozen reference stale.
    """
    if int(vocabulary) != vocabulary or vocabulary < 2:
        raise ValueError(f"vocabulary must be an integer >= 2, got {vocabulary}")
    check_drift(drift, "share of the remaining usage moved")
    _, p = low_background_frequencies(int(vocabulary))
    if not drift:
        return CategoricalWorld(p, name="low-background-words")
    new_words = vocabulary if new_words is None else new_words
    if int(new_words) != new_words or new_words < 2:
        raise ValueError(f"new_words must be an integer >= 2, got {new_words}")
    old = np.concatenate([p, np.zeros(new_words)])
    new = np.concatenate([np.zeros(vocabulary), _zipf(new_words, 1.0)])
    return CategoricalWorld(old, name="low-background-words", drift=drift, newcomers=new)
