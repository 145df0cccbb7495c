"""The package-name family: mistakes, the closed form, kernel against loop, squatter, defences."""

import gzip

import numpy as np
import pytest
from typer.testing import CliRunner

from modelcollapse import Chain
from modelcollapse.cli.main import app
from modelcollapse.core.artifacts import ArtifactLog
from modelcollapse.families.code.packages import compiled
from modelcollapse.families.code.packages.defences import RegistryCheck
from modelcollapse.families.code.packages.metrics import PACKAGE_METRICS, PackageNameMetric
from modelcollapse.families.code.packages.mistakes import EDITS, candidate_mistakes
from modelcollapse.families.code.packages.model import PackageWriter
from modelcollapse.families.code.packages.theory import invented_rate_theory
from modelcollapse.families.code.packages.world import PackageNameWorld
from modelcollapse.filters.curation import HumanReview
from modelcollapse.policies.training_sets import (
    Accumulate,
    AccumulateSubsample,
    FreshReal,
    KeepOriginal,
    Replace,
    WebScrape,
)

METRICS = tuple(PackageNameMetric(name) for name in PACKAGE_METRICS)
N_PACKAGES = 150
PASSES = [pytest.param(True, id="numba", marks=pytest.mark.skipif(
    not compiled.available(), reason="numba is not installed (the [fast] extra)")),
    pytest.param(False, id="numpy")]


def chain(policy=None, filters=(), squatter=0, generations=6, samples=200, h=0.217):
    world = PackageNameWorld(n_packages=N_PACKAGES, squatter_names=squatter)
    return Chain(world, PackageWriter(hallucination_rate=h), policy=policy or Replace(),
                 n_samples=samples, n_generations=generations, metrics=METRICS,
                 filters=filters)


def by_generation(frame, metric):
    rows = frame[frame["metric"] == metric]
    return rows.groupby("generation")["value"].agg(["mean", "sem", "count"])


def test_every_edit_changes_the_name_and_the_draws_repeat_for_a_seed():
    rng = np.random.default_rng(3)
    for edit in EDITS.values():
        wrong = edit("requests", rng)
        assert wrong and wrong != "requests"
    first = candidate_mistakes("numpy", ["pandas"], np.random.default_rng(5))
    again = candidate_mistakes("numpy", ["pandas"], np.random.default_rng(5))
    assert first == again and len(first) >= 8


def test_invented_names_are_not_real_and_remember_what_they_imitate():
    universe = PackageNameWorld(n_packages=N_PACKAGES).universe
    invented = [name for name, flag in zip(universe.names, universe.invented, strict=True)
                if flag]
    assert invented and not any(universe.registry.is_real(name) for name in invented)
    assert len(set(universe.names)) == len(universe.names)
    slips = universe.mistake_matrix(0.43)
    np.testing.assert_allclose(np.asarray(slips.sum(axis=1)).ravel(), 1.0)
    for v in np.flatnonzero(universe.invented)[:50]:
        root = universe.root[v]
        assert universe.mistake_start[root] <= v < universe.mistake_stop[root]


@pytest.mark.parametrize("policy", [Replace(), Accumulate(), FreshReal(0.25),
                                    WebScrape("linear", 0.0, 0.9, 4)],
                         ids=["replace", "accumulate", "fresh-real", "web-scrape"])
def test_invented_rate_follows_its_closed_form_within_4_standard_errors(policy):
    # 1,500 replicates: the standard error is about 0.001, while r_g moves by 0.02–0.17 a
    # generation, so a wrong recursion (a missing (1 − h), a share off by one generation)
    # misses by far more than 4 SE.
    frame = chain(policy).run(1500, seed=11)
    theory = invented_rate_theory(0.217, policy, 200, 6)
    expected = theory[theory["metric"] == "invented_name_rate"]["value"].to_numpy()
    seen = by_generation(frame, "invented_name_rate")
    # Generation 1 is exactly h in every replicate (SE 0): allow rounding there.
    gap = np.abs(seen["mean"].to_numpy() - expected)
    assert np.all(gap < 4 * seen["sem"].to_numpy() + 1e-12), gap / seen["sem"].to_numpy()
    if isinstance(policy, Replace):
        np.testing.assert_allclose(expected, 1 - (1 - 0.217) ** np.arange(1, 7))


