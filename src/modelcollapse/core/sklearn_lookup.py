"""Build scikit-learn estimators named in experiment files, from inside scikit-learn only."""

from __future__ import annotations

import importlib

__all__ = ["build_sklearn"]

_MIXINS = {"regressor": "RegressorMixin", "classifier": "ClassifierMixin"}
_EXAMPLES = {"regressor": "tree.DecisionTreeRegressor",
             "classifier": "linear_model.LogisticRegression"}


def build_sklearn(kind: str, path: str, params: dict | None = None):
    """Build the scikit-learn ``kind`` ("regressor" or "classifier") at ``sklearn.<path>``.

    Only classes inside scikit-learn are reachable, so an experiment file
    cannot make modelcollapse import arbitrary code.

    Raises
    ------
    ValueError
        For a malformed path, a class outside scikit-learn, or one of another kind.
    """
    import sklearn.base

    module_name, _, class_name = path.rpartition(".")
    if not module_name or not all(part.isidentifier() for part in path.split(".")):
        raise ValueError(f"{kind} {path!r}: write it as module.Class under sklearn, "
                         f"e.g. {_EXAMPLES[kind]!r}")
    try:
        cls = getattr(importlib.import_module(f"sklearn.{module_name}"), class_name)
    except (ImportError, AttributeError):
        raise ValueError(f"{kind} {path!r} is not a scikit-learn class "
                         f"(e.g. {_EXAMPLES[kind]!r})") from None
    if not (isinstance(cls, type) and issubclass(cls, getattr(sklearn.base, _MIXINS[kind]))):
        raise ValueError(f"{kind} {path!r} is not a {kind}")
    estimator = cls(**(params or {}))
    # Settings are checked when the experiment is built, so a bad value is a configuration
    # error rather than a fit that fails in every replicate (scikit-learn >= 1.2 checks them).
    check = getattr(estimator, "_validate_params", None)
    if check is not None:
        try:
            check()
        except ValueError as error:
            raise ValueError(f"{kind} {path!r}: {error}") from None
    return estimator
