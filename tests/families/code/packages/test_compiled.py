"""The compiled passes of the plain package-name kernel give the numpy passes' values exactly."""

import numpy as np
import pandas as pd
import pytest

from modelcollapse import Chain
from modelcollapse.families.code.packages import compiled
from modelcollapse.families.code.packages.metrics import PACKAGE_METRICS, PackageNameMetric
from modelcollapse.families.code.packages.model import PackageWriter
from modelcollapse.families.code.packages.sparse import PlainPackageFamily, Training
from modelcollapse.families.code.packages.world import PackageNameWorld
from modelcollapse.policies.training_sets import (
    Accumulate,
    AccumulateSubsample,
    FreshReal,
    KeepOriginal,
    Replace,
    WebScrape,
)

if not compiled.available():   # the [test] extra installs numba
    pytest.skip("no compiled passes here (numba missing or MODELCOLLAPSE_NUMBA=0)",
                allow_module_level=True)

METRICS = tuple(PackageNameMetric(name) for name in PACKAGE_METRICS)


def package_chain(policy, h=0.217, habit=0.43, metrics=METRICS):
    return Chain(PackageNameWorld(n_packages=150), PackageWriter(h, habit), policy,
                 n_samples=200, n_generations=5, metrics=metrics)


def run(chain, monkeypatch, use_numba: bool) -> pd.DataFrame:
    with monkeypatch.context() as patch:
        patch.setattr(compiled, "available", lambda: use_numba)
        return chain.run(70, seed=11)


@pytest.mark.parametrize("policy", [Replace(), Accumulate(), AccumulateSubsample(150),
                                    FreshReal(0.25), KeepOriginal(0.3), WebScrape()],
                         ids=lambda p: type(p).__name__)
@pytest.mark.parametrize("h, habit", [(0.217, 0.43), (0.6, 0.05), (0.217, 1.0), (0.05, 0.0)])
def test_a_chain_gives_the_same_results_with_and_without_numba(policy, h, habit, monkeypatch):
    chain = package_chain(policy, h, habit)
    with_numba, without = run(chain, monkeypatch, True), run(chain, monkeypatch, False)
    assert with_numba["value"].notna().mean() > 0.9   # age is NaN while no invented name is held
    pd.testing.assert_frame_equal(with_numba, without, check_exact=True)


def test_without_the_age_metric_the_other_metrics_are_unchanged(monkeypatch):
    chain = package_chain(Replace(), metrics=(PackageNameMetric("invented_top10_share"),
                                              PackageNameMetric("invented_name_rate")))
    pd.testing.assert_frame_equal(run(chain, monkeypatch, True), run(chain, monkeypatch, False),
                                  check_exact=True)


def test_forgotten_replicates_measure_nan_on_both_paths():
    chain = package_chain(Replace())
    family = PlainPackageFamily(chain, 6)
    (items,) = family.real(200, np.random.default_rng(2))
    state, _ = family.fit((items,))
    dead = np.array([False, True, False, False, True, False])
    state = family.forget(state, dead)
    tables = []
    for use_numba in (True, False):
        family.compiled = use_numba
        family.first_seen[:] = 0
        out = np.empty((6, len(chain.metric_names())))
        family.measure(state, out)
        tables.append(out)
    rate = chain.metric_names().index("invented_name_rate")
    assert np.isnan(tables[0][dead]).all() and not np.isnan(tables[0][~dead, rate]).any()
    np.testing.assert_array_equal(tables[0], tables[1])


def test_the_draws_are_the_numpy_draws():
    family = PlainPackageFamily(package_chain(Replace()), 40)
    state = Training(family.real(200, np.random.default_rng(4))[0].T.copy())
    drawn = []
    for use_numba in (True, False):
        family.compiled = use_numba
        rng = np.random.default_rng(9)
        drawn.append((family.real(300, rng)[0], family.synthetic(state, 300, None, rng)[0]))
    for ours, theirs in zip(*drawn, strict=True):
        np.testing.assert_array_equal(ours, theirs)
