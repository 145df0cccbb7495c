"""modelcollapse: simulate, measure and mitigate model collapse.

A chain trains generation after generation of models, each on data that
earlier models produced; statistics are taken over independent replicates.
"""

from modelcollapse.chain import Chain
from modelcollapse.data import Dataset, Pool
from modelcollapse.filters import HumanReview, SyntheticDetector, Verifier
from modelcollapse.metrics import Coefficients, Metric, MSEToTruth
from modelcollapse.models import DegenerateFitError, PolynomialRegression
from modelcollapse.policies import (
    Accumulate,
    AccumulateSubsample,
    FreshReal,
    KeepOriginal,
    Policy,
    Replace,
    WebScrape,
    parse_policy,
)
from modelcollapse.rng import Role, SeedTree
from modelcollapse.theory import PolynomialChainTheory, polynomial_chain_theory
from modelcollapse.worlds import RegressionWorld, cosine_world

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
