"""Filters: each one's rule, and the verifier against Bayes' rule (docs/foundations.md §5)."""

import numpy as np
import pytest

from modelcollapse import (
    Chain,
    Dataset,
    FreshReal,
    HumanReview,
    MSEToTruth,
    PolynomialRegression,
    Replace,
    SyntheticDetector,
    Verifier,
    cosine_world,
)
from modelcollapse.filters.theory import verifier_theory

WORLD = cosine_world(noise=0.1)


def _candidates(n, wrong_share, rng):
    """Synthetic items on the truth, a share of them pushed far off it."""
    X = rng.random(n)
    y = WORLD.true_function(X)
    wrong = rng.random(n) < wrong_share
    y[wrong] += 1.0
    return Dataset.synthetic(X, y, 1), wrong


@pytest.mark.parametrize("e, phi, psi", [(0.3, 0.9, 0.1), (0.6, 0.8, 0.4), (0.2, 0.5, 0.5)])
def test_verifier_keeps_what_bayes_rule_says(e, phi, psi):
    rng = np.random.default_rng(1)
    verifier = Verifier(phi, psi, tolerance=0.5)
    kept_share, wrong_kept = [], []
    for _ in range(400):
        data, wrong = _candidates(500, e, rng)
        _kept, figures = verifier.apply(data, world=WORLD, rng=rng)
        kept_share.append(figures["verifier_kept"])
        wrong_kept.append(figures["verifier_wrong_kept"])
        assert figures["verifier_wrong_candidates"] == pytest.approx(wrong.mean())
    # Theory at the candidates' realised wrong share averages to theory at e: both are linear
    # in e for the kept share; the wrong share among kept items is checked at 4 SE.
    expected_kept, expected_wrong = verifier_theory(e, phi, psi)
    for values, expected in ((kept_share, expected_kept), (wrong_kept, expected_wrong)):
        values = np.asarray(values)
        assert abs(values.mean() - expected) < 4 * values.std(ddof=1) / np.sqrt(len(values)) \
            + 0.002  # the ratio's O(1/n) bias at n = 500
    if phi == psi:  # no better than random selection
        assert expected_wrong == pytest.approx(e)


def test_detector_drops_by_provenance():
    rng = np.random.default_rng(2)
    data = Dataset.concat([Dataset.real(np.zeros(20_000), np.zeros(20_000)),
                           Dataset.synthetic(np.ones(20_000), np.ones(20_000), 3)])
    kept, figures = SyntheticDetector(tpr=0.8, fpr=0.1).apply(data, world=WORLD, rng=rng)
    assert figures["detector_kept_synthetic"] == pytest.approx(0.2, abs=0.01)
    assert figures["detector_kept_real"] == pytest.approx(0.9, abs=0.01)
    assert len(kept) == pytest.approx(0.2 * 20_000 + 0.9 * 20_000, rel=0.02)


def test_human_review_spends_its_budget_on_synthetic_items():
    rng = np.random.default_rng(3)
    data, _wrong = _candidates(100, 0.5, rng)
    data = Dataset.concat([Dataset.real(np.full(50, 0.5), np.full(50, 9.0)), data])
    kept, figures = HumanReview(budget=30, accuracy=1.0, tolerance=0.5).apply(
        data, world=WORLD, rng=rng)
    assert figures["review_reviewed"] == 30
    assert np.sum(kept.origin == 0) == 50                      # real items are never reviewed
    assert len(data) - len(kept) == figures["review_dropped"] > 0


def test_filters_in_a_chain_record_their_figures_and_contamination():
    chain = Chain(WORLD, PolynomialRegression(3), FreshReal(0.3), n_generations=5,
                  metrics=(MSEToTruth(),), filters=(SyntheticDetector(0.5, 0.0),))
    assert chain.kernel() is None  # filters run in the per-replicate loop
    frame = chain.run(40, seed=4)
    contamination = frame[frame.metric == "contamination"].groupby("generation").value.mean()
    assert contamination[1] == 0.0
    # 70% synthetic, half of it dropped: 35 / (35 + 30) of what is left is model-written
    assert contamination[5] == pytest.approx(0.35 / 0.65, abs=0.05)


def test_a_verifier_slows_collapse():
    def final_error(filters):
        chain = Chain(WORLD, PolynomialRegression(3), Replace(), n_samples=60, n_generations=30,
                      metrics=(MSEToTruth(),), filters=filters)
        frame = chain.run(60, seed=5)
        return frame[(frame.generation == 30) & (frame.metric == "mse_to_truth")].value.to_numpy()

    plain = final_error(())
    verified = final_error((Verifier(1.0, 0.0, tolerance=0.15),))
    assert np.median(verified) < 0.5 * np.median(plain)


@pytest.mark.parametrize("make, message", [
    (lambda: SyntheticDetector(1.0, 1.0), "drops every item"),
    (lambda: SyntheticDetector(1.5, 0.0), "tpr"),
    (lambda: Verifier(0.0, 0.0), "keeps nothing"),
    (lambda: HumanReview(budget=-1), "budget"),
    (lambda: HumanReview(accuracy=2.0), "accuracy"),
])
def test_impossible_filters_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_verifier_on_digits_checks_labels_against_the_real_ones():
    from modelcollapse.families.classification.model import SklearnClassifier, sklearn_classifier
    from modelcollapse.families.classification.world import DigitsWorld

    world = DigitsWorld()
    train = world.sample(300, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(world.true_labels(train.X), train.y)
    model = SklearnClassifier(sklearn_classifier("linear_model.LogisticRegression",
                                                 {"max_iter": 50}), "sample")
    chain = Chain(world, model, Replace(), n_samples=150, n_generations=4, metrics=(),
                  filters=(Verifier(1.0, 0.0),))
    frame = chain.run(3, seed=8)
    wrong_kept = frame[frame.metric == "verifier_wrong_kept"].dropna()["value"]
    assert len(wrong_kept) and (wrong_kept == 0).all()
    assert (frame[frame.metric == "verifier_wrong_candidates"].dropna()["value"] > 0).any()
