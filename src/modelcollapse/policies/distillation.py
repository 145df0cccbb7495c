"""One-step distillation: a large teacher learns from real data, a small student from its samples.

Whichever data a generation trains on decides who learns: a training set of
real items only trains the teacher; one with any model-written item trains
the student. Under the ``distill`` policy every student learns from the
generation-1 teacher (a one-time cost); under ``replace`` each student learns
from the previous student (the recursive chain, where the cost compounds).
"""

from __future__ import annotations

from dataclasses import dataclass, field, is_dataclass, replace

import numpy as np

from modelcollapse.core.data import Dataset

__all__ = ["Distillation"]


@dataclass
class Distillation:
    """A teacher and a student model; :meth:`fit` trains the one the data calls for.

    Parameters
    ----------
    teacher : object
        Unfitted model trained on real data (the larger one).
    student : object
        Unfitted model trained on model-written data (the smaller one).

    Attributes
    ----------
    role_ : {"teacher", "student"}
        Which of the two the last :meth:`fit` trained.
    fitted_ : object
        That fitted model; :meth:`predict` and :meth:`sample` use it.
    """

    teacher: object
    student: object
    role_: str = field(init=False, repr=False, compare=False)
    fitted_: object = field(init=False, repr=False, compare=False)

    @property
    def conditional(self) -> bool:
        """Whether the world draws inputs for the models to label."""
        return getattr(self.teacher, "conditional", True)

    def for_world(self, world) -> Distillation:
        """Both models write with the world's noise where they leave it unset."""
        def filled(model):
            if getattr(model, "noise", 0) is None and is_dataclass(model):
                return replace(model, noise=world.noise)
            return model
        return Distillation(filled(self.teacher), filled(self.student))

    def clone(self) -> Distillation:
        """An unfitted copy."""
        return Distillation(self.teacher.clone(), self.student.clone())

    needs_lineage = True
    """The chain says which generation this is: the teacher is generation 1's model."""

    def fit(self, data: Dataset, *, rng: np.random.Generator, generation: int = 1,
            first=None) -> Distillation:
        """Fit the teacher in generation 1 (real data), the student in every later one."""
        self.role_ = "teacher" if generation == 1 else "student"
        model = self.teacher if self.role_ == "teacher" else self.student
        self.fitted_ = model.clone().fit(data, rng=rng)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predictions of the fitted model."""
        return self.fitted_.predict(X)

    def sample(self, n: int, *, rng: np.random.Generator, X: np.ndarray | None = None) -> Dataset:
        """Items written by the fitted model."""
        return self.fitted_.sample(n, rng=rng, X=X)
