"""Data policies: how generation g's training set is built from the pool.

Generation 1 always trains on real data. For every later generation a policy
gives a :class:`Recipe`: how many new items the previous model writes, how
many fresh real items the world provides, how many of generation 1's real
items are kept, and what is drawn from the pool. The per-replicate loop
(:meth:`Policy.build`) and the batched kernels (``core/batched.py``) both
read the recipe, so each policy is written once, for both engines.
"""

from __future__ import annotations

import inspect
import tomllib
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from modelcollapse.core import registry
from modelcollapse.core.data import Dataset, Pool

__all__ = [
    "Accumulate",
    "AccumulateSubsample",
    "FreshReal",
    "KeepOriginal",
    "Policy",
    "Recipe",
    "Replace",
    "WebScrape",
    "parse_policy",
    "read_policy_label",
]


def _check_fraction(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value}")


@dataclass(frozen=True)
class Recipe:
    """What one generation's training set is made of.

    The training set is, in this order: ``fresh_real`` items the world draws
    anew, ``kept_original`` of generation 1's real items (drawn without
    replacement), then either the ``new_synthetic`` items the previous model
    wrote (``pool`` None) or a draw from the pool. Everything a model writes
    goes into the pool (it is published) whether or not it is trained on.

    Parameters
    ----------
    new_synthetic : int
        Items the previous model writes.
    fresh_real : int, default 0
    kept_original : int, default 0
    pool : {None, "everything", "published"}, default None
        Train on the pool instead of the new items: everything so far (real
        and written), or only what models published (written items).
    pool_draw : int or None, default None
        Items drawn without replacement from that pool (at most all of it);
        None takes all of it.
    """

    new_synthetic: int
    fresh_real: int = 0
    kept_original: int = 0
    pool: str | None = None
    pool_draw: int | None = None


@dataclass(frozen=True)
class Policy(ABC):
    """Base class. Subclasses give :meth:`recipe`; everything else follows from it.

    ``refits = True`` and ``writer = "previous"`` say that every generation
    fits a new model on what the previous generation's model wrote; the
    policies in :mod:`modelcollapse.policies.staleness` change them.
    """

    name = "policy"
    refits = True
    writer = "previous"

    @abstractmethod
    def recipe(self, n_samples: int, generation: int = 2) -> Recipe:
        """What generation ``generation``'s training set is made of (``generation`` >= 2)."""

    def n_real_items(self, n_samples: int, generation: int = 2) -> int:
        """Number of real items (fresh or original) in generation ``generation``'s training set."""
        recipe = self.recipe(n_samples, generation)
        return recipe.fresh_real + recipe.kept_original

    def n_new_synthetic(self, n_samples: int, generation: int = 2) -> int:
        """How many items the previous model writes for generation ``generation``."""
        return self.recipe(n_samples, generation).new_synthetic

    def n_fresh_real(self, n_samples: int, generation: int = 2) -> int:
        """How many fresh real items the world draws for generation ``generation``."""
        return self.recipe(n_samples, generation).fresh_real

    def build(self, pool: Pool, *, new_synthetic: Dataset, fresh_real: Dataset,
              n_samples: int, rng: np.random.Generator, generation: int = 2) -> Dataset:
        """The training set of generation ``generation``, as its recipe says.

        ``pool`` already holds ``new_synthetic`` and ``fresh_real``; ``rng``
        draws the kept original items and the pool's subsample.
        """
        recipe = self.recipe(n_samples, generation)
        parts = [fresh_real]
        if recipe.kept_original:
            original = pool.original
            parts.append(original.take(rng.choice(len(original), size=recipe.kept_original,
                                                  replace=False)))
        if recipe.pool is None:
            parts.append(new_synthetic)
        else:
            source = pool.everything() if recipe.pool == "everything" else pool.synthetic()
            if recipe.pool_draw is not None:
                size = min(recipe.pool_draw, len(source))
                source = source.take(rng.choice(len(source), size=size, replace=False))
            parts.append(source)
        parts = [part for part in parts if len(part)] or [new_synthetic]
        return parts[0] if len(parts) == 1 else Dataset.concat(parts)

    @property
    def label(self) -> str:
        """Short description used in results, e.g. ``fresh-real(0.1)``."""
        return self.name


@dataclass(frozen=True)
class Replace(Policy):
    """Train only on what the previous model wrote (the post's chain)."""

    name = "replace"

    def recipe(self, n_samples: int, generation: int = 2) -> Recipe:  # noqa: D102
        return Recipe(new_synthetic=n_samples)


@dataclass(frozen=True)
class Accumulate(Policy):
    """Train on everything so far: the original real data and every model's output."""

    name = "accumulate"

    def recipe(self, n_samples: int, generation: int = 2) -> Recipe:  # noqa: D102
        return Recipe(new_synthetic=n_samples, pool="everything")


