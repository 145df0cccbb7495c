"""Self-correcting loops (Gillman et al. 2024): a correction of strength γ keeps chains stable."""

import numpy as np
import pytest
from typer.testing import CliRunner

from modelcollapse import Chain, Replace
from modelcollapse.cli.main import app
from modelcollapse.core.data import Dataset
from modelcollapse.families.gaussian.metrics import GaussianMetric
from modelcollapse.families.gaussian.model import GaussianModel
from modelcollapse.families.gaussian.theory import self_correction_theory
from modelcollapse.families.gaussian.world import gaussian_world
from modelcollapse.filters.curation import SelfCorrection

M, R, G = 20, 600, 6


def test_the_corrected_chain_follows_its_recursion_and_stays_stable():
    chain = Chain(gaussian_world(1), GaussianModel("mle"), Replace(), n_samples=M,
                  n_generations=G, metrics=(GaussianMetric("variance"),
                                            GaussianMetric("mean_error")),
                  filters=(SelfCorrection(0.3),))
    frame = chain.run(R, seed=2)

    def table(name):
        return frame[frame.metric == name].pivot(index="replicate", columns="generation",
                                                 values="value").to_numpy()

    sim = {"variance": table("variance"), "mean_error_squared": table("mean_error") ** 2}
    theory = self_correction_theory(M, 1.0, 0.3, G)
    uncorrected = self_correction_theory(M, 1.0, 0.0, G)
    for name, values in sim.items():
        line = theory[theory.metric == name]["value"].to_numpy()
        se = values.std(axis=0, ddof=1) / np.sqrt(R)
        assert np.abs((values.mean(axis=0) - line) / se).max() < 4, name
        other = uncorrected[uncorrected.metric == name]["value"].to_numpy()
        assert abs((values.mean(axis=0) - other) / se)[-1] > 4, name  # power: γ matters


def test_full_strength_gives_the_synthetic_batch_the_worlds_moments():
    rng = np.random.default_rng(0)
    batch = Dataset.synthetic(rng.normal(3.0, 0.2, size=(500, 1)), None, 1)
    real = Dataset.real(rng.normal(size=(5, 1)))
    corrected, figures = SelfCorrection(1.0).apply(Dataset.concat([real, batch]),
                                                   world=gaussian_world(1), rng=rng)
    moved = corrected.X[corrected.origin != 0]
    assert moved.mean() == pytest.approx(0.0, abs=1e-12)
    assert moved.std() == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_array_equal(corrected.X[corrected.origin == 0], real.X)
    assert figures["corrected_share"] == pytest.approx(500 / 505)


def test_the_fixed_point_is_finite_for_any_positive_strength():
    for gamma in (0.05, 0.5, 1.0):
        late = self_correction_theory(M, 1.0, gamma, 2000)
        variance = late[late.metric == "variance"]["value"].to_numpy()
        assert abs(variance[-1] - variance[-2]) < 1e-9 and variance[-1] > 0.3


@pytest.mark.parametrize("strength", [-0.1, 1.5])
def test_a_strength_outside_0_1_is_one_line_and_exit_2(tmp_path, strength):
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\ndescription = "bad"\nworld = "gaussian"\nmodel = "gaussian"\n'
                    'samples = 20\ngenerations = 2\nreplicates = 2\n'
                    f'filters = [{{name = "self-correction", strength = {strength}}}]\n')
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "correction strength must lie in [0, 1]" in result.output
    assert len(result.output.strip().splitlines()) == 1
