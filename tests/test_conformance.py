"""Every registered model against the model contract, as scikit-learn's estimator checks.

The list of models is the registry itself: a newly registered model is checked
here without editing this file, from the example settings it registers with
(``models.register(name, example=...)``). The contract (``models/base.py``):

- ``clone()`` gives an unfitted copy with equal settings;
- ``fit(data, rng=...)`` returns the model itself and leaves its settings alone;
- the same streams give the same fit and the same writing, other streams other writing;
- what a model writes is never labelled real data (origin 0);
- a chain reports exactly the metric names it announces;
- the model runs under every general data policy.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from modelcollapse.core.model import settings
from modelcollapse.core.registry import models
from modelcollapse.experiment.schema import parse_experiment
from modelcollapse.experiment.sweep import build_chain

MODELS = models.names()
POLICIES = ["replace", "accumulate", "accumulate-subsample(40)", "fresh-real(0.25)",
            "keep-original(0.25)",
            {"name": "web-scrape", "schedule": "logistic", "start": 0.2, "end": 0.8,
             "horizon": 3}]


def chain_of(name: str, example: dict, policy="replace", generations: int = 2):
    """The chain of ``name``'s example under ``policy``."""
    assert example is not None, (f"model {name!r} registers no example: pass "
                                 "models.register(name, example={...})")
    body = {key: value for key, value in example.items() if key != "model"}
    experiment = parse_experiment({"name": f"conformance-{name}", "generations": generations,
                                   "replicates": 2, "seed": 3, "policy": policy, **body,
                                   "model": {"name": name, **example.get("model", {})}})
    return build_chain(experiment)


def same(a, b) -> bool:
    """Equal settings: values compare equal, arrays elementwise, objects by their repr."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b)
    try:
        return bool(a == b) or repr(a) == repr(b)
    except (TypeError, ValueError):
        return repr(a) == repr(b)


def lineage(model) -> dict:
    """What the chain passes to a model that must know its generation."""
    return {"generation": 1, "first": None} if getattr(model, "needs_lineage", False) else {}


def inputs_for(chain, data, n: int, rng):
    """What the chain gives a model to write after: inputs, prompts, or nothing."""
    if getattr(chain.world, "fixed_design", False):
        return data.X[:n]
    if getattr(chain.model, "conditional", True):
        return chain.world.draw_inputs(n, rng=rng)
    return None


@pytest.mark.parametrize("name", MODELS)
def test_model_is_a_dataclass_whose_clone_keeps_its_settings(name, examples):
    model = chain_of(name, examples[name]).model
    assert dataclasses.is_dataclass(model), "settings are dataclass fields (models/base.py)"
    copy = model.clone()
    assert type(copy) is type(model) and copy is not model
    for key, value in settings(model).items():
        assert same(getattr(copy, key), value), f"clone changed {key!r}"


@pytest.mark.parametrize("name", MODELS)
def test_model_names_registered_default_metrics(name):
    from modelcollapse.core.registry import metrics

    defaults = models.default_metrics(name)
    assert defaults, f"register {name!r} with metrics=[...] (what it measures by default)"
    assert set(defaults) <= set(metrics.names())


@pytest.mark.parametrize("name", MODELS)
def test_fit_returns_the_model_and_leaves_its_settings_alone(name, examples):
    chain = chain_of(name, examples[name])
    model = chain._template().clone()
    before = settings(model)
    data = chain.world.sample(chain.n_samples, rng=np.random.default_rng(0))
    fitted = model.fit(data, rng=np.random.default_rng(1), **lineage(model))
    assert fitted is model, "fit returns self"
    for key, value in before.items():
        assert same(getattr(model, key), value), f"fit changed the setting {key!r}"


@pytest.mark.parametrize("name", MODELS)
def test_streams_decide_fit_and_writing_and_nothing_written_claims_to_be_real(name, examples):
    chain = chain_of(name, examples[name])
    data = chain.world.sample(chain.n_samples, rng=np.random.default_rng(0))

    def written(fit_seed: int, write_seed: int):
        model = chain._template().clone()
        model.fit(data, rng=np.random.default_rng(fit_seed), **lineage(model))
        # Other streams draw other inputs too: a classifier labelling by argmax
        # writes the same labels for the same inputs whatever its stream.
        X = inputs_for(chain, data, 8, np.random.default_rng(write_seed))
        return model.sample(8, rng=np.random.default_rng(write_seed), X=X)

    first, again, other = written(1, 2), written(1, 2), written(1, 5)
    np.testing.assert_array_equal(first.X, again.X)
    if first.y is not None:
        np.testing.assert_array_equal(first.y, again.y)
    differs = not np.array_equal(first.X, other.X) or (
        first.y is not None and not np.array_equal(first.y, other.y))
    assert differs, "another stream writes something else"
    assert (np.asarray(first.origin) != 0).all(), "model-written data is never labelled real"


@pytest.mark.parametrize("name", MODELS)
def test_a_chain_reports_the_metrics_it_announces_and_repeats_itself(name, examples):
    chain = chain_of(name, examples[name])
    frame = chain.run(2, seed=3)
    assert set(frame.metric) == set(chain.metric_names())
    pd.testing.assert_frame_equal(frame, chain_of(name, examples[name]).run(2, seed=3))
    assert not frame.value.equals(chain.run(2, seed=4).value), "another seed, other figures"


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p if isinstance(p, str) else p["name"])
@pytest.mark.parametrize("name", MODELS)
def test_every_model_runs_under_every_general_policy(name, policy, examples):
    frame = chain_of(name, examples[name], policy, generations=3).run(2, seed=1)
    assert sorted(frame.generation.unique()) == [1, 2, 3]
    ok = frame[frame.status == "ok"]
    assert len(ok) > 0 and not np.isinf(ok.value).any()
    assert ok.value.notna().any()  # NaN only where a figure is undefined (nothing to count)
