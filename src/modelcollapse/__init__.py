"""modelcollapse: simulate, measure and mitigate model collapse.

A chain trains generation after generation of models, each on data that
earlier models produced; statistics are taken over independent replicates.
"""

from modelcollapse.chain import Chain
from modelcollapse.data import Dataset, Pool
from modelcollapse.metrics import Coefficients, Metric, MSEToTruth
from modelcollapse.models import DegenerateFitError, PolynomialRegression
from modelcollapse.policies import (
    Accumulate,
    AccumulateSubsample,
    FreshReal,
    KeepOriginal,
    Policy,
    Replace,
    parse_policy,
)
from modelcollapse.rng import Role, SeedTree
from modelcollapse.theory import PolynomialChainTheory, polynomial_chain_theory
from modelcollapse.worlds import RegressionWorld, cosine_world

__version__ = "0.1.0"

__all__ = [
    "Accumulate",
    "AccumulateSubsample",
    "Chain",
    "Coefficients",
    "Dataset",
    "DegenerateFitError",
    "FreshReal",
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
    "__version__",
    "cosine_world",
    "parse_policy",
    "polynomial_chain_theory",
]
