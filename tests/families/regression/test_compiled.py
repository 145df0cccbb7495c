"""The polynomial kernel's compiled statistics give the numpy path's results, bit for bit."""

import pandas as pd
import pytest

from modelcollapse import Chain, PolynomialRegression, cosine_world
from modelcollapse.families.regression import kernel
from modelcollapse.policies.training_sets import (
    Accumulate,
    AccumulateSubsample,
    FreshReal,
    KeepOriginal,
    Replace,
    WebScrape,
)

if kernel.compiled_pass() is None:   # the [test] extra installs numba
    pytest.skip("no compiled pass here (numba missing, MODELCOLLAPSE_NUMBA=0, or its sums "
                "differ from numpy's)", allow_module_level=True)


def run(chain, monkeypatch, use_numba: bool, replicates: int = 300) -> pd.DataFrame:
    with monkeypatch.context() as patch:
        if not use_numba:
            patch.setattr(kernel, "compiled_pass", lambda: None)
        return chain.run(replicates, seed=7)


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


@pytest.mark.parametrize("replicates", [1, 2, 4097])
def test_chunks_of_one_replicate_give_the_same_results_too(replicates, monkeypatch):
    # numpy sums a one-replicate chunk pairwise, so such a chunk keeps the numpy path;
    # 4097 replicates end in a chunk of one.
    chain = Chain(cosine_world(noise=0.1), PolynomialRegression(degree=3), Replace(),
                  n_samples=30, n_generations=4)
    pd.testing.assert_frame_equal(run(chain, monkeypatch, True, replicates),
                                  run(chain, monkeypatch, False, replicates), check_exact=True)


def test_the_compiled_pass_runs_up_to_a_cubic_on_chunks_of_two_or_more():
    def family(degree, replicates=10):
        chain = Chain(cosine_world(noise=0.1), PolynomialRegression(degree=degree), Replace(),
                      n_samples=30, n_generations=2)
        return kernel.PolynomialFamily(chain, replicates)

    assert family(3).compiled is not None
    assert family(4).compiled is None and family(3, replicates=1).compiled is None
