"""Optional compiled passes: numba where it is installed, numpy otherwise, the same results.

A family may keep its hottest loops in a module of numba-compiled functions
(``numba_passes.py`` in its folder) beside numpy code that computes the same
values in the same order. :func:`load` imports such a module only when numba
is installed (the ``fast`` extra), so numba stays optional, and tells the
family which path to take. The tests run both paths and compare them exactly.

``MODELCOLLAPSE_NUMBA=0`` in the environment keeps every family on its numpy
passes (to compare speeds, or to rule the compiled code out); it is read
once per process, at the first use.
"""

from __future__ import annotations

import functools
import importlib
import os
import warnings
from types import ModuleType

from modelcollapse.core.errors import UsageError

__all__ = ["load", "wanted"]


def wanted() -> bool:
    """Whether ``MODELCOLLAPSE_NUMBA`` allows compiled passes (unset or 1: yes; 0: no).

    Raises
    ------
    UsageError
        ``MODELCOLLAPSE_NUMBA`` is set to something other than 0 or 1.
    """
    setting = os.environ.get("MODELCOLLAPSE_NUMBA", "1")
    if setting not in ("0", "1"):
        raise UsageError(f"MODELCOLLAPSE_NUMBA={setting!r}: set it to 1 (compiled passes where "
                         f"numba is installed, the default) or 0 (numpy passes only)")
    return setting == "1"


@functools.cache
def load(module: str) -> ModuleType | None:
    """The module of compiled passes named ``module``, or None where they cannot run.

    None where numba is not installed or ``MODELCOLLAPSE_NUMBA`` is 0. Numba
    refuses to cache compiled code when neither the package's folder nor the
    user's cache directory is writable; then a warning says so and None is
    returned, so the numpy passes run (the same results, slower).

    Parameters
    ----------
    module : str
        Dotted name, e.g. ``"modelcollapse.families.regression.numba_passes"``.

    Raises
    ------
    UsageError
        ``MODELCOLLAPSE_NUMBA`` is set to something other than 0 or 1.
    """
    if not wanted():
        return None
    try:
        import numba  # noqa: F401
    except ImportError:
        return None
    try:
        return importlib.import_module(module)
    except RuntimeError as error:        # numba: "cannot cache function ...: no locator"
        warnings.warn(f"{module} cannot be compiled here, so its numpy twin runs (same results, "
                      f"slower): {error}; set NUMBA_CACHE_DIR to a writable folder to compile it",
                      RuntimeWarning, stacklevel=2)
        return None
