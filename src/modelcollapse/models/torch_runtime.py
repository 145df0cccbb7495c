"""Where and how the PyTorch families run: device, CPU threads, random streams, divergence.

Shared by the VAE, the transformer and the hf families, so ``device``,
``threads`` and a NaN loss mean the same in each.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from modelcollapse.models.regression import DegenerateFitError

try:
    import torch
except ImportError as missing:  # torch is the optional [torch] extra
    raise ImportError("this model needs PyTorch: pip install 'modelcollapse[torch]' "
                      "(install the torch build for your machine first)") from missing

__all__ = ["DivergedError", "cpu_threads", "resolve_device", "torch_generator"]


class DivergedError(DegenerateFitError):
    """The training loss became NaN or infinite; the chain records ``"diverged"``."""

    status = "diverged"


def resolve_device(device: str) -> torch.device:
    """``"cpu"``, ``"cuda"`` (or ``"cuda:N"``) or ``"auto"`` (CUDA when present).

    Raises
    ------
    ValueError
        For CUDA where there is none, or an unknown name.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu":
        return torch.device("cpu")
    if device == "cuda" or device.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ValueError(f"device {device!r}: PyTorch sees no CUDA GPU here; "
                             "use device = 'cpu' or 'auto'")
        return torch.device(device)
    raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N' or 'auto', got {device!r}")


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
