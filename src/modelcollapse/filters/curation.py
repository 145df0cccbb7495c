"""Curation of training data: synthetic-data detectors, verifiers and human review.

A filter sees the training set a policy built, decides item by item what to
keep, and reports what it did (how much synthetic data it kept, how much of
what it kept is wrong) so every generation records its curation. Filters act
on provenance (``origin``) and, for verifiers and reviewers, on a family's
notion of correctness: for regression, a label within ``tolerance`` of the
truth.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from modelcollapse.core.data import REAL, Dataset

__all__ = ["Filter", "HumanReview", "SelectionBias", "SelfCorrection", "SyntheticDetector",
           "Verifier", "is_correct"]


def _check_rate(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value}")


def is_correct(data: Dataset, world, tolerance: float) -> np.ndarray:
    """Whether each labelled item is correct in its family's sense.

    A world with its own notion (``world.is_correct(data)``, e.g. code that
    passes static verification) decides itself. Otherwise, regression: the
    label lies within ``tolerance`` of the true function; classification: the
    label equals the world's true label for that input.

    Raises
    ------
    ValueError
        For worlds with no notion of a correct item.
    """
    if hasattr(world, "is_correct"):
        return np.asarray(world.is_correct(data), dtype=bool)
    if data.y is not None and hasattr(world, "true_labels"):
        return data.y == world.true_labels(data.X)
    if data.y is not None and hasattr(world, "true_function"):
        return np.abs(data.y - world.true_function(data.X)) <= tolerance
    raise ValueError("verifiers and reviewers need a world with true labels or a true "
                     "function; this world has neither")


class Filter(ABC):
    """Keeps or drops items of a training set; reports per-generation figures.

    A filter that reads something only some worlds offer names those
    attributes in ``world_needs``, so an experiment pairing it with another
    world is refused when it is validated, not halfway through a run.
    """

    world_needs: tuple[str, ...] = ()

    @abstractmethod
    def names(self) -> tuple[str, ...]:
        """Names of the figures :meth:`apply` reports."""

    @abstractmethod
    def apply(self, data: Dataset, *, world, rng: np.random.Generator
              ) -> tuple[Dataset, dict[str, float]]:
        """Return the kept items and ``{figure: value}``."""


def _share(part: np.ndarray, whole: np.ndarray) -> float:
    return float(part.sum() / whole.sum()) if whole.sum() else float("nan")


@dataclass(frozen=True)
class SyntheticDetector(Filter):
    """Drops items flagged as model-written: synthetic ones with rate ``tpr``, real ones ``fpr``.

    Parameters
    ----------
    tpr : float
        True-positive rate: the chance a synthetic item is flagged (and dropped).
    fpr : float
        False-positive rate: the chance a real item is flagged (and dropped).
    """

    tpr: float = 0.9
    fpr: float = 0.05
    name = "detector"

    def __post_init__(self) -> None:
        _check_rate("tpr", self.tpr)
        _check_rate("fpr", self.fpr)
        if self.tpr == 1.0 and self.fpr == 1.0:
            raise ValueError("a detector with tpr = fpr = 1 drops every item: lower one of them")

    def names(self) -> tuple[str, ...]:  # noqa: D102
        return ("detector_kept_synthetic", "detector_kept_real")

    def apply(self, data, *, world, rng):  # noqa: D102
        synthetic = data.origin != REAL
        flagged = rng.random(len(data)) < np.where(synthetic, self.tpr, self.fpr)
        keep = ~flagged
        return data.take(keep), {"detector_kept_synthetic": _share(keep & synthetic, synthetic),
                                 "detector_kept_real": _share(keep & ~synthetic, ~synthetic)}


@dataclass(frozen=True)
class Verifier(Filter):
    """Keeps correct synthetic items with rate φ and wrong ones with rate ψ (Feng et al. 2024).

    Parameters
    ----------
    keep_correct : float
        φ.
    keep_wrong : float
        ψ.
    tolerance : float
        A label is correct within this distance of the truth.
    """

    keep_correct: float = 0.9
    keep_wrong: float = 0.1
    tolerance: float = 0.2
    name = "verifier"

    def __post_init__(self) -> None:
        _check_rate("keep_correct", self.keep_correct)
        _check_rate("keep_wrong", self.keep_wrong)
        if not self.tolerance > 0:
            raise ValueError(f"tolerance must be > 0, got {self.tolerance}")
        if self.keep_correct == 0 and self.keep_wrong == 0:
            raise ValueError("a verifier that keeps nothing: raise keep_correct")

    def names(self) -> tuple[str, ...]:  # noqa: D102
        return ("verifier_wrong_candidates", "verifier_kept", "verifier_wrong_kept")

    def apply(self, data, *, world, rng):  # noqa: D102
        synthetic = data.origin != REAL
        correct = is_correct(data, world, self.tolerance)
        rate = np.where(correct, self.keep_correct, self.keep_wrong)
        keep = ~synthetic | (rng.random(len(data)) < rate)
        wrong = synthetic & ~correct
        return data.take(keep), {
            "verifier_wrong_candidates": _share(wrong, synthetic),
            "verifier_kept": _share(keep & synthetic, synthetic),
            "verifier_wrong_kept": _share(keep & wrong, keep & synthetic),
        }


@dataclass(frozen=True)
class HumanReview(Filter):
    """Reviewers check up to ``budget`` synthetic items a generation and drop those judged wrong.

    Parameters
    ----------
    budget : int
        Items reviewed per generation (chosen at random among the synthetic ones).
    accuracy : float
        The chance a reviewer judges an item correctly (a wrong item is then
        dropped, a correct one kept).
    tolerance : float
        A label is correct within this distance of the truth.
    """

    budget: int = 10
    accuracy: float = 0.95
    tolerance: float = 0.2
    name = "human-review"

    def __post_init__(self) -> None:
        if isinstance(self.budget, bool) or not isinstance(self.budget, int | np.integer) \
                or self.budget < 0:
            raise ValueError(f"budget must be an integer >= 0, got {self.budget!r}")
        _check_rate("accuracy", self.accuracy)
        if not self.tolerance > 0:
            raise ValueError(f"tolerance must be > 0, got {self.tolerance}")

    def names(self) -> tuple[str, ...]:  # noqa: D102
        return ("review_reviewed", "review_dropped")

    def apply(self, data, *, world, rng):  # noqa: D102
        synthetic = np.flatnonzero(data.origin != REAL)
        reviewed = rng.permutation(synthetic)[:self.budget]
        correct = is_correct(data.take(reviewed), world, self.tolerance)
        judged_right = rng.random(len(reviewed)) < self.accuracy
        dropped = reviewed[correct != judged_right]          # a wrong item judged rightly, or
        keep = np.ones(len(data), dtype=bool)                # a correct one judged wrongly
        keep[dropped] = False
        return data.take(keep), {"review_reviewed": float(len(reviewed)),
                                 "review_dropped": float(len(dropped))}


@dataclass(frozen=True)
class SelectionBias(Filter):
    """A scorer that likes what looks typical keeps items by how close they lie to its favourite.

    Each item x is kept with probability exp(−β‖x − c‖²/2): a soft quality
    filter whose notion of quality is closeness to c (by default the world's
    majority mode, ``world.means[world.majority]``). Applied generation after
    generation it multiplies every mode by a Gaussian in x, so the minority
    mode loses weight and every mode narrows (the selection-bias cause of
    collapse; :func:`modelcollapse.families.mixture.theory.selection_bias_theory`).

    Parameters
    ----------
    strength : float, default 0.5
        β ≥ 0; 0 keeps everything.
    preferred : float or None, default None
        c; ``None`` takes the world's majority mode.
    """

    strength: float = 0.5
    preferred: float | None = None

    judges_correctness = False  # it scores closeness, not correctness: any world will do

    def __post_init__(self) -> None:
        if not np.isfinite(self.strength) or self.strength < 0:
            raise ValueError(f"strength must be a finite number >= 0, got {self.strength}")

    def names(self) -> tuple[str, ...]:  # noqa: D102
        return ("selection_kept",)

    def centre(self, world) -> float:
        """c: the preferred point, or the world's majority mode."""
        if self.preferred is not None:
            return self.preferred
        if not hasattr(world, "majority"):
            raise ValueError("selection-bias needs preferred = … for a world without modes")
        return float(world.means[world.majority])

    def apply(self, data, *, world, rng):  # noqa: D102
        X = np.asarray(data.X, float).reshape(len(data), -1)
        distance2 = np.sum((X - self.centre(world)) ** 2, axis=1)
        keep = rng.random(len(data)) < np.exp(-self.strength * distance2 / 2)
        return data.take(np.flatnonzero(keep)), {
            "selection_kept": float(keep.mean()) if len(data) else np.nan}


