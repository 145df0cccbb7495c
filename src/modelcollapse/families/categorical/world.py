"""Discrete worlds: a categorical law over a vocabulary, Zipfian by default.

A drifting categorical world moves its usage, a share ``drift`` of what is
left each generation, from its starting law towards a law of ``newcomers``:
old words fade, new ones appear (words that had probability zero at first).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.core.drift import check_drift

__all__ = ["CategoricalWorld", "zipf_world"]


def _check_law(p: np.ndarray, what: str) -> None:
    if p.ndim != 1 or len(p) < 2:
        raise ValueError(f"{what} must be a 1-D array over at least 2 categories")
    if np.any(p < 0) or not np.isclose(p.sum(), 1.0):
        raise ValueError(f"{what} must be non-negative and sum to 1")


@dataclass(frozen=True)
class CategoricalWorld:
    """Real data: category indices drawn from ``probabilities``.

    Parameters
    ----------
    probabilities : array-like of shape (V,)
        Non-negative, summing to one; category ``v`` has probability ``p[v]``.
    name : str, default "categorical"
    drift : float, default 0.0
        Share of the remaining distance to ``newcomers`` covered each
        generation, in [0, 1]: p_g = n + (1 − drift)^(g − 1)·(p₁ − n).
    newcomers : array-like of shape (V,) or None
        The law usage drifts towards; required when ``drift`` > 0.
    generation : int, default 1
        The generation whose law this is; :meth:`at` sets it.
    """

    probabilities: np.ndarray
    name: str = "categorical"
    drift: float = 0.0
    newcomers: np.ndarray | None = None
    generation: int = 1

    def __post_init__(self) -> None:
        p = np.asarray(self.probabilities, dtype=float)
        _check_law(p, "probabilities")
        object.__setattr__(self, "probabilities", p)
        check_drift(self.drift, "share of the remaining usage moved")
        if self.drift > 1:
            raise ValueError(f"drift of a categorical world is a share in [0, 1], got "
                             f"{self.drift}")
        if self.drift and self.newcomers is None:
            raise ValueError("a drifting categorical world needs the law it drifts towards: "
                             "give newcomers")
        if self.newcomers is not None:
            n = np.asarray(self.newcomers, dtype=float)
            _check_law(n, "newcomers")
            if len(n) != len(p):
                raise ValueError(f"newcomers has {len(n)} categories but probabilities has "
                                 f"{len(p)}: give both over the same vocabulary")
            object.__setattr__(self, "newcomers", n)

    @property
    def vocabulary(self) -> int:
        """Number of categories V."""
        return len(self.probabilities)

    def at(self, generation: int) -> CategoricalWorld:
        """The world of ``generation``: usage moved towards the newcomers."""
        if not self.drift:
            return self
        kept = (1.0 - self.drift) ** (generation - self.generation)
        p = np.clip(self.newcomers + kept * (self.probabilities - self.newcomers), 0.0, None)
        return replace(self, probabilities=p / p.sum(), generation=generation)

    def sample(self, n: int, *, rng: np.random.Generator) -> Dataset:
        """Draw ``n`` category indices, shape (n,)."""
        return Dataset.real(rng.choice(self.vocabulary, size=n, p=self.probabilities))


def _zipf(size: int, exponent: float) -> np.ndarray:
    weights = np.arange(1, size + 1, dtype=float) ** -float(exponent)
    return weights / weights.sum()


def zipf_world(vocabulary: int = 1000, exponent: float = 1.1, drift: float = 0.0,
               new_words: int | None = None) -> CategoricalWorld:
    """Zipf's law: p(rank k) ∝ k^(−exponent), k = 1 … vocabulary.

    With ``drift`` > 0 the world has ``new_words`` more categories (default:
    as many as ``vocabulary``), unused at first, and each generation moves a
    share ``drift`` of the old words' remaining usage to them, Zipf-ranked
    among themselves: the old vocabulary fades, the new one appears.
    """
    if int(vocabulary) != vocabulary or vocabulary < 2:
        raise ValueError(f"vocabulary must be an integer >= 2, got {vocabulary}")
    if not exponent >= 0:
        raise ValueError(f"exponent must be >= 0, got {exponent}")
    check_drift(drift, "share of the remaining usage moved")
    if not drift:
        if new_words is not None:
            raise ValueError("new_words only applies to a drifting world: set drift > 0 "
                             "or remove new_words")
        return CategoricalWorld(_zipf(vocabulary, exponent), name="zipf")
    new_words = vocabulary if new_words is None else new_words
    if int(new_words) != new_words or new_words < 2:
        raise ValueError(f"new_words must be an integer >= 2, got {new_words}")
    old = np.concatenate([_zipf(vocabulary, exponent), np.zeros(new_words)])
    new = np.concatenate([np.zeros(vocabulary), _zipf(new_words, exponent)])
    return CategoricalWorld(old, name="zipf", drift=drift, newcomers=new)
