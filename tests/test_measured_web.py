"""The web as measured: shipped contamination schedules, detector rates, low-background words."""

import numpy as np
import pytest
from typer.testing import CliRunner

from modelcollapse import Chain
from modelcollapse.cli.main import app
from modelcollapse.core.registry import filters
from modelcollapse.families.categorical.metrics import CategoricalMetric
from modelcollapse.families.categorical.model import CategoricalModel
from modelcollapse.families.categorical.world import zipf_world
from modelcollapse.policies.measured import load_series, month_number
from modelcollapse.policies.training_sets import WebScrape


def test_every_shipped_series_starts_at_zero_and_cites_its_source():
    for series in ("new-websites", "wikipedia-new-articles", "cs-abstracts",
                   "us-python-functions"):
        points = load_series(series)
        assert points[0] == (month_number("2022-11"), 0.0)
        assert all(source for source in points.sources)
        assert any(source.startswith("arXiv") for source in points.sources)


def test_a_measured_schedule_interpolates_and_stays_flat_after_the_last_measurement():
    policy = WebScrape(schedule="measured", series="wikipedia-new-articles",
                       first_month="2022-11", months_per_generation=3)
    shares = [policy.share(g) for g in range(2, 12)]
    assert shares[0] == 0.0
    assert shares[7] == pytest.approx(0.05)  # 2024-08: the measured 5%
    assert shares[3] == pytest.approx(0.05 * 9 / 21)  # 2023-08, 9 of the 21 months
    assert shares[-1] == pytest.approx(0.05)  # no claim beyond the measurement


def test_the_scrape_follows_the_measured_share():
    policy = WebScrape(schedule="measured", series="new-websites", months_per_generation=6)
    chain = Chain(zipf_world(50), CategoricalModel(), policy, n_samples=200, n_generations=8,
                  metrics=(CategoricalMetric("entropy"),),
                  filters=(filters.build("measured-detector", {}),))
    frame = chain.run(3, seed=1)
    assert frame[frame.metric == "entropy"]["value"].notna().all()
    kept = frame[frame.metric == "detector_kept_synthetic"]["value"].dropna()
    assert len(kept) and (kept < 1).all()
    assert 0 < policy.share(8) <= 0.35


def test_the_measured_detector_has_the_reported_rates():
    detector = filters.build("measured-detector", {})
    assert (detector.tpr, detector.fpr) == (0.994, 0.042)


@pytest.mark.parametrize("rows, message", [
    ("series,date,share\nweb,,0.1\n", "the date is missing"),
    ("series,date,share\nweb,2024/05,0.1\n", "is not YYYY-MM"),
    ("series,date,share\nweb,2024-05,1.5\n", "not in [0, 1]"),
])
def test_a_bad_schedule_file_is_one_line_and_exit_2(tmp_path, rows, message):
    data = tmp_path / "shares.csv"
    data.write_text(rows)
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\ndescription = "bad"\nworld = "zipf"\nmodel = "categorical"\n'
                    'samples = 20\ngenerations = 2\nreplicates = 2\n'
                    f'policy = {{name = "web-scrape", schedule = "measured", series = "web", '
                    f'path = "{data}"}}\n')
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_low_background_words_are_wordfreqs_pre_2021_english():
    pytest.importorskip("msgpack")
    from modelcollapse.families.categorical.low_background import (
        low_background_frequencies,
        low_background_world,
    )

    try:
        words, p = low_background_frequencies(500)
    except ImportError:
        pytest.skip("wordfreq is not installed (pip install 'modelcollapse[lowbackground]')")
    assert words[:3] == ("the", "to", "and") and np.isclose(p.sum(), 1.0)
    assert (np.diff(p) <= 0).all()
    drifting = low_background_world(500, drift=0.1)
    later = drifting.at(5).probabilities
    assert np.isclose(later[500:].sum(), 1 - 0.9**4)