@pytest.mark.parametrize("policy", [Replace(), KeepOriginal(0.3), AccumulateSubsample(150)],
                         ids=["replace", "keep-original", "accumulate-subsample"])
def test_the_batched_kernel_and_the_loop_agree_in_distribution(policy):
    plain = chain(policy, samples=100, generations=4)
    batched = plain.run(400, seed=2)
    loop = plain.run(400, seed=3, engine="loop")
    for metric in ("invented_name_rate", "invented_names_known", "real_packages_known",
                   "invented_top10_share"):
        a, b = by_generation(batched, metric), by_generation(loop, metric)
        gap = np.abs(a["mean"] - b["mean"]).to_numpy()
        assert np.all(gap < 4 * np.hypot(a["sem"], b["sem"]).to_numpy() + 1e-12), metric


def test_share_and_concentration_of_invented_names_grow_under_replace():
    frame = chain(generations=8).run(300, seed=5)
    rate = by_generation(frame, "invented_name_rate")["mean"].to_numpy()
    known = by_generation(frame, "invented_names_known")["mean"].to_numpy()
    age = by_generation(frame, "invented_name_age")["mean"].to_numpy()
    assert np.all(np.diff(rate) > 0) and rate[-1] > 0.8
    assert known[-1] > known[1] and np.all(np.diff(age[1:]) > 0)


def test_the_squatter_defeats_a_live_registry_check_but_not_a_low_background_one():
    live = chain(WebScrape("linear", 0.0, 0.9, 4), (RegistryCheck("live"),), squatter=5)
    low = chain(WebScrape("linear", 0.0, 0.9, 4),
                (RegistryCheck("low-background", cutoff="2026-12"),), squatter=5)
    installs = by_generation(live.run(200, seed=7), "squatted_install_rate")["mean"]
    assert installs.iloc[0] > 0 and installs.iloc[-1] > 2 * installs.iloc[0]
    held = low.run(200, seed=7)
    assert (held[held["metric"] == "squatted_install_rate"]["value"] == 0).all()
    assert (held[held["metric"] == "invented_name_rate"]["value"] == 0).all()
    names = by_generation(held, "squatted_names")["mean"].to_numpy()
    np.testing.assert_allclose(names, 5 * np.arange(1, 7))   # he registers, nobody installs
    none = chain(squatter=0).run(50, seed=7)
    assert (none[none["metric"] == "squatted_install_rate"]["value"] == 0).all()


def test_an_early_cutoff_rejects_maintained_real_packages_and_review_costs_little():
    strict = chain(filters=(RegistryCheck("low-background", cutoff="2022-11"),))
    rejected = by_generation(strict.run(50, seed=1), "real_names_rejected")["mean"]
    assert rejected.iloc[0] > 0.5     # a lower bound: most top packages released since
    review = chain(filters=(HumanReview(budget=50, accuracy=0.9),)).run(200, seed=1)
    rate = by_generation(review, "invented_name_rate")["mean"].iloc[0]
    # Each write is read with chance 50/200 and an invented one dropped 90% of the time.
    kept = 0.217 * (1 - 0.25 * 0.9)
    expected = kept / (kept + 0.783 * (1 - 0.25 * 0.1))
    assert rate == pytest.approx(expected, abs=1e-9)


def test_the_loop_refuses_a_squatter_and_the_kernel_keeps_the_top_names():
    with pytest.raises(ValueError, match="only on the batched kernel"):
        chain(squatter=3).run(2, seed=0, engine="loop")
    log = ArtifactLog()
    chain(squatter=3, generations=2).run(3, seed=0, artifacts=log)
    kept = log.frame()
    assert set(kept["generation"]) == {1, 2} and set(kept["name"]) == {"top_invented_names"}
    import json
    table = json.loads(kept["text"].iloc[-1])
    assert table and {"name", "imitates", "edit", "squatted"} <= set(table[0])