def expert_moments(world) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation per coordinate that an expert knows of ``world``.

    The exact ones where the world has them (a Gaussian's ``mean`` and ``cov``,
    a mixture's modes), else those of the world's held-out real sample.
    """
    if hasattr(world, "cov") and hasattr(world, "mean"):
        return np.asarray(world.mean, float), np.sqrt(np.diag(world.cov))
    if hasattr(world, "total_sd"):
        centre = np.asarray(world.weights) @ np.asarray(world.means)
        return np.array([centre]), np.array([world.total_sd])
    if hasattr(world, "held_out"):
        real = np.asarray(world.held_out(), float)
        real = real.reshape(len(real), -1)
        return real.mean(axis=0), real.std(axis=0)
    raise ValueError("self-correction needs a world whose moments an expert knows: a "
                     "Gaussian, a mixture, or a world with a held-out real sample")


@dataclass(frozen=True)
class SelfCorrection(Filter):
    """Move the model-written items a share γ of the way to what an expert says is real.

    Gillman et al. (ICML 2024), "Self-Correcting Self-Consuming Loops": a
    correction function applied to synthetic data before retraining keeps
    the loop stable. Here the expert knows the world's mean μ* and standard
    deviation σ* per coordinate (:func:`expert_moments`) and the correction is
    the optimal transport map of the synthetic batch's moments onto them,
    taken a share γ of the way:

        x' = (1 − γ)·x + γ·(μ* + σ*·(x − x̄)/s),

    with x̄ and s the batch's mean and (maximum-likelihood) standard deviation.
    The corrected batch has mean (1 − γ)x̄ + γμ* and standard deviation
    (1 − γ)s + γσ* exactly. Real items are left alone.

    Parameters
    ----------
    strength : float, default 0.5
        γ in [0, 1]: 0 changes nothing, 1 gives the synthetic batch the
        world's moments exactly.
    """

    strength: float = 0.5

    judges_correctness = False  # it corrects towards moments, it judges no item

    def __post_init__(self) -> None:
        if not 0.0 <= self.strength <= 1.0:
            raise ValueError(f"correction strength must lie in [0, 1], got {self.strength}")

    def names(self) -> tuple[str, ...]:  # noqa: D102
        return ("corrected_share",)

    def apply(self, data, *, world, rng):  # noqa: D102
        synthetic = np.flatnonzero(data.origin != REAL)
        if len(synthetic) < 2 or self.strength == 0:
            return data, {"corrected_share": len(synthetic) / len(data) if len(data) else np.nan}
        mean, sd = expert_moments(world)
        X = np.array(data.X, dtype=float)
        batch = X[synthetic]
        centre, spread = batch.mean(axis=0), batch.std(axis=0)
        spread = np.where(spread > 0, spread, 1.0)  # a point mass only moves
        target = mean + sd * (batch - centre) / spread
        X[synthetic] = (1 - self.strength) * batch + self.strength * target
        return Dataset(X, data.y, data.origin), {"corrected_share": len(synthetic) / len(data)}
