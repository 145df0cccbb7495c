"""A metric chosen by name from a family's table of closed forms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

__all__ = ["NamedMetric"]


@dataclass(frozen=True)
class NamedMetric:
    """One metric out of a family's table; subclasses say which table and how to measure.

    Parameters
    ----------
    name : str
        A key of the subclass's ``known`` table.
    """

    name: str
    known: ClassVar[dict[str, str]] = {}
    family: ClassVar[str] = ""

    def __post_init__(self) -> None:
        if self.name not in self.known:
            raise ValueError(f"unknown {self.family} metric {self.name!r}; known: "
                             f"{', '.join(self.known)}")

    def names(self, model) -> tuple[str, ...]:
        """The single name this metric records."""
        return (self.name,)