runner = CliRunner()


def write_experiment(tmp_path, filters: str) -> str:
    path = tmp_path / "squat.toml"
    path.write_text(f'name = "squat"\ngenerations = 2\nreplicates = 2\nsamples = 50\n'
                    f'world = {{ name = "package-names", n_packages = {N_PACKAGES} }}\n'
                    f'model = "package-writer"\nfilters = [{filters}]\n')
    return str(path)


@pytest.mark.parametrize("filters, message", [
    ('{ name = "registry-check", registry = "low-background", cutoff = "Nov 2022" }',
     "cutoff must be a month written YYYY-MM"),
    ('{ name = "registry-check", registry = "low-background", months = "NAMES" }',
     "give a file whose header is"),
    ('{ name = "registry-check", registry = "yesterday" }', "registry must be 'live'"),
])
def test_bad_defences_are_one_line_and_exit_2(tmp_path, filters, message):
    names = tmp_path / "names.tsv.gz"
    names.write_bytes(gzip.compress(b"name\tdownload_rank\nrequests\t6\n"))
    result = runner.invoke(app, ["validate", write_experiment(
        tmp_path, filters.replace("NAMES", str(names)))])
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("filters", [(), (RegistryCheck("live"),),
                                     (RegistryCheck("live"), HumanReview(budget=40)),
                                     (RegistryCheck("low-background", cutoff="2024-06"),)],
                         ids=["none", "live", "live+review", "low-background"])
def test_the_kernels_rates_equal_those_recomputed_from_writes_and_acceptance(filters):
    # Every rate recomputed by hand from the write distribution W and an acceptance A built
    # here from the defences' own definitions, on random training sets that hold invented
    # names, after the squatter has acted twice.
    from modelcollapse.families.code.packages.kernel import PackageFamily
    from modelcollapse.families.code.packages.writing import name_counts

    full = chain(filters=filters, squatter=30)
    family = PackageFamily(full, 5)
    V, n_real = len(family.universe), family.n_real
    rng = np.random.default_rng(4)
    out = np.empty((5, len(full.metric_names())))
    for _ in range(2):
        state = rng.integers(0, V, size=(300, 5))
        state[:, 2] = rng.integers(0, n_real, size=300)          # one replicate all real
        family.fit((state,))
        family.measure(state, out)
    values = dict(zip(full.metric_names(), out.T, strict=True))
    W = full.model.writer.write_mass(state, name_counts(state, V))
    A = np.ones_like(W)
    for curation in filters:
        if isinstance(curation, RegistryCheck) and curation.registry == "live":
            A[:, n_real:] *= family.squatted
        elif isinstance(curation, RegistryCheck):
            A *= curation.known(full.world.universe)
        else:
            from modelcollapse.families.code.packages.defences import review_acceptance
            A *= review_acceptance(curation, full.world.universe, 200)
    published = W * A
    Z = published.sum(axis=1)
    alive = Z > 0              # a replicate whose every write is rejected publishes nothing
    assert np.all(np.isnan(values["invented_name_rate"][~alive]))
    expected = {
        "invented_name_rate": published[:, n_real:].sum(axis=1) / np.maximum(Z, 1e-300),
        "model_invented_rate": W[:, n_real:].sum(axis=1),
        "squatted_install_rate": (published[:, n_real:] * family.squatted).sum(axis=1)
        / np.maximum(Z, 1e-300),
        "real_names_rejected": 1 - published[:, :n_real].sum(axis=1) / W[:, :n_real].sum(axis=1),
    }
    for name, value in expected.items():
        np.testing.assert_allclose(values[name][alive], value[alive], rtol=1e-9, atol=1e-12,
                                   err_msg=name)
    assert family.squatted.sum(axis=1).max() == 60



