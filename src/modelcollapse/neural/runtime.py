"""Where and how the PyTorch families run: device, CPU threads, random streams, divergence.

Shared by the VAE, the transformer and the hf families, so ``device``,
``threads`` and a NaN loss mean the same in each.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from modelcollapse.core.model import DegenerateFitError

try:
    import torch
except ImportError as missing:  # torch is the optional [torch] extra
    raise ImportError("this model needs PyTorch: pip install 'modelcollapse[torch]' "
                      "(install the torch build for your machine first)") from missing

__all__ = ["DivergedError", "check_device_name", "check_schedule", "cpu_threads",
           "resolve_device", "to_numpy", "torch_generator"]


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    """A tensor's values as a numpy array, from any device: the one place tensors leave torch.

    numpy reads only host memory, so a tensor on a GPU must be copied to the
    CPU first; going through here (and never through ``np.asarray(tensor)`` or
    ``array[...] = tensor``, which work on the CPU and fail on CUDA) keeps the
    families right on every device. ``tests/neural/test_device_crossings.py``
    holds every torch family to this on the CPU, where the mistake would
    otherwise pass unnoticed.
    """
    return tensor.detach().to("cpu").numpy()


class DivergedError(DegenerateFitError):
    """The training loss became NaN or infinite; the chain records ``"diverged"``."""

    status = "diverged"


def check_device_name(device: str) -> None:
    """Raise ``ValueError`` unless ``device`` is ``cpu``, ``cuda``, ``cuda:N`` or ``auto``."""
    if device not in ("cpu", "cuda", "auto") and not str(device).startswith("cuda:"):
        raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N' or 'auto', got {device!r}")


def check_schedule(learning_rate: float, steps: int | None, epochs: float | None) -> None:
    """Raise ``ValueError`` for a training length or learning rate that cannot run.

    Training lasts ``epochs`` passes over the data when set, else ``steps`` steps.
    """
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
    if epochs is None and (steps is None or int(steps) != steps or steps < 1):
        raise ValueError(f"steps must be an integer >= 1 (or set epochs), got {steps}")
    if epochs is not None and not epochs > 0:
        raise ValueError(f"epochs must be > 0, got {epochs}")


def resolve_device(device: str) -> torch.device:
    """``"cpu"``, ``"cuda"`` (or ``"cuda:N"``) or ``"auto"`` (CUDA when present).

    Raises
    ------
    ValueError
        For CUDA where there is none, or an unknown name.
    """
    check_device_name(device)
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device != "cpu" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r}: PyTorch sees no CUDA GPU here; "
                         "use device = 'cpu' or 'auto'")
    return torch.device(device)


@contextmanager
def cpu_threads(n_threads: int | None):
    """Let torch use ``n_threads`` CPU threads inside the block (``None``: leave it).

    On a small shared machine one thread per chain is often several times faster
    than torch's default; the setting is process-wide, so it is restored after.
    """
    if n_threads is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def torch_generator(rng: np.random.Generator, device: torch.device | str = "cpu"
                    ) -> torch.Generator:
    """A fresh ``torch.Generator`` on ``device`` seeded from the numpy stream ``rng``."""
    generator = torch.Generator(device=device)
    generator.manual_seed(int(rng.integers(2**63)))
    return generator
