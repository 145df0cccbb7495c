import numpy as np
import pytest

from modelcollapse import (
    Accumulate,
    AccumulateSubsample,
    Dataset,
    FreshReal,
    KeepOriginal,
    Pool,
    Replace,
    WebScrape,
    parse_policy,
)


def _pool():
    """A pool after three generations: real data, then two synthetic batches."""
    pool = Pool()
    pool.add(Dataset.real(np.arange(10.0), np.zeros(10)), 1)
    pool.add(Dataset.synthetic(np.arange(10.0, 20.0), np.ones(10), 1), 2)
    new = Dataset.synthetic(np.arange(20.0, 30.0), np.ones(10), 2)
    pool.add(new, 3)
    return pool, new


def _build(policy, fresh=None):
    pool, new = _pool()
    fresh = fresh if fresh is not None else Dataset.real(np.empty(0), np.empty(0))
    return policy.build(pool, new_synthetic=new, fresh_real=fresh, n_samples=10,
                        rng=np.random.default_rng(0))


def test_replace_trains_on_the_newest_output_only():
    train = _build(Replace())
    assert set(train.origin) == {2} and len(train) == 10


def test_accumulate_trains_on_everything_with_provenance():
    train = _build(Accumulate())
    np.testing.assert_array_equal(np.bincount(train.origin), [10, 10, 10])


def test_accumulate_subsample_draws_distinct_items_within_budget():
    train = _build(AccumulateSubsample(budget=12))
    assert len(train) == 12 and len(np.unique(train.X)) == 12


def test_fresh_real_mixes_the_requested_share():
    policy = FreshReal(0.3)
    assert policy.n_fresh_real(10) == 3 and policy.n_new_synthetic(10) == 7
    fresh = Dataset.real(np.array([100.0, 101.0, 102.0]), np.zeros(3))
    pool, _ = _pool()
    new = Dataset.synthetic(np.arange(7.0), np.ones(7), 2)
    train = policy.build(pool, new_synthetic=new, fresh_real=fresh, n_samples=10,
                         rng=np.random.default_rng(0))
    np.testing.assert_array_equal(np.bincount(train.origin), [3, 0, 7])


def test_keep_original_takes_distinct_items_of_generation_one():
    policy = KeepOriginal(0.4)
    assert policy.n_fresh_real(10) == 0 and policy.n_new_synthetic(10) == 6
    train = _build(policy)
    original = train.X[train.origin == 0]
    assert len(original) == 4 and len(np.unique(original)) == 4 and original.max() < 10


@pytest.mark.parametrize("text, expected", [
    ("replace", Replace()),
    ("accumulate", Accumulate()),
    ("accumulate-subsample(50)", AccumulateSubsample(50)),
    ("fresh-real(0.1)", FreshReal(0.1)),
    (" keep-original( 0.25 ) ", KeepOriginal(0.25)),
])
def test_parse_policy_round_trips_labels(text, expected):
    policy = parse_policy(text)
    assert policy == expected
    assert parse_policy(policy.label) == policy


@pytest.mark.parametrize("text, message", [
    ("replce", "unknown policy"),
    ("fresh-real(abc)", "must be a number"),
    ("replace(3)", "malformed"),
    ("fresh-real(1.5)", r"\[0, 1\]"),
    ("accumulate-subsample(0)", "at least 1"),
])
def test_parse_policy_names_the_problem(text, message):
    with pytest.raises(ValueError, match=message):
        parse_policy(text)


def test_web_scrape_shares_follow_their_schedules():
    linear = WebScrape("linear", 0.1, 0.9, 4)
    assert [linear.share(g) for g in (2, 4, 6, 20)] == pytest.approx([0.1, 0.5, 0.9, 0.9])
    logistic = WebScrape("logistic", 0.0, 1.0, 10)
    shares = [logistic.share(g) for g in range(2, 20)]
    assert shares == sorted(shares) and logistic.share(7) == pytest.approx(0.5)
    assert WebScrape("constant", end=0.3).share(50) == 0.3
    assert linear.n_fresh_real(10, 4) == 5 and linear.n_new_synthetic(10, 4) == 10


def test_web_scrape_builds_a_scrape_of_published_and_fresh_items():
    pool, new = _pool()
    fresh = Dataset.real(np.array([100.0, 101.0, 102.0, 103.0]), np.zeros(4))
    train = WebScrape("constant", end=0.6).build(pool, new_synthetic=new, fresh_real=fresh,
                                                  n_samples=10, rng=np.random.default_rng(0))
    assert len(train) == 10 and np.sum(train.origin == 0) == 4
    assert len(np.unique(train.X)) == 10 and train.X[train.origin > 0].min() >= 10


@pytest.mark.parametrize("kwargs, message", [({"schedule": "cubic"}, "schedule"),
                                             ({"end": 1.5}, r"\[0, 1\]"),
                                             ({"horizon": 0}, "horizon")])
def test_web_scrape_settings_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WebScrape(**kwargs)


def test_a_policy_is_its_recipe_and_the_chain_follows_it_generation_by_generation():
    """A new policy written as a recipe alone: each part lands where the recipe says."""
    from dataclasses import dataclass

    from modelcollapse import Chain, cosine_world
    from modelcollapse.families.regression.metrics import MSEToTruth
    from modelcollapse.families.regression.model import PolynomialRegression
    from modelcollapse.policies.training_sets import Policy, Recipe

    @dataclass(frozen=True)
    class Thirds(Policy):
        """Generation g trains on g fresh real items, 3 kept original ones and the rest written."""

        name = "thirds"

        def recipe(self, n_samples, generation=2):
            return Recipe(new_synthetic=n_samples - generation - 3, fresh_real=generation,
                          kept_original=3)

    pool, new = _pool()
    fresh = Dataset.real(np.arange(100.0, 104.0), np.zeros(4))
    train = Thirds().build(pool, new_synthetic=new, fresh_real=fresh, n_samples=10,
                           rng=np.random.default_rng(0), generation=4)
    assert list(train.X[:4]) == list(fresh.X)  # fresh first,
    assert set(train.X[4:7]) <= set(range(10)) and len(set(train.X[4:7])) == 3  # kept original,
    assert list(train.X[7:]) == list(new.X)  # then what the model wrote
    assert Thirds().n_fresh_real(10, 4) == 4 and Thirds().n_new_synthetic(10, 4) == 3
    chain = Chain(cosine_world(), PolynomialRegression(degree=1), Thirds(), n_samples=12,
                  n_generations=4, metrics=(MSEToTruth(),))
    frame = chain.run(2, seed=0)  # no kernel runs a policy it does not list: the loop does
    assert sorted(frame.generation.unique()) == [1, 2, 3, 4]
