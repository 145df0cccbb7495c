"""Student-t intervals of a mean over few replicates: known quantiles, one replicate, coverage."""

import numpy as np
import pytest

from modelcollapse.report.intervals import interval_note, mean_interval, t_quantile


@pytest.mark.parametrize("n, quantile", [(2, 12.706204736), (3, 4.302652730), (4, 3.182446305),
                                         (10, 2.262157163), (30, 2.045229642)])
def test_t_quantiles_match_the_tables(n, quantile):
    assert t_quantile(n) == pytest.approx(quantile, rel=1e-8)


def test_the_quantile_falls_to_the_normal_one_and_other_levels_work():
    assert t_quantile(100_000) == pytest.approx(1.959980, abs=1e-4)
    assert t_quantile(4, level=0.9) == pytest.approx(2.353363435, rel=1e-8)


def test_one_replicate_has_no_interval():
    low, high = mean_interval([3.0, 3.0], [np.nan, 0.5], [1, 4])
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert np.isnan(t_quantile(1)) and np.isnan(t_quantile(0))
    assert low[1] == pytest.approx(3.0 - 3.182446305 * 0.5 / 2)
    assert high[1] == pytest.approx(3.0 + 3.182446305 * 0.5 / 2)


def test_two_replicates_by_hand():
    values = np.array([1.0, 2.0])  # mean 1.5, sd 1/sqrt(2), se 1/2
    low, high = mean_interval(values.mean(), values.std(ddof=1), 2)
    assert (low, high) == pytest.approx((1.5 - 12.706204736 / 2, 1.5 + 12.706204736 / 2))


def test_intervals_cover_the_mean_95_percent_of_the_time_with_three_replicates():
    rng = np.random.default_rng(0)
    draws = rng.normal(size=(40_000, 3))
    low, high = mean_interval(draws.mean(1), draws.std(1, ddof=1), 3)
    coverage = np.mean((low < 0) & (high > 0))
    assert coverage == pytest.approx(0.95, abs=0.005)  # 1.96 x SE would cover about 0.81


@pytest.mark.parametrize("counts, note", [
    ([4, 4], "95% Student-t interval of the mean (n = 4 replicates)"),
    ([2, 4], "95% Student-t interval of the mean (n = 2\u20134 replicates)"),
    ([1, 1], "n = 1: no band"),
    ([1, 3], "95% Student-t interval of the mean (n = 1\u20133 replicates); none where n = 1"),
])
def test_captions_state_the_interval_and_the_replicates(counts, note):
    assert interval_note(counts) == note