@dataclass(frozen=True)
class AccumulateSubsample(Policy):
    """Accumulate, but train on a random subset of fixed size (a fixed compute budget).

    Parameters
    ----------
    budget : int or None, default None
        Training-set size; ``None`` uses the samples per generation.
    """

    budget: int | None = None
    name = "accumulate-subsample"

    def __post_init__(self) -> None:
        if self.budget is not None and (isinstance(self.budget, bool)
                                        or not isinstance(self.budget, int | np.integer)
                                        or self.budget < 1):
            raise ValueError(f"budget must be an integer of at least 1, got {self.budget!r}")

    def recipe(self, n_samples: int, generation: int = 2) -> Recipe:  # noqa: D102
        return Recipe(new_synthetic=n_samples, pool="everything",
                      pool_draw=self.budget or n_samples)

    @property
    def label(self) -> str:  # noqa: D102
        return self.name if self.budget is None else f"{self.name}({self.budget})"


@dataclass(frozen=True)
class FreshReal(Policy):
    """Each generation, a fraction of the training set is fresh real data.

    Parameters
    ----------
    fraction : float
        Share λ of each training set drawn fresh from the world; the rest is
        the previous model's output. ``round(λ·n)`` items.
    """

    fraction: float = 0.1
    name = "fresh-real"

    def __post_init__(self) -> None:
        _check_fraction("fraction", self.fraction)

    def recipe(self, n_samples: int, generation: int = 2) -> Recipe:  # noqa: D102
        k = round(self.fraction * n_samples)
        return Recipe(new_synthetic=n_samples - k, fresh_real=k)

    @property
    def label(self) -> str:  # noqa: D102
        return f"{self.name}({self.fraction:g})"


@dataclass(frozen=True)
class KeepOriginal(Policy):
    """Each generation, a fraction of the training set is a random part of the original data.

    Parameters
    ----------
    fraction : float
        Share α of each training set taken, without replacement, from generation
        1's real training data (``round(α·n)`` items); the rest is the previous
        model's output.
    """

    fraction: float = 0.1
    name = "keep-original"

    def __post_init__(self) -> None:
        _check_fraction("fraction", self.fraction)

    def recipe(self, n_samples: int, generation: int = 2) -> Recipe:  # noqa: D102
        k = round(self.fraction * n_samples)
        return Recipe(new_synthetic=n_samples - k, kept_original=k)

    @property
    def label(self) -> str:  # noqa: D102
        return f"{self.name}({self.fraction:g})"


SCHEDULES = ("constant", "linear", "logistic", "measured")


@dataclass(frozen=True)
class WebScrape(Policy):
    """Each generation trains on a fresh scrape of a web that models increasingly write.

    The scrape holds ``n_samples`` items: a share s_g of them drawn uniformly
    from everything earlier models published (every model publishes
    ``n_samples`` items), the rest fresh human-written data. The share follows
    a schedule over generations g = 2, 3, …:

    - ``constant``: s_g = ``end``;
    - ``linear``: from ``start`` at generation 2 to ``end`` at generation
      2 + ``horizon``, then flat;
    - ``logistic``: from ``start`` towards ``end``, halfway at generation
      2 + ``horizon``/2, an S-curve like adoption curves;
    - ``measured``: a published measurement (``series``, from
      :mod:`modelcollapse.policies.measured`, or from the CSV file ``path``), generation
      2 at the month ``first_month`` and each later one ``months_per_generation``
      months on; linear between measurements and flat after the last.

    Parameters
    ----------
    schedule : {"constant", "linear", "logistic", "measured"}, default "linear"
    start : float, default 0.0
    end : float, default 0.5
    horizon : int, default 10
    series : str or None, default None
        The measured series, e.g. ``"wikipedia-new-articles"`` (``measured``).
    path : str or None, default None
        A CSV file of measurements (columns series, date, share, source, note).
    first_month : str, default "2022-11"
        ``YYYY-MM`` of generation 2's scrape (``measured``).
    months_per_generation : int, default 3
    """

    schedule: str = "linear"
    start: float = 0.0
    end: float = 0.5
    horizon: int = 10
    series: str | None = None
    path: str | None = None
    first_month: str = "2022-11"
    months_per_generation: int = 3
    name = "web-scrape"

    def __post_init__(self) -> None:
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, "
                             f"got {self.schedule!r}")
        _check_fraction("start", self.start)
        _check_fraction("end", self.end)
        if int(self.horizon) != self.horizon or self.horizon < 1:
            raise ValueError(f"horizon must be an integer >= 1, got {self.horizon}")
        if (self.schedule == "measured") != (self.series is not None):
            raise ValueError("schedule = 'measured' takes a series (and optionally a path); "
                             "other schedules take neither")
        if self.schedule == "measured":
            from modelcollapse.policies.measured import load_series, month_number

            load_series(self.series, self.path)  # a bad file is an error now, not mid-run
            month_number(self.first_month)
            if int(self.months_per_generation) != self.months_per_generation or \
                    self.months_per_generation < 1:
                raise ValueError("months_per_generation must be an integer >= 1, got "
                                 f"{self.months_per_generation}")

    def share(self, generation: int) -> float:
        """The model-written share s_g of generation ``generation``'s scrape."""
        t = max(generation - 2, 0)
        if self.schedule == "measured":
            from modelcollapse.policies.measured import load_series, month_number, share_at

            month = month_number(self.first_month) + t * self.months_per_generation
            return share_at(load_series(self.series, self.path), month)
        if self.schedule == "constant":
            return self.end
        if self.schedule == "linear":
            return self.start + (self.end - self.start) * min(t / self.horizon, 1.0)
        steepness = 8.0 / self.horizon  # from about 2% to 98% of the way over one horizon
        return float(self.start + (self.end - self.start) / (
            1 + np.exp(-steepness * (t - self.horizon / 2))))

    def recipe(self, n_samples: int, generation: int = 2) -> Recipe:  # noqa: D102
        scraped = round(self.share(generation) * n_samples)
        # Every model publishes a full generation; the scrape draws its share from all of them.
        return Recipe(new_synthetic=n_samples, fresh_real=n_samples - scraped,
                      pool="published", pool_draw=scraped)

    @property
    def label(self) -> str:  # noqa: D102
        if self.schedule == "measured":
            return (f"{self.name}(measured {self.series} from {self.first_month}, "
                    f"{self.months_per_generation} months a generation)")
        return (f"{self.name}({self.schedule}, {self.start:g}->{self.end:g}"
                f"{'' if self.schedule == 'constant' else f' over {self.horizon}'})")


