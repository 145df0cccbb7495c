"""Generators and downstream models with their own settings; strong model collapse.

Dohmatob, Feng & Kempe 2024 (Theorem 4.1, and over-parameterised generators)
and Dohmatob et al. 2025 (a fixed synthetic share sets an error floor; real data
last avoids it), against simulations at 4 standard errors.
"""

import numpy as np
import pytest
from typer.testing import CliRunner

from modelcollapse import Chain, Replace
from modelcollapse.cli.main import app
from modelcollapse.families.linear.downstream import DownstreamRisk
from modelcollapse.families.linear.model import LinearRegression
from modelcollapse.families.linear.theory import fresh_design_theory, strong_collapse_theory
from modelcollapse.families.linear.world import LinearWorld


def _downstream(world, model, generator_samples, metric, generations, replicates, seed=1):
    chain = Chain(world, model, Replace(), n_samples=generator_samples,
                  n_generations=generations, metrics=(metric,))
    frame = chain.run(replicates, seed=seed)
    return frame.pivot(index="replicate", columns="generation", values="value").to_numpy()


def _z(values, predicted):
    return (values.mean(axis=0) - predicted) / (values.std(axis=0, ddof=1)
                                                / np.sqrt(len(values)))


def test_theorem_4_1_generators_and_downstream_model_apart():
    """d = 10, T₀ = 30, σ₀ = 1 for the generators; T = 100, σ = 0.5 downstream."""
    sim = _downstream(LinearWorld(10, 1.0), LinearRegression(), 30,
                      DownstreamRisk(n_samples=100, noise=0.5), 4, 1000)
    line = fresh_design_theory(10, 30, 1.0, 100, 0.5, 4)["value"].to_numpy()
    assert np.abs(_z(sim, line)).max() < 4
    # Power: the downstream model's settings in place of the generators' are rejected.
    swapped = fresh_design_theory(10, 100, 0.5, 30, 1.0, 4)["value"].to_numpy()
    assert np.abs(_z(sim, swapped)).max() > 4


def test_over_parameterised_generators_forget_and_the_error_grows_with_n():
    """T₀ = 8 < d = 20, min-norm generators: (1 − rⁿ)(‖w*‖² + s/(1 − r)), r = 0.4."""
    sim = _downstream(LinearWorld(20, 0.3), LinearRegression(min_norm=True), 8,
                      DownstreamRisk(n_samples=100, noise=0.5), 6, 1000)
    line = fresh_design_theory(20, 8, 0.3, 100, 0.5, 6)["value"].to_numpy()
    assert np.abs(_z(sim, line)).max() < 4
    assert (np.diff(sim.mean(axis=0)) > 0).all()
    noiseless = _downstream(LinearWorld(20, 0.0), LinearRegression(min_norm=True), 8,
                            DownstreamRisk(n_samples=100, noise=0.0), 4, 300)
    assert np.abs(_z(noiseless, 1 - 0.4 ** np.arange(1, 5))).max() < 4  # grows at σ₀ = 0


@pytest.mark.parametrize("n_samples, order", [(400, "mixed"), (1600, "mixed"),
                                              (400, "synthetic-first"),
                                              (1600, "synthetic-first")])
def test_a_fixed_synthetic_share_sets_a_floor_that_real_data_last_avoids(n_samples, order):
    """p = 0.2 of the mix from a generator fitted on 20 real items (e = 5/14), d = 5."""
    sim = _downstream(LinearWorld(5, 1.0), LinearRegression(), 20,
                      DownstreamRisk(n_samples, synthetic_share=0.2, order=order), 1, 2000)
    predicted = strong_collapse_theory(5, n_samples, 0.2, 5 / 14, 1.0, order=order)
    assert abs(_z(sim, predicted)[0]) < 4
    if order == "mixed":  # power: the floor p²e is needed, real-data-only error is rejected
        assert _z(sim, 5 / (n_samples - 6))[0] > 8
        assert sim.mean() > 0.2**2 * 5 / 14


def test_the_floor_does_not_fall_with_more_data():
    floor = 0.1**2 * 0.5
    values = [strong_collapse_theory(10, n, 0.1, 0.5, 1.0) for n in (10**3, 10**5, 10**7)]
    assert values[0] > values[1] > values[2] > floor
    assert values[2] == pytest.approx(floor, rel=1e-2)
    wider = [strong_collapse_theory(d, 200, 0.1, 0.5, 0.0) for d in (5, 50, 150)]
    assert wider[0] < wider[1] < wider[2]  # wider models amplify, towards d ≈ n


@pytest.mark.parametrize("setting, message", [
    ("synthetic_share = 1.5", "synthetic_share must lie in [0, 1]"),
    ("synthetic_share = -0.1", "synthetic_share must lie in [0, 1]"),
    ("order = 'real-first'", "order must be 'mixed' or 'synthetic-first'"),
])
def test_bad_downstream_settings_are_one_line_and_exit_2(tmp_path, setting, message):
    path = tmp_path / "bad.toml"
    path.write_text(f'name = "bad"\ndescription = "bad"\nworld = "linear"\nmodel = "linear"\n'
                    f'samples = 20\ngenerations = 2\nreplicates = 2\n'
                    f'metrics = [{{name = "downstream_excess_risk", {setting}}}]\n')
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_the_report_overlays_theorem_4_1_and_says_when_it_cannot():
    from modelcollapse.experiment.theory import chain_theory

    chain = Chain(LinearWorld(10, 1.0), LinearRegression(min_norm=True), Replace(),
                  n_samples=8, n_generations=3, metrics=(DownstreamRisk(100, 0.5),))
    rows = chain_theory(chain, "downstream_excess_risk", 3)
    expected = fresh_design_theory(10, 8, 1.0, 100, 0.5, 3)["value"]
    np.testing.assert_allclose(rows["value"], expected)
    mixed = Chain(LinearWorld(10, 1.0), LinearRegression(), Replace(), n_samples=30,
                  n_generations=3, metrics=(DownstreamRisk(100, synthetic_share=0.5),))
    assert chain_theory(mixed, "downstream_excess_risk", 3).startswith("no theory line")
