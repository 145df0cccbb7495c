import numpy as np
import pytest

from modelcollapse import Chain, PolynomialRegression, RegressionWorld, cosine_world


class ClumpedWorld(RegressionWorld):
    """A world whose inputs take four values: a cubic is determined only if all appear."""

    def draw_inputs(self, n, *, rng):
        return rng.choice([0.1, 0.4, 0.6, 0.9], size=n)


def test_loop_returns_tidy_rows_for_every_replicate_generation_and_metric():
    frame = Chain(cosine_world(), PolynomialRegression(2), n_generations=3).run(
        4, seed=1, engine="loop", first_replicate=10)
    assert list(frame.columns) == ["replicate", "generation", "metric", "value", "status"]
    assert sorted(frame.replicate.unique()) == [10, 11, 12, 13]
    assert len(frame) == 4 * 3 * (1 + 3)
    assert (frame.status == "ok").all()


def test_both_engines_share_one_schema():
    chain = Chain(cosine_world(), PolynomialRegression(2), n_generations=3)
    loop, batched = chain.run(3, engine="loop"), chain.run(3, engine="batched")
    assert loop.dtypes.equals(batched.dtypes)
    key = ["replicate", "generation", "metric"]
    assert (loop[key].astype(str).to_numpy() == batched[key].astype(str).to_numpy()).all()


def test_a_degenerate_replicate_is_recorded_and_the_run_goes_on():
    world = ClumpedWorld(np.cos, noise=0.1)
    frame = Chain(world, PolynomialRegression(3), n_samples=6, n_generations=4).run(
        20, seed=3)
    degenerate = frame[frame.status == "degenerate"]
    assert len(degenerate) and degenerate["value"].isna().all()
    # Once degenerate, a replicate stays so to the end.
    first_bad = degenerate.groupby("replicate").generation.min()
    for replicate, generation in first_bad.items():
        rows = frame[(frame.replicate == replicate) & (frame.generation >= generation)]
        assert (rows.status == "degenerate").all()
    assert (frame.status == "ok").any()


def test_the_loop_is_reproducible_replicate_by_replicate():
    chain = Chain(cosine_world(), PolynomialRegression(3), n_generations=3)
    whole = chain.run(3, seed=5, engine="loop")
    alone = chain.run(1, seed=5, engine="loop", first_replicate=2)
    np.testing.assert_array_equal(whole[whole.replicate == 2]["value"], alone["value"])


@pytest.mark.parametrize("kwargs, message", [
    ({"n_samples": 0}, "n_samples"),
    ({"n_generations": -1}, "n_generations"),
    ({"n_samples": 3}, "lower the degree or raise the samples"),
])
def test_bad_chains_are_refused_with_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Chain(cosine_world(), PolynomialRegression(3), **kwargs)


def test_zero_generations_give_an_empty_frame():
    frame = Chain(cosine_world(), PolynomialRegression(3), n_generations=0).run(5)
    assert frame.empty and list(frame.columns)[:2] == ["replicate", "generation"]
