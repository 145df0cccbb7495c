"""The polynomial kernel's compiled statistics give the numpy path's results, bit for bit."""

import pandas as pd
import pytest

from modelcollapse import Chain, PolynomialRegression, cosine_world
from modelcollapse.core import compiled
from modelcollapse.policies.training_sets import (
    Accumulate,
    AccumulateSubsample,
    FreshReal,
    KeepOriginal,
    Replace,
    WebScrape,
)

pytest.importorskip("numba")   # the [test] extra installs it; without it there is one path


def run(chain, monkeypatch, use_numba: bool) -> pd.DataFrame:
    with monkeypatch.context() as patch:
        if not use_numba:
            patch.setattr(compiled, "load", lambda module: None)
        return chain.run(300, seed=7)


@pytest.mark.parametrize("policy", [Replace(), Accumulate(), AccumulateSubsample(40),
                                    FreshReal(0.2), KeepOriginal(0.3), WebScrape()],
                         ids=lambda p: type(p).__name__)
@pytest.mark.parametrize("degree", [0, 1, 2, 3, 5])
def test_a_polynomial_chain_gives_the_same_results_with_and_without_numba(policy, degree,
                                                                          monkeypatch):
    chain = Chain(cosine_world(noise=0.1), PolynomialRegression(degree=degree), policy,
                  n_samples=30, n_generations=8)
    with_numba, without = run(chain, monkeypatch, True), run(chain, monkeypatch, False)
    assert with_numba["value"].notna().all()
    pd.testing.assert_frame_equal(with_numba, without, check_exact=True)


def test_the_compiled_pass_runs_up_to_a_cubic():
    from modelcollapse.families.regression.kernel import PolynomialFamily

    def family(degree):
        chain = Chain(cosine_world(noise=0.1), PolynomialRegression(degree=degree), Replace(),
                      n_samples=30, n_generations=2)
        return PolynomialFamily(chain, 10)

    assert family(3).compiled is not None and family(4).compiled is None
