"""What a verifier keeps: the share of wrong items that survive, and where collapse breaks down."""

from __future__ import annotations

__all__ = ["verifier_breakdown", "verifier_theory"]



def verifier_theory(wrong_share: float, keep_correct: float, keep_wrong: float
                    ) -> tuple[float, float]:
    """What a verifier keeps, by Bayes' rule (Feng et al. 2024, docs/foundations.md §5).

    A verifier keeps correct candidates with rate φ and wrong ones with rate ψ.
    If a share e of the candidates is wrong, it keeps a share eψ + (1 − e)φ of
    them, and a kept item is wrong with probability eψ / (eψ + (1 − e)φ): with
    ψ = φ the verifier is no better than keeping a random subset.

    Returns
    -------
    kept : float
        Expected share of candidates kept.
    wrong_kept : float
        Probability that a kept candidate is wrong.
    """
    kept = wrong_share * keep_wrong + (1 - wrong_share) * keep_correct
    return kept, (wrong_share * keep_wrong / kept if kept else float("nan"))


def verifier_breakdown(wrong_share: float, keep_correct: float) -> float:
    """The largest ψ a verifier may have before training on what it keeps breaks down.

    Feng et al. (ICLR 2025) train a linear classifier on a Gaussian mixture
    labelled by a generator that is wrong on a share e of the items, after a
    verifier kept correct items with rate φ and wrong ones with rate ψ. In the
    limit of many samples the outcome has a sharp transition at p* = 1/2,
    where p* = eψ / (eψ + (1 − e)φ) is the wrong share of what is kept
    (:func:`verifier_theory`): below it the classifier reaches the Bayes-optimal
    accuracy, above it the worst (the decision flips). Solving p* = 1/2 for ψ
    gives the breakdown point ψ* = φ(1 − e)/e; a value above 1 means no
    verifier with that φ breaks down at this error share.

    Parameters
    ----------
    wrong_share : float
        e, the generator's share of wrong items, in (0, 1].
    keep_correct : float
        φ, in [0, 1].

    Returns
    -------
    float
        ψ*.
    """
    if not 0 < wrong_share <= 1:
        raise ValueError(f"wrong_share must be in (0, 1], got {wrong_share}")
    if not 0 <= keep_correct <= 1:
        raise ValueError(f"keep_correct must be in [0, 1], got {keep_correct}")
    return keep_correct * (1 - wrong_share) / wrong_share