@pytest.mark.parametrize("use_numba", PASSES)
@pytest.mark.parametrize("habit, h", [(0.43, 0.217), (0.05, 0.6), (1.0, 0.217)])
def test_the_plain_kernel_measures_what_the_dense_kernel_measures(habit, h, use_numba):
    # The same training sets (drawn by the plain kernel for six generations) measured by both
    # families: every metric, the names' age included, to float rounding.
    from modelcollapse.families.code.packages.kernel import PackageFamily
    from modelcollapse.families.code.packages.sparse import PlainPackageFamily

    full = Chain(PackageNameWorld(n_packages=N_PACKAGES), PackageWriter(h, habit), Replace(),
                 n_samples=300, n_generations=6, metrics=METRICS)
    plain, dense = PlainPackageFamily(full, 40), PackageFamily(full, 40)
    plain.compiled = use_numba
    rng = np.random.default_rng(0)
    (items,) = plain.real(300, rng)
    ours, theirs = np.empty((40, len(METRICS))), np.empty((40, len(METRICS)))
    for _ in range(6):
        state, _ = plain.fit((items,))
        plain.measure(state, ours)
        dense.measure(dense.fit((plain.order.external[state.items].T,))[0], theirs)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
        (items,) = plain.synthetic(state, 300, None, rng)


@pytest.mark.parametrize("use_numba", PASSES)
@pytest.mark.parametrize("habit", [0.43, 0.0, 1.0])
def test_the_plain_kernel_writes_names_as_the_write_distribution_says(habit, use_numba):
    # Two million writes of one fitted model against W cell by cell (|z| < 5.5 over about a
    # thousand cells), and nothing written outside W's support; likewise the real draws.
    from modelcollapse.families.code.packages.sparse import PlainPackageFamily, Training
    from modelcollapse.families.code.packages.writing import name_counts

    full = Chain(PackageNameWorld(n_packages=N_PACKAGES), PackageWriter(0.3, habit), Replace(),
                 n_samples=300, n_generations=2, metrics=METRICS)
    family = PlainPackageFamily(full, 1)
    family.compiled = use_numba
    order, V = family.order, len(full.world.universe)
    training = np.random.default_rng(1).integers(0, V, size=(1, 300))
    state = Training(np.sort(order.internal[training].astype(order.dtype), axis=1))
    n = 2_000_000
    for drawn, law in [
        (family.synthetic(state, n, None, np.random.default_rng(5))[0][:, 0],
         full.model.writer.write_mass(training.T, name_counts(training.T, V))[0]),
        (family.real(n, np.random.default_rng(6))[0][:, 0], full.world.probabilities),
    ]:
        seen = np.bincount(order.external[drawn], minlength=V) / n
        assert seen[law == 0].sum() == 0
        z = (seen - law)[law > 0] / np.sqrt(law * (1 - law) / n)[law > 0]
        assert np.abs(z).max() < 5.5


def test_the_plain_kernel_keeps_the_top_names_too():
    log = ArtifactLog()
    chain(generations=2).run(3, seed=0, artifacts=log)
    import json
    table = json.loads(log.frame()["text"].iloc[-1])
    assert table and not any(row["squatted"] for row in table)
    shares = [row["share of writes"] for row in table]
    assert shares == sorted(shares, reverse=True)


def test_the_top_units_and_the_floor_under_them_match_a_plain_sort():
    from modelcollapse.families.code.packages.sparse import _floor, _top_units

    rng = np.random.default_rng(3)
    R = 30
    groups = []
    for copies in (1, None):
        owner = np.sort(rng.integers(0, R, 200))
        groups.append((rng.integers(1, 40, 200).astype(float), copies if copies
                       else rng.integers(1, 8, 200), owner))
    units = [[] for _ in range(R)]
    for values, copies, owner in groups:
        for v, c, r in zip(values, np.broadcast_to(copies, values.shape), owner, strict=True):
            units[r] += [v] * int(c)
    expected = [sum(sorted(u, reverse=True)[:10]) for u in units]
    np.testing.assert_array_equal(_top_units(groups, R, 10), expected)
    counts, owner = groups[0][0].astype(np.int64), groups[0][2]
    floor = _floor(counts, owner, R, 10)
    for r in range(R):
        mine = counts[owner == r]
        t = floor[r]
        assert (t == 0 and (mine >= 1).sum() < 10) or ((mine >= t).sum() >= 10
                                                       and (mine >= 2 * t).sum() < 10)
