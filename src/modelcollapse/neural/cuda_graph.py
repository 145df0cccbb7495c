"""One KV-cached decoding step captured as a CUDA graph and replayed for every token.

Writing with a KV cache does little arithmetic per token: for the small
networks of collapse experiments a step is a hundred tiny kernels, and on a
GPU the time goes to launching them from Python, not to running them. A CUDA
graph records the step's kernels once and replays them with one launch. For
that the step must have the same shapes and buffers every time, which is
what :meth:`GPT.step` provides: the new token's position is a tensor on the
device, and attention reads the whole cache with a mask of the filled
positions (:meth:`KVCache.store`).
"""

from __future__ import annotations

import torch

__all__ = ["GraphedStep"]


class GraphedStep:
    """A network's ``step`` over one :class:`KVCache`, captured once, replayed per token.

    Capture writes into the cache at position 0, so build this before the
    cache is filled. The cache's buffers must stay where they are (the cache
    reorders in place).

    Parameters
    ----------
    net : GPT or ReplicatedGPT
        Anything with ``step(token, position, cache) -> logits``.
    cache : KVCache
        On a CUDA device; ``n`` rows.
    autocast : bool
        Run the step under bfloat16 autocast.
    """

    def __init__(self, net, cache, *, autocast: bool):
        device = cache.keys.device
        n = cache.keys.shape[1]
        self.token = torch.zeros((n, 1), dtype=torch.long, device=device)
        self.position = torch.zeros(1, dtype=torch.long, device=device)
        # A local function, not an attribute: one held by the object would refer back to
        # it and keep the cache and the graph's memory alive until a cyclic collection.
        def run() -> torch.Tensor:
            return self._step(net, cache, autocast)

        # Kernels pick their algorithms and allocate workspaces on first use; that must
        # happen before capture, on a side stream as CUDA graphs require.
        side = torch.cuda.Stream(device)
        side.wait_stream(torch.cuda.current_stream(device))
        with torch.cuda.stream(side):
            for _ in range(2):
                run()
        torch.cuda.current_stream(device).wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.logits = run()

    def _step(self, net, cache, autocast: bool) -> torch.Tensor:
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=autocast):
            return net.step(self.token, self.position, cache).float()

    def __call__(self, token: torch.Tensor, position: int) -> torch.Tensor:
        """Logits (n, V) after ``token`` (n,) written at ``position``."""
        self.token.copy_(token.view(-1, 1))
        self.position.fill_(position)
        self.graph.replay()
        return self.logits.clone()  # the next replay overwrites the graph's own output
