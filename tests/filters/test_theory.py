"""Feng et al.'s breakdown point: training on verified labels flips at p* = 1/2."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from modelcollapse.core.data import Dataset
from modelcollapse.families.classification.world import TwoClassWorld
from modelcollapse.filters.curation import Verifier
from modelcollapse.filters.theory import verifier_breakdown, verifier_theory

WORLD = TwoClassWorld(separation=2.0, dim=2)
E, PHI = 0.5, 0.6  # the generator is wrong half the time; ψ* = φ(1 − e)/e = 0.6


def _accuracy_after_verification(keep_wrong: float, seed: int, wrong_share: float = E,
                                 keep_correct: float = PHI) -> tuple[float, float]:
    """Label inputs wrongly with rate e, verify, fit a linear classifier on what is kept."""
    rng = np.random.default_rng(seed)
    X = WORLD.draw_inputs(40_000, rng=rng)
    flipped = rng.random(len(X)) < wrong_share
    labels = np.where(flipped, 1 - WORLD.true_labels(X), WORLD.true_labels(X))
    candidates = Dataset.synthetic(X, labels, generation=1)
    kept, figures = Verifier(keep_correct, keep_wrong).apply(candidates, world=WORLD, rng=rng)
    classifier = LogisticRegression().fit(kept.X, kept.y)
    X_test, y_test = WORLD.held_out_labelled()
    return float(np.mean(classifier.predict(X_test) == y_test)), figures["verifier_wrong_kept"]


def test_the_breakdown_point_solves_p_star_equal_one_half():
    psi = verifier_breakdown(E, PHI)
    assert psi == pytest.approx(0.6)
    assert verifier_theory(E, PHI, psi)[1] == pytest.approx(0.5)
    assert verifier_breakdown(0.1, 0.9) > 1  # a rarely wrong generator never breaks down


@pytest.mark.parametrize("e, phi, expected", [(0.2, 0.1, 0.4), (0.7, 0.6, 0.6 * 0.3 / 0.7),
                                              (0.9, 1.0, 1 / 9), (0.6, 0.9, 0.6)])
def test_the_breakdown_point_at_several_error_shares(e, phi, expected):
    """ψ* = φ(1 − e)/e, not φ: at e ≠ 1/2 the two differ, and p* = 1/2 exactly at ψ*."""
    psi = verifier_breakdown(e, phi)
    assert psi == pytest.approx(expected, rel=1e-12)
    assert verifier_theory(e, phi, psi)[1] == pytest.approx(0.5, rel=1e-12)
    assert verifier_theory(e, phi, 0.99 * psi)[1] < 0.5 < verifier_theory(e, phi, 1.01 * psi)[1]


@pytest.mark.parametrize("keep_wrong, optimal", [(0.15, True), (0.4, False)])
def test_the_flip_happens_at_the_breakdown_point_when_errors_are_common(keep_wrong, optimal):
    """e = 0.7, φ = 0.6: ψ* = 0.257, so ψ = 0.4 (below φ) already trains the worst classifier."""
    e, phi = 0.7, 0.6
    accuracy, _ = _accuracy_after_verification(keep_wrong, seed=13, wrong_share=e,
                                               keep_correct=phi)
    assert (keep_wrong < verifier_breakdown(e, phi)) == optimal
    bayes_accuracy = 1 - WORLD.bayes_error
    assert accuracy == pytest.approx(bayes_accuracy if optimal else 1 - bayes_accuracy, abs=0.02)


@pytest.mark.parametrize("keep_wrong, side", [(0.4, "below"), (0.9, "above")])
def test_training_on_verified_labels_is_bayes_optimal_below_and_worst_above(keep_wrong, side):
    bayes_accuracy = 1 - WORLD.bayes_error  # 0.841 at separation 2
    # With ~20,000 kept items a 2-D linear boundary is estimated to about 1e-3 in accuracy;
    # the held-out test set of 5,000 adds a binomial SE of 0.005 to both sides equally, so
    # 0.02 separates "optimal" from "worst" (0.68 apart) with room to spare, while a wrong
    # breakdown point (say at ψ = 0.3 or 0.75) would put one of these cases on the other side.
    accuracy, wrong_kept = _accuracy_after_verification(keep_wrong, seed=11)
    expected_wrong_kept = verifier_theory(E, PHI, keep_wrong)[1]
    assert wrong_kept == pytest.approx(expected_wrong_kept, abs=0.01)  # SE ≈ 0.0035
    if side == "below":
        assert keep_wrong < verifier_breakdown(E, PHI)
        assert accuracy == pytest.approx(bayes_accuracy, abs=0.02)
    else:
        assert keep_wrong > verifier_breakdown(E, PHI)
        assert accuracy == pytest.approx(1 - bayes_accuracy, abs=0.02)


@pytest.mark.parametrize("e, phi", [(0.0, 0.5), (1.5, 0.5), (0.5, -0.1)])
def test_impossible_breakdown_settings_are_refused(e, phi):
    with pytest.raises(ValueError, match="must be in"):
        verifier_breakdown(e, phi)
