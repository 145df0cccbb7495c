"""Every registered model × every policy × every filter builds from an experiment and runs.

Tiny sizes: this checks that the combinations work end to end (rows for every
generation, finite figures, kept shares recorded), not what they show — the
family, policy, filter and theory tests check that.
"""

import numpy as np
import pytest

from modelcollapse.core.registry import models, worlds
from modelcollapse.experiment.schema import ConfigError, parse_experiment
from modelcollapse.experiment.sweep import build_chain

MODELS = models.names()
"""Every registered model, each with the example settings it registered (read from the registry)."""

VARIANTS = {
    "linear-fixed": {"world": {"name": "linear", "dim": 3, "design": "fixed"},
                     "model": "linear", "samples": 20},
    "linear-fresh-ridge": {"world": {"name": "linear", "dim": 3, "design": "fresh"},
                           "model": {"name": "linear", "ridge": 0.1}, "samples": 20},
    "gaussian-2d-unbiased": {"world": {"name": "gaussian", "dim": 2},
                             "model": {"name": "gaussian", "estimator": "unbiased"},
                             "samples": 20},
    "gaussian-truncated": {"world": "gaussian",
                           "model": {"name": "gaussian", "truncate_sd": 2.0}, "samples": 20},
    "zipf-top-p": {"world": {"name": "zipf", "vocabulary": 50},
                   "model": {"name": "categorical", "top_p": 0.9}, "samples": 100},
    "digits": {"world": "digits",
               "model": {"name": "classifier", "params": {"max_iter": 50}}, "samples": 60},
}
"""Settings of registered models that take other code paths than their examples."""

POLICIES = [
    "replace", "accumulate", "accumulate-subsample(40)", "fresh-real(0.25)",
    "keep-original(0.25)",
    {"name": "web-scrape", "schedule": "logistic", "start": 0.2, "end": 0.8, "horizon": 3},
]
FILTERS = {
    "none": [],
    "detector": [{"name": "detector", "tpr": 0.7, "fpr": 0.1}],
    "verifier": [{"name": "verifier", "keep_correct": 0.9, "keep_wrong": 0.2,
                  "tolerance": 0.3}],
    "human-review": [{"name": "human-review", "budget": 5, "accuracy": 0.9, "tolerance": 0.3}],
}


def _policy_id(policy) -> str:
    return policy if isinstance(policy, str) else policy["name"]


def _settings(family: str, examples: dict) -> dict:
    """World, model and samples of a registered model's example, or of a variant."""
    if family in VARIANTS:
        return VARIANTS[family]
    example = examples[family]
    return {**example, "model": {"name": family, **example.get("model", {})}}


def _judged(world: dict | str) -> bool:
    """Whether verifiers and reviewers can judge the world's items: it knows a truth for each
    (a true function, true labels, or its own notion of a correct item)."""
    world = {"name": world} if isinstance(world, str) else world
    built = worlds.build(world["name"], {k: v for k, v in world.items() if k != "name"})
    return any(hasattr(built, truth) for truth in ("true_function", "true_labels", "is_correct"))


@pytest.mark.parametrize("curation", FILTERS)
@pytest.mark.parametrize("policy", POLICIES, ids=_policy_id)
@pytest.mark.parametrize("family", [*MODELS, *VARIANTS])
def test_family_policy_filter_runs(family, policy, curation, examples):
    family_settings = _settings(family, examples)
    settings = {"name": "smoke", "generations": 3, "replicates": 2, "seed": 1,
                "policy": policy, "filters": FILTERS[curation], **family_settings}
    experiment = parse_experiment(settings)
    if curation in ("verifier", "human-review") and not _judged(family_settings["world"]):
        with pytest.raises(ConfigError, match="true labels or a true function"):
            build_chain(experiment)
        return
    try:
        chain = build_chain(experiment)
    except ConfigError as error:  # a family may refuse a filter, in one line naming it
        assert curation != "none" and repr(curation) in str(error), error
        return
    frame = chain.run(2, seed=1)
    assert sorted(frame.generation.unique()) == [1, 2, 3]
    assert set(frame.replicate) == {0, 1}
    ok = frame[frame.status == "ok"]
    assert len(ok) > 0
    if curation != "none":  # recorded every generation; a replicate may end degenerate
        assert (frame.metric == "contamination").sum() == 2 * 3
        contamination = ok[ok.metric == "contamination"]
        later = contamination[contamination.generation > 1].value
        assert ((later >= 0) & (later <= 1)).all()
    measured = ok[~ok.metric.str.startswith(("detector", "verifier", "review", "contamination"))]
    # Some figures are undefined in some generations (the age of invented names before any
    # is published): NaN there, never infinite, and each figure is defined somewhere.
    assert not np.isinf(measured.value).any()
    assert measured.groupby("metric").value.apply(lambda v: np.isfinite(v).any()).all()
