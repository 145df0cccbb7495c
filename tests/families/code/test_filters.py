"""Curating code: the human-review budget judges model-written items by static verification."""

import numpy as np
import pytest

from modelcollapse.core.data import Dataset
from modelcollapse.families.code.filters import CodeReview, passes_verification
from modelcollapse.families.code.world import code_world


@pytest.fixture(scope="module")
def world():
    return code_world(max_units=300, block_size=128, drift=0.3)   # as test_world_chain's


def block(world, text: str) -> np.ndarray:
    ids = world.tokenizer.encode(text + "\n\n\n")
    return np.pad(ids, (0, world.block_size - len(ids)), constant_values=world._pad_id)


@pytest.fixture(scope="module")
def pool(world):
    """10 real items, then 30 model-written ones: 20 failing, 10 passing."""
    failing = np.stack([block(world, f"import reqeusts{i}") for i in range(20)])
    passing = world.train[10:20]
    return Dataset.concat([Dataset.real(world.train[:10]),
                           Dataset.synthetic(np.concatenate([failing, passing]), None, 1)])


def test_pool_is_what_it_claims(world, pool):
    assert passes_verification(pool, world).tolist() == [True] * 10 + [False] * 20 + [True] * 10


@pytest.mark.parametrize("accuracy, dropped_failing, dropped_passing", [(1.0, 20, 0),
                                                                       (0.0, 0, 10)])
def test_perfect_and_perverse_reviewers(world, pool, accuracy, dropped_failing, dropped_passing):
    kept, figures = CodeReview(budget=100, accuracy=accuracy).apply(
        pool, world=world, rng=np.random.default_rng(0))
    assert figures["code_review_reviewed"] == 30                  # only model-written items
    assert figures["code_review_dropped"] == dropped_failing + dropped_passing
    assert np.sum(kept.origin == 0) == 10                         # real items never reviewed
    still_failing = (~passes_verification(kept, world)).sum()
    assert still_failing == 20 - dropped_failing


def test_budget_limits_the_reviews_and_accuracy_sets_the_drop_rate(world, pool):
    rng = np.random.default_rng(1)
    review = CodeReview(budget=12, accuracy=0.8)
    dropped, reviewed = [], []
    for _ in range(200):
        _, figures = review.apply(pool, world=world, rng=rng)
        reviewed.append(figures["code_review_reviewed"])
        dropped.append(figures["code_review_dropped"])
    assert set(reviewed) == {12}
    # Each reviewed item is dropped with chance 0.8 if failing (2/3 of them), 0.2 if passing;
    # a reviewer who is always right would drop 8 on average, 0.8 away (about 6 standard errors).
    expected = 12 * (2 / 3 * 0.8 + 1 / 3 * 0.2)
    standard_error = np.std(dropped, ddof=1) / np.sqrt(len(dropped))
    assert abs(np.mean(dropped) - expected) < 4 * standard_error


@pytest.mark.parametrize("settings, message", [({"budget": -1}, "budget"),
                                               ({"budget": 2.5}, "budget"),
                                               ({"accuracy": 1.5}, "accuracy")])
def test_bad_review_settings(settings, message):
    with pytest.raises(ValueError, match=message):
        CodeReview(**settings)
