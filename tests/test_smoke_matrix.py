"""Every classical family × every policy × every filter builds from an experiment and runs.

Tiny sizes: this checks that the combinations work end to end (rows for every
generation, finite figures, kept shares recorded), not what they show — the
family, policy, filter and theory tests check that.
"""

import numpy as np
import pytest

from modelcollapse.experiment.schema import ConfigError, parse_experiment
from modelcollapse.experiment.sweep import build_chain

FAMILIES = {
    "polynomial": {"world": "cosine", "model": "polynomial", "samples": 30},
    "linear-fixed": {"world": {"name": "linear", "dim": 3, "design": "fixed"},
                     "model": "linear", "samples": 20},
    "linear-fresh-ridge": {"world": {"name": "linear", "dim": 3, "design": "fresh"},
                           "model": {"name": "linear", "ridge": 0.1}, "samples": 20},
    "sklearn-regressor": {"world": "cosine", "model": "sklearn-regressor", "samples": 30},
    "gaussian-2d-unbiased": {"world": {"name": "gaussian", "dim": 2},
                             "model": {"name": "gaussian", "estimator": "unbiased"},
                             "samples": 20},
    "gaussian-truncated": {"world": "gaussian",
                           "model": {"name": "gaussian", "truncate_sd": 2.0}, "samples": 20},
    "zipf-top-p": {"world": {"name": "zipf", "vocabulary": 50},
                   "model": {"name": "categorical", "top_p": 0.9}, "samples": 100},
    "gmm": {"world": {"name": "gaussian", "dim": 2},
            "model": {"name": "gmm", "n_components": 2}, "samples": 40},
    "kde": {"world": "gaussian", "model": "kde", "samples": 40},
    "two-class": {"world": "two-class", "model": "classifier", "samples": 40},
    "digits": {"world": "digits",
               "model": {"name": "classifier", "params": {"max_iter": 50}}, "samples": 60},
}
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
# Correctness (what verifiers and reviewers judge) exists where the world knows a truth
# for each item: a true function (regression) or true labels (classification).
JUDGED = {"polynomial", "linear-fixed", "linear-fresh-ridge", "sklearn-regressor", "two-class",
          "digits"}


def _policy_id(policy) -> str:
    return policy if isinstance(policy, str) else policy["name"]


@pytest.mark.parametrize("curation", FILTERS)
@pytest.mark.parametrize("policy", POLICIES, ids=_policy_id)
@pytest.mark.parametrize("family", FAMILIES)
def test_family_policy_filter_runs(family, policy, curation):
    settings = {"name": "smoke", "generations": 3, "replicates": 2, "seed": 1,
                "policy": policy, "filters": FILTERS[curation], **FAMILIES[family]}
    experiment = parse_experiment(settings)
    if curation in ("verifier", "human-review") and family not in JUDGED:
        with pytest.raises(ConfigError, match="true labels or a true function"):
            build_chain(experiment)
        return
    frame = build_chain(experiment).run(2, seed=1)
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
    assert np.isfinite(measured.value).all()
