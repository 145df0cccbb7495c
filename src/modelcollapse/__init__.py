"""modelcollapse: simulate, measure and mitigate model collapse.

A chain trains generation after generation of models, each on data that
earlier models produced; statistics are taken over independent replicates.
"""

from modelcollapse.core.chain import Chain
from modelcollapse.core.data import Dataset, Pool
from modelcollapse.core.metric import Metric
from modelcollapse.core.model import DegenerateFitError
from modelcollapse.core.rng import Role, SeedTree
from modelcollapse.families.regression.metrics import Coefficients, MSEToTruth
from modelcollapse.families.regression.model import PolynomialRegression
from modelcollapse.families.regression.theory import PolynomialChainTheory, polynomial_chain_theory
from modelcollapse.families.regression.world import RegressionWorld, cosine_world
from modelcollapse.filters.curation import HumanReview, SyntheticDetector, Verifier
from modelcollapse.policies.training_sets import (
    Accumulate,
    AccumulateSubsample,
    FreshReal,
    KeepOriginal,
    Policy,
    Replace,
    WebScrape,
    parse_policy,
)

__version__ = "0.1.0"

# Experiment files, run directories and queries pull in pydantic and DuckDB:
# imported on first use, so `import modelcollapse` stays light.
_LAZY = {
    "load": "modelcollapse.experiment.runner",
    "load_artifacts": "modelcollapse.experiment.runner",
    "query": "modelcollapse.experiment.runner",
    "run_experiment": "modelcollapse.experiment.runner",
    "load_experiment": "modelcollapse.experiment.schema",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'modelcollapse' has no attribute {name!r}")

__all__ = [
    "Accumulate",
    "AccumulateSubsample",
    "Chain",
    "Coefficients",
    "Dataset",
    "DegenerateFitError",
    "FreshReal",
    "HumanReview",
    "KeepOriginal",
    "MSEToTruth",
    "Metric",
    "Policy",
    "PolynomialChainTheory",
    "PolynomialRegression",
    "Pool",
    "RegressionWorld",
    "Replace",
    "Role",
    "SeedTree",
    "SyntheticDetector",
    "Verifier",
    "WebScrape",
    "__version__",
    "cosine_world",
    "load",
    "load_artifacts",
    "load_experiment",
    "parse_policy",
    "polynomial_chain_theory",
    "query",
    "run_experiment",
]