# The data policies whose labels carry all their settings into experiment records.
POLICY_LABELS = frozenset({"replace", "accumulate", "accumulate-subsample", "fresh-real",
                           "keep-original", "web-scrape"})
"""Policies an experiment records with every setting when its label gives one."""


def read_policy_label(text: str) -> tuple[str, dict]:
    """Split a policy label into its name and settings: the one reader of policy labels.

    A label is a registered policy's name (``"replace"``), optionally with
    its first setting in parentheses (``"fresh-real(0.1)"``,
    ``"retrieval(10)"``). The value is read as the type the policy declares
    for that setting: a whole number for counts and budgets, a number for
    fractions, a TOML literal otherwise.

    Returns
    -------
    tuple of (str, dict)
        The name and ``{setting: value}`` (empty for a bare name).

    Raises
    ------
    ValueError
        For an unknown name (with a suggestion), a policy without settings
        given one, or a value of the wrong kind.
    """
    policies = registry.policies
    name, _, rest = text.strip().partition("(")
    name = name.strip()
    if name not in policies:
        raise ValueError(f"unknown policy {name!r}{registry.did_you_mean(name, policies.names())}"
                         f"; known policies: {', '.join(policies.names())}")
    if not rest:
        return name, {}
    parameters = policies.parameters(name)
    if not rest.endswith(")") or not parameters:
        raise ValueError(f"policy {text!r} is malformed; write e.g. 'fresh-real(0.1)', or give "
                         "its settings as a table")
    first, parameter = next(iter(parameters.items()))
    return name, {first: _setting_value(rest[:-1].strip(), parameter, text)}


def _setting_value(value: str, parameter: inspect.Parameter, text: str):
    """``value`` read as the type ``parameter`` declares (as a TOML literal if it declares none)."""
    declared = parameter.annotation if isinstance(parameter.annotation, str) \
        else getattr(parameter.annotation, "__name__", "")
    kind = {"int": int, "float": float}.get(declared.split("|")[0].strip())
    if kind is None:
        try:
            return tomllib.loads(f"value = {value}")["value"]
        except tomllib.TOMLDecodeError:
            return value
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"policy {text!r}: {parameter.name} must be a "
                         f"{'whole number' if kind is int else 'number'}, got {value!r}") from None


def parse_policy(text: str) -> Policy:
    """Build a policy from its label, e.g. ``"replace"`` or ``"fresh-real(0.1)"``.

    Policies with several settings (web-scrape) take their defaults for the
    rest; give their settings as a table in experiment files.

    Raises
    ------
    ValueError
        For an unknown name or a malformed argument, with the accepted forms.
    """
    name, settings = read_policy_label(text)
    return registry.policies.build(name, settings)
