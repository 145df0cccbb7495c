"""Correcting a frozen model at prediction time with k retrieved real items.

The frozen model counts as ``weight`` items of evidence (its training-set
size); the k items retrieved from the current world are added to that
evidence in closed form, as a conjugate update would: the model is never
refitted, and the correction of one generation is not carried to the next.

Each family that has such a correction registers it here with
:func:`corrects` (``families/<name>/retrieval.py``): the Gaussian pools
moments, the categorical law pools counts, the polynomial and linear
regressions use the frozen fit as a least-squares prior, and the n-gram model
is interpolated with one counted on the retrieved blocks.
"""

from __future__ import annotations

from collections.abc import Callable

from modelcollapse.core.data import Dataset

__all__ = ["correct", "corrects", "supports_retrieval"]

_CORRECTIONS: dict[type, tuple[Callable, Callable | None]] = {}
"""Model class -> (correction, the condition a model must meet for it, or None)."""


def corrects(model_class: type, *, when: Callable | None = None) -> Callable[[Callable], Callable]:
    """Decorator registering a retrieval correction of ``model_class``'s fitted models.

    Parameters
    ----------
    model_class : type
        The class whose models the correction applies to (exactly, not subclasses).
    when : callable, optional
        ``when(model) -> bool``: whether this model's settings allow the
        correction (an n-gram model must decode plainly).

    The correction is ``correction(model, data, weight, world) -> model``: a
    corrected copy of the fitted ``model`` (left unchanged), given the k
    retrieved items ``data``, the frozen model's worth in items ``weight``, and
    the current world.
    """

    def register(correction: Callable) -> Callable:
        _CORRECTIONS[model_class] = (correction, when)
        return correction

    return register


def supports_retrieval(model) -> bool:
    """Whether ``model``'s family registered a closed-form retrieval correction that applies."""
    entry = _CORRECTIONS.get(type(model))
    return entry is not None and (entry[1] is None or entry[1](model))


def correct(model, data: Dataset, *, weight: int, world):
    """A copy of the fitted ``model`` corrected by the retrieved real items ``data``.

    Parameters
    ----------
    model : object
        A fitted model whose family registered a correction; left unchanged.
    data : Dataset
        The k retrieved items, drawn from the current world.
    weight : int
        How many items the frozen model's fit is worth (its training-set size).
    world : object
        The current world (the polynomial correction weights errors on its grid).
    """
    return _CORRECTIONS[type(model)][0](model, data, weight, world)
