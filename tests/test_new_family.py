"""A new family is one folder: written outside the package, registered by an entry point, run.

The folder below is everything a coin-flipping family needs: a world, a model,
a metric and their registration (with the model's default metrics and the
settings of its smallest run). Nothing in modelcollapse or in its tests names
it, yet ``modelcollapse list`` shows it, ``modelcollapse run`` runs it from a
TOML file, and the conformance checks that every built-in model passes pass
for it too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

FAMILY = '''
"""A biased coin: the world flips it, the model estimates its bias and flips its own."""

from dataclasses import dataclass, field

import numpy as np

from modelcollapse.core.data import Dataset
from modelcollapse.core.registry import metrics, models, worlds
from modelcollapse.core.model import Model


@dataclass(frozen=True)
class CoinWorld:
    """Flips of a coin that lands heads with probability ``p``."""

    p: float = 0.3

    def sample(self, n, *, rng):
        return Dataset.real((rng.random(n) < self.p).astype(np.int64), None)


@dataclass
class CoinModel(Model):
    """The share of heads in its training flips, flipped again."""

    prior_heads: float = 0.0
    p_: float = field(init=False, default=float("nan"))

    conditional = False

    def fit(self, data, *, rng=None):
        self.p_ = (data.X.sum() + self.prior_heads) / (len(data.X) + 2 * self.prior_heads)
        return self

    def sample(self, n, *, rng, X=None):
        return Dataset.synthetic((rng.random(n) < self.p_).astype(np.int64), None, 1)


@dataclass(frozen=True)
class BiasError:
    """|p̂ - p|, how far the model's coin is from the world's."""

    name = "bias_error"

    def names(self, model):
        return (self.name,)

    def applies(self, model, world):
        return isinstance(world, CoinWorld)

    def measure(self, model, world, context):
        return {self.name: abs(model.p_ - world.p)}


worlds.register("coin")(CoinWorld)
metrics.register("bias_error")(BiasError)
models.register("coin", example={"world": "coin", "samples": 20},
                metrics=["bias_error"])(CoinModel)
'''

EXPERIMENT = '''
name = "coin-collapse"
description = "A coin re-estimated from its own flips, 30 generations."
seed = 5
generations = 30
replicates = 200
samples = 20
world = "coin"
model = "coin"

[sweep]
policy = ["replace", "accumulate"]
'''


@pytest.fixture(scope="module")
def outside(tmp_path_factory):
    """A folder on no path modelcollapse knows, holding the family and its entry point."""
    root = tmp_path_factory.mktemp("outside")
    (root / "coinfamily").mkdir()
    (root / "coinfamily" / "__init__.py").write_text(textwrap.dedent(FAMILY))
    info = root / "coinfamily-0.1.dist-info"  # what `pip install` of the folder would write
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: coinfamily\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[modelcollapse.plugins]\ncoin = coinfamily\n")
    (root / "coin.toml").write_text(EXPERIMENT)
    return root


def cli(root, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), *sys.path])}
    return subprocess.run([sys.executable, "-m", "modelcollapse", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_command_line_lists_and_runs_a_family_it_has_never_heard_of(outside):
    listed = cli(outside, "list", "model")
    assert listed.returncode == 0 and "coin — The share of heads" in listed.stdout
    ran = cli(outside, "run", "coin.toml", "--out", "runs", "--workers", "1")
    assert ran.returncode == 0, ran.stderr
    query = cli(outside, "query", "runs/coin-collapse", "select policy, avg(value) from results "
                "where generation = 30 group by 1 order by 1", "--csv")
    assert query.returncode == 0, query.stderr
    error = dict(line.split(",") for line in query.stdout.split()[1:])
    # Under replace the coin's estimate drifts (a Wright-Fisher walk to 0 or 1); accumulating
    # every flip keeps it near p. Two hundred replicates separate the two by far.
    assert float(error["replace"]) > 2 * float(error["accumulate"])


def test_the_conformance_checks_pass_for_it(outside, monkeypatch):
    import tests.test_conformance as conformance
    from modelcollapse.core.registry import metrics, models, worlds

    # Registered in this process for this test only: later tests see the registries as before.
    for registry in (worlds, models, metrics):
        for table in ("_factories", "_examples", "_metrics"):
            monkeypatch.setattr(registry, table, dict(getattr(registry, table)))
    monkeypatch.syspath_prepend(str(outside))
    monkeypatch.delitem(sys.modules, "coinfamily", raising=False)
    __import__("coinfamily")
    examples = {"coin": models.example("coin", outside)}
    conformance.test_model_is_a_dataclass_whose_clone_keeps_its_settings("coin", examples)
    conformance.test_model_names_registered_default_metrics("coin")
    conformance.test_fit_returns_the_model_and_leaves_its_settings_alone("coin", examples)
    conformance.test_streams_decide_fit_and_writing_and_nothing_written_claims_to_be_real(
        "coin", examples)
    conformance.test_a_chain_reports_the_metrics_it_announces_and_repeats_itself(
        "coin", examples)
    for policy in conformance.POLICIES:
        conformance.test_every_model_runs_under_every_general_policy("coin", policy, examples)
    assert np.isfinite(models.build("coin", {"prior_heads": 1.0}).prior_heads)


def test_every_folder_under_families_is_found_and_registers_itself():
    """A family inside the package is a folder: the registry finds it without a list."""
    import pkgutil

    import modelcollapse.families as families
    from modelcollapse.core import registry

    registry.models.names()  # the first look loads every family
    folders = {info.name for info in pkgutil.iter_modules(families.__path__)}
    assert {"regression", "gaussian", "language", "code"} <= folders
    for folder in folders:
        module = sys.modules[f"modelcollapse.families.{folder}"]
        registered = [name for kind in (registry.worlds, registry.models, registry.metrics)
                      for name, factory in kind._factories.items()
                      if _defined_in(factory, module.__name__)]
        assert registered, f"families/{folder} registers nothing"


def _defined_in(factory, package: str) -> bool:
    """Whether a registered factory (lazy, a class, a function or a partial) is ``package``'s."""
    if isinstance(factory, str):
        return factory.startswith(package + ".")
    module = getattr(getattr(factory, "func", factory), "__module__", "")
    return module == package or module.startswith(package + ".")
